"""Courier positions: thin; the rules are in CourierLocationService.

- `POST /api/v1/couriers/me/location` {lat, lng, accuracy?}  (courier; at most one per 15 s, else 429)
- `GET  /api/v1/couriers/locations?branch_id=`               (manager; the board's snapshot)
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_login, requires_roles
from app.couriers.schemas import LocationIn, LocationOut, LocationsOut
from app.couriers.services import CourierLocationService
from app.lib.deps import provide

AnyRequest = Request[Any, Any, Any]
Locations = NamedDependency[CourierLocationService]
MAX_ID = 2**63 - 1


class CourierLocationController(Controller):
    path = "/api/v1/couriers"
    tags = ["couriers"]
    guards = [requires_login]
    dependencies = {"location_service": provide(CourierLocationService)}

    @post("/me/location", guards=[requires_roles("courier")], status_code=HTTP_200_OK)
    async def ping(
        self, request: AnyRequest, data: JSONBody[LocationIn], location_service: Locations
    ) -> LocationOut:
        return await location_service.ping(body=data, actor=current_user(request))

    # Admins pass every role guard (SessionUser.has_role).
    @get("/locations", guards=[requires_roles("manager")])
    async def locations(
        self,
        request: AnyRequest,
        location_service: Locations,
        branch_id: Annotated[int, QueryParameter(ge=1, le=MAX_ID)],
    ) -> LocationsOut:
        return await location_service.locations(branch_id=branch_id, actor=current_user(request))

"""Kitchen endpoints: thin; the rules are in KitchenService and (rush, call) the kitchen flows.

- `POST /api/v1/tickets/{id}/start|bump|recall`
- `GET  /api/v1/kds/{branch_id}/{station}`, `/api/v1/kds/{branch_id}/{station}/recent`, `/api/v1/kds/{branch_id}/expo`
- `POST /api/v1/orders/{id}/rush`, `POST /api/v1/orders/{id}/call`
- `GET  /api/v1/kitchen/metrics`
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from app.auth.devices import STATION, DevicePrincipal, current_viewer
from app.auth.guards import current_user, requires_login, requires_roles
from app.kitchen.flows import KitchenFlows
from app.kitchen.schemas import (
    CallOut,
    ExpoSnapshot,
    KitchenMetrics,
    RecentOut,
    RushIn,
    RushOut,
    StationSnapshot,
    TicketActionOut,
)
from app.kitchen.services import KitchenActor, KitchenService
from app.kitchen.services._tickets import RECENT_DEFAULT, RECENT_MAX
from app.lib.deps import provide

AnyRequest = Request[Any, Any, Any]
Kitchen = NamedDependency[KitchenService]
Flows = NamedDependency[KitchenFlows]
# Admins pass every role check (SessionUser.has_role).
KITCHEN_ROLES = ("kitchen", "manager")
MAX_ID = 2**63 - 1
# Bounded so an id past bigint is a 400, never an overflow inside the database driver.
BranchPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
BranchQuery = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]
# Station codes are short (`^[a-z][a-z0-9_]*$`); anything longer is no station.
StationPath = Annotated[str, PathParameter(max_length=64)]
TicketPath = FromPath[uuid.UUID]
OrderPath = FromPath[uuid.UUID]

_KITCHEN = {"kitchen_service": provide(KitchenService)}


def cook(request: AnyRequest) -> KitchenActor:
    """Who works the kitchen screen making this request: a paired station display (its station only) or a
    member of the kitchen staff. A refused device token is a 401 that says why (the display re-pairs)."""
    viewer = current_viewer(request, device_roles=(STATION,), staff_roles=KITCHEN_ROLES)
    if isinstance(viewer, DevicePrincipal):
        return KitchenActor(
            user_id=None,
            branch_ids=(viewer.branch_id,),
            station_code=viewer.station_code,
            device_id=viewer.device_id,
        )
    return KitchenActor.staff(viewer)


async def kitchen_screen(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: who may work a station screen, checked before the request is read (as a login guard is)."""
    current_viewer(connection, device_roles=(STATION,), staff_roles=KITCHEN_ROLES)


def expo_staff(request: AnyRequest) -> KitchenActor:
    """The expo is a staff screen: a station display is told so (403) rather than shown a 404."""
    viewer = current_viewer(request, device_roles=(), staff_roles=KITCHEN_ROLES)
    assert not isinstance(viewer, DevicePrincipal)
    return KitchenActor.staff(viewer)


class TicketController(Controller):
    path = "/api/v1/tickets"
    tags = ["kitchen"]
    # Not requires_login: a paired station display has no session.
    guards = [kitchen_screen]
    dependencies = _KITCHEN

    @post("/{ticket_id:uuid}/start", status_code=HTTP_200_OK)
    async def start(
        self, request: AnyRequest, ticket_id: TicketPath, kitchen_service: Kitchen
    ) -> TicketActionOut:
        return await kitchen_service.act(ticket_id=ticket_id, action="start", actor=cook(request))

    @post("/{ticket_id:uuid}/bump", status_code=HTTP_200_OK)
    async def bump(
        self, request: AnyRequest, ticket_id: TicketPath, kitchen_service: Kitchen
    ) -> TicketActionOut:
        return await kitchen_service.act(ticket_id=ticket_id, action="bump", actor=cook(request))

    @post("/{ticket_id:uuid}/recall", status_code=HTTP_200_OK)
    async def recall(
        self, request: AnyRequest, ticket_id: TicketPath, kitchen_service: Kitchen
    ) -> TicketActionOut:
        return await kitchen_service.act(ticket_id=ticket_id, action="recall", actor=cook(request))


class KdsController(Controller):
    path = "/api/v1/kds"
    tags = ["kitchen"]
    # Not requires_login: a paired station display has no session (the expo refuses it, in expo_staff).
    guards = [kitchen_screen]
    dependencies = _KITCHEN

    @get("/{branch_id:int}/expo")
    async def expo(
        self, request: AnyRequest, branch_id: BranchPath, kitchen_service: Kitchen
    ) -> ExpoSnapshot:
        """Open orders the kitchen works on, with each ticket's state, current to `stream_id`."""
        return await kitchen_service.expo(branch_id=branch_id, actor=expo_staff(request))

    @get("/{branch_id:int}/{station:str}")
    async def station(
        self, request: AnyRequest, branch_id: BranchPath, station: StationPath, kitchen_service: Kitchen
    ) -> StationSnapshot:
        """A station's tickets (rush first, then oldest), current to `stream_id`."""
        return await kitchen_service.station(branch_id=branch_id, code=station, actor=cook(request))

    @get("/{branch_id:int}/{station:str}/recent")
    async def recent(
        self,
        request: AnyRequest,
        branch_id: BranchPath,
        station: StationPath,
        kitchen_service: Kitchen,
        limit: Annotated[int, QueryParameter(ge=1, le=RECENT_MAX)] = RECENT_DEFAULT,
    ) -> RecentOut:
        """Recently bumped tickets that can still be recalled, newest bump first."""
        return await kitchen_service.recent(
            branch_id=branch_id, code=station, limit=limit, actor=cook(request)
        )


class KitchenOrderController(Controller):
    """The kitchen's verbs on orders, beside the order API's own routes."""

    path = "/api/v1/orders"
    tags = ["kitchen"]
    guards = [requires_login]
    dependencies = {"kitchen_flows": provide(KitchenFlows)}

    @post("/{order_id:uuid}/rush", guards=[requires_roles("cashier", "manager")], status_code=HTTP_200_OK)
    async def rush(
        self, request: AnyRequest, order_id: OrderPath, data: JSONBody[RushIn], kitchen_flows: Flows
    ) -> RushOut:
        return await kitchen_flows.rush(order_id=order_id, rush=data.rush, actor=current_user(request))

    @post(
        "/{order_id:uuid}/call",
        guards=[requires_roles("kitchen", "cashier", "manager")],
        status_code=HTTP_200_OK,
    )
    async def call(self, request: AnyRequest, order_id: OrderPath, kitchen_flows: Flows) -> CallOut:
        return await kitchen_flows.call_token(order_id=order_id, actor=current_user(request))


class KitchenMetricsController(Controller):
    path = "/api/v1/kitchen"
    tags = ["kitchen", "reports"]
    guards = [requires_login, requires_roles("manager")]
    dependencies = _KITCHEN

    @get("/metrics")
    async def metrics(
        self,
        request: AnyRequest,
        kitchen_service: Kitchen,
        branch_id: BranchQuery,
        since: FromQuery[dt.datetime | None] = None,
        until: FromQuery[dt.datetime | None] = None,
    ) -> KitchenMetrics:
        """Prep times per station and product, tickets per hour, for tickets created in `[since, until)`
        (default: the last 24 hours; times without a zone are the branch's local time)."""
        return await kitchen_service.metrics(
            branch_id=branch_id, since=since, until=until, actor=current_user(request)
        )

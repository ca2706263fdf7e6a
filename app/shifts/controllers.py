"""Shift endpoints (cashier, manager): thin; every rule is in ShiftService.

GET  /api/v1/pos/start?pos_profile_id=&branch_id=  the till's first load in one read (start.py)
GET  /api/v1/pos/profiles/{id}/shift          the till's open shift, or null
POST /api/v1/shifts                           open (409 when the till already has one)
POST /api/v1/shifts/{id}/cash-movements       cash in / out with a reason
GET  /api/v1/shifts/{id}/summary              expected per method so far
POST /api/v1/shifts/{id}/close                counted per method -> expected / counted / over-short
GET  /api/v1/shifts/{id}/report               the Z report: HTML for an 80 mm printer, ?format=json
GET  /api/v1/shifts?branch_id=&before=         a branch's shifts, newest first (manager)
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.guards import current_user, requires_login, requires_roles
from app.lib.deps import provide
from app.shifts.report import TEMPLATE, report_context
from app.shifts.schemas import (
    CashMovementIn,
    MovementOut,
    ShiftCloseIn,
    ShiftOpenIn,
    ShiftOut,
    ShiftPage,
    ShiftReport,
    ShiftSummary,
)
from app.shifts.services import ShiftService
from app.shifts.start import TillStartOut, TillStartService

AnyRequest = Request[Any, Any, Any]
Service = NamedDependency[ShiftService]
Start = NamedDependency[TillStartService]
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=2**62)]
TILL = requires_roles("cashier", "manager")
MANAGERS = requires_roles("manager")
BranchQuery = Annotated[int, QueryParameter(ge=1, le=2**62)]
ProfileId = Annotated[int, PathParameter(ge=1, le=2**62)]


class ShiftController(Controller):
    path = "/api/v1"
    tags = ["shifts"]
    guards = [requires_login, TILL]
    dependencies = {"shift_service": provide(ShiftService), "till_start": provide(TillStartService)}

    @get("/pos/start")
    async def start(
        self,
        request: AnyRequest,
        till_start: Start,
        pos_profile_id: OptionalId = None,
        branch_id: OptionalId = None,
    ) -> TillStartOut:
        """Everything the till opens with: tills per branch, the chosen till's catalog, open shift, pauses."""
        return await till_start.start(
            user=current_user(request), pos_profile_id=pos_profile_id, branch_id=branch_id
        )

    @get("/pos/profiles/{pos_profile_id:int}/shift")
    async def current(
        self, request: AnyRequest, pos_profile_id: ProfileId, shift_service: Service
    ) -> ShiftOut | None:
        return await shift_service.current(pos_profile_id=pos_profile_id, actor=current_user(request))

    @get("/shifts", guards=[MANAGERS])
    async def shifts(
        self,
        request: AnyRequest,
        shift_service: Service,
        branch_id: BranchQuery,
        before: Annotated[dt.datetime | None, QueryParameter()] = None,
    ) -> ShiftPage:
        return await shift_service.shifts(branch_id=branch_id, before=before, actor=current_user(request))

    @post("/shifts")
    async def open_shift(
        self, request: AnyRequest, data: JSONBody[ShiftOpenIn], shift_service: Service
    ) -> Response[ShiftOut]:
        out, created = await shift_service.open(request=data, actor=current_user(request))
        return Response(out, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @post("/shifts/{shift_id:uuid}/cash-movements")
    async def cash_movement(
        self,
        request: AnyRequest,
        shift_id: FromPath[uuid.UUID],
        data: JSONBody[CashMovementIn],
        shift_service: Service,
    ) -> Response[MovementOut]:
        out, created = await shift_service.move_cash(
            shift_id=shift_id, request=data, actor=current_user(request)
        )
        return Response(out, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/shifts/{shift_id:uuid}/summary")
    async def summary(
        self, request: AnyRequest, shift_id: FromPath[uuid.UUID], shift_service: Service
    ) -> ShiftSummary:
        return await shift_service.summary(shift_id=shift_id, actor=current_user(request))

    @post("/shifts/{shift_id:uuid}/close", status_code=HTTP_200_OK)
    async def close(
        self,
        request: AnyRequest,
        shift_id: FromPath[uuid.UUID],
        data: JSONBody[ShiftCloseIn],
        shift_service: Service,
    ) -> ShiftSummary:
        return await shift_service.close(shift_id=shift_id, request=data, actor=current_user(request))

    @get("/shifts/{shift_id:uuid}/report")
    async def report(
        self,
        request: AnyRequest,
        shift_id: FromPath[uuid.UUID],
        shift_service: Service,
        report_format: Annotated[Literal["html", "json"], QueryParameter(name="format")] = "html",
    ) -> Template | Response[ShiftReport]:
        report = await shift_service.report(shift_id=shift_id, actor=current_user(request))
        if report_format == "json":
            return Response(report)
        return Template(template_name=TEMPLATE, context=report_context(report))

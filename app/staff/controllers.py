"""The time clock and pay rates over HTTP. Thin: ClockService and RateService answer.

GET  /api/v1/clock                 my clock: the open entry, and the branches I may clock in at
POST /api/v1/clock/in              {branch_id?, source?} clock in (409 when already in)
POST /api/v1/clock/out             clock out (409 when not in)
POST /api/v1/clock/pin             at a signed-in till: a colleague's name and PIN clock them in, or out
GET  /api/v1/clock/entries         managers: entries at their branches ?branch_id=&user_id=&from=&to=&open=
PUT  /api/v1/clock/entries/{id}    managers: correct an entry, or close a forgotten one, with a reason
GET  /api/v1/admin/users/{id}/rates  managers: a person's hourly rates
PUT  /api/v1/admin/users/{id}/rates  managers: set a rate from a day on
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_login, requires_roles
from app.auth.pin import PinLoginIn, check_pin
from app.auth.services import AuthService
from app.lib.deps import provide
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.lib.params import MAX_ID
from app.staff.clock import ClockService
from app.staff.labour_schemas import ClockIn, ClockStatus, EntryFix, EntryOut, PinClockIn, RateIn, RateOut
from app.staff.rates import RateService

AnyRequest = Request[Any, Any, Any]
Clock = NamedDependency[ClockService]
Rates = NamedDependency[RateService]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
Day = Annotated[str | None, QueryParameter(max_length=40)]


def _day(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise unprocessable(field, _("must be a date such as 2026-05-31")) from None


class ClockController(Controller):
    path = "/api/v1/clock"
    tags = ["clock"]
    guards = [requires_login]
    dependencies = {"clock": provide(ClockService)}

    @get("")
    async def my_clock(self, request: AnyRequest, clock: Clock) -> ClockStatus:
        return await clock.status(actor=current_user(request))

    @post("/in")
    async def clock_in(self, request: AnyRequest, clock: Clock, data: JSONBody[ClockIn]) -> EntryOut:
        return await clock.clock_in(actor=current_user(request), data=data)

    @post("/out", status_code=HTTP_200_OK)
    async def clock_out(self, request: AnyRequest, clock: Clock) -> EntryOut:
        return await clock.clock_out(actor=current_user(request))

    @post(
        "/pin",
        status_code=HTTP_200_OK,
        guards=[requires_roles("cashier", "manager", "kitchen")],
        dependencies={"auth_service": provide(AuthService)},
    )
    async def clock_by_pin(
        self,
        request: AnyRequest,
        clock: Clock,
        auth_service: NamedDependency[AuthService],
        data: JSONBody[PinClockIn],
    ) -> EntryOut:
        # The same PIN rules as switching user on the till (its branches, no admin, the lock after five).
        person, _roles = await check_pin(
            auth_service, request=request, data=PinLoginIn(who=data.who, pin=data.pin)
        )
        return await clock.toggle_at_till(
            till=current_user(request), user_id=person.id, branch_id=data.branch_id
        )

    @get("/entries", guards=[requires_roles("manager")])
    async def entries(
        self,
        request: AnyRequest,
        clock: Clock,
        branch_id: OptionalId = None,
        user_id: OptionalId = None,
        date_from: Annotated[str | None, QueryParameter(name="from", max_length=40)] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", max_length=40)] = None,
        open: FromQuery[bool] = False,
    ) -> list[EntryOut]:
        start, end = _day(date_from, "from"), _day(date_to, "to")
        if start and end and start > end:
            raise unprocessable("from", _("must not be after `to`"))
        return await clock.entries(
            actor=current_user(request),
            branch_id=branch_id,
            user_id=user_id,
            day_from=start,
            day_to=end,
            open_only=open,
        )

    @put("/entries/{entry_id:int}", guards=[requires_roles("manager")], status_code=HTTP_200_OK)
    async def fix_entry(
        self, request: AnyRequest, clock: Clock, entry_id: IdPath, data: JSONBody[EntryFix]
    ) -> EntryOut:
        return await clock.fix(actor=current_user(request), entry_id=entry_id, data=data)


class PayRateController(Controller):
    path = "/api/v1/admin/users/{user_id:int}/rates"
    tags = ["admin"]
    guards = [requires_roles("manager")]
    dependencies = {"rates": provide(RateService)}

    @get("")
    async def rates(self, request: AnyRequest, rates: Rates, user_id: IdPath) -> list[RateOut]:
        return await rates.rates(actor=current_user(request), user_id=user_id)

    @put("", status_code=HTTP_200_OK)
    async def set_rate(
        self, request: AnyRequest, rates: Rates, user_id: IdPath, data: JSONBody[RateIn]
    ) -> list[RateOut]:
        return await rates.set_rate(actor=current_user(request), user_id=user_id, data=data)

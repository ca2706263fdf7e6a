"""A branch's set-up from the back office: its settings (time zone, currency, cash rounding, fiscal year,
country, receipt header and footer), its dated seller tax registrations, its kitchen stations.

A manager sets up their own branches (another branch is a 404); only an admin opens a new branch. Each change
is audited with before and after. A change of the branch's money rules reaches its tills at once: the same
`catalog.changed` the menu uses (the till's catalog document carries the branch's rules).
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
import phonenumbers
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.auth.guards import ensure_branch_visible
from app.db.models import Branch, BranchTaxNumber, Station
from app.events.catalog import CATALOG_CHANGED, CatalogChanged
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import conflict, unprocessable
from app.lib.fields import Checked, EditedAmount
from app.lib.i18n import _
from app.lib.money import places

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

Code = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]{2,10}$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
Country = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")]
ReceiptText = Annotated[str, msgspec.Meta(max_length=1000)]
StationCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Seconds = Annotated[int, msgspec.Meta(ge=10, le=86_400)]
TaxNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]


class BranchSettingsIn(Checked, forbid_unknown_fields=True, kw_only=True):
    name: Name
    timezone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    currency: Currency
    cash_rounding: EditedAmount = Decimal(0)
    fiscal_year_start_month: Annotated[int, msgspec.Meta(ge=1, le=12)] = 1
    prices_include_tax: bool = False
    country: Country | None = None
    address: Annotated[str, msgspec.Meta(max_length=500)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=32)] = ""
    receipt_header: ReceiptText = ""
    receipt_footer: ReceiptText = ""
    # Overtime counts past this much work in the shifts that started on one local day (1 to 24 hours).
    overtime_after_minutes: int = 480
    active: bool = True


class BranchCreate(BranchSettingsIn, forbid_unknown_fields=True, kw_only=True):
    code: Code
    currency_exponent: Annotated[int, msgspec.Meta(ge=0, le=4)] = 2


class TaxNumberIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    tax_number: TaxNumber
    valid_from: dt.date
    valid_to: dt.date | None = None


class TaxNumberOut(msgspec.Struct, kw_only=True):
    id: int
    tax_number: str
    valid_from: dt.date
    valid_to: dt.date | None


class StationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: StationCode
    name: Name
    warn_after_seconds: Seconds = 300
    late_after_seconds: Seconds = 600
    sort_order: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 0


class StationOut(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    warn_after_seconds: int
    late_after_seconds: int
    sort_order: int


class BranchSetupOut(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    timezone: str
    currency: str
    currency_exponent: int
    cash_rounding: Decimal
    fiscal_year_start_month: int
    prices_include_tax: bool
    country: str | None
    address: str
    phone: str
    receipt_header: str
    receipt_footer: str
    overtime_after_minutes: int
    active: bool
    # The branch's default language and digits (set through PUT /api/v1/branches/{id}/locale).
    language: str
    digits: str
    tax_numbers: list[TaxNumberOut]
    stations: list[StationOut]
    state_limits: dict[str, Any]


class BranchSetup(ScopedService):
    async def branches(self, *, actor: SessionUser) -> list[BranchSetupOut]:
        stmt = select(Branch).order_by(Branch.code)
        if not actor.all_branches:
            stmt = stmt.where(Branch.id.in_(actor.branch_ids))
        return [await self._out(b) for b in await self.session.scalars(stmt)]

    async def branch(self, *, actor: SessionUser, branch_id: int) -> BranchSetupOut:
        return await self._out(await self._branch(actor, branch_id, lock=False))

    async def create(self, *, actor: SessionUser, data: BranchCreate) -> BranchSetupOut:
        if "admin" not in actor.roles:
            raise PermissionDeniedException(detail=_("Only an admin opens a branch"))
        if await self.session.scalar(select(Branch.id).where(Branch.code == data.code)) is not None:
            raise conflict(_("code: a branch %(code)s exists", code=data.code), field="code")
        branch = Branch(code=data.code, currency_exponent=data.currency_exponent)
        self._apply(branch, data)
        self.session.add(branch)
        await self.session.flush()
        self._audit("branch.create", branch.id, actor, before=None, after=_settings(branch))
        await self.session.commit()
        return await self._out(branch)

    async def update(self, *, actor: SessionUser, branch_id: int, data: BranchSettingsIn) -> BranchSetupOut:
        branch = await self._branch(actor, branch_id)
        before = _settings(branch)
        self._apply(branch, data)
        after = _settings(branch)
        self._audit("branch.update", branch.id, actor, before=before, after=after)
        self._announce(branch.id)
        await self.session.commit()
        return await self._out(branch)

    async def add_tax_number(
        self, *, actor: SessionUser, branch_id: int, data: TaxNumberIn
    ) -> BranchSetupOut:
        branch = await self._branch(actor, branch_id)
        if data.valid_to is not None and data.valid_to < data.valid_from:
            raise unprocessable("valid_to", _("must not be before valid_from"))
        overlap = await self.session.scalar(
            select(BranchTaxNumber).where(
                BranchTaxNumber.branch_id == branch.id,
                BranchTaxNumber.valid_from <= (data.valid_to or dt.date.max),
                or_(BranchTaxNumber.valid_to.is_(None), BranchTaxNumber.valid_to >= data.valid_from),
                # An open registration that started earlier gives way on the new one's first day (the latest
                # start wins): the usual change of number mid-year.
                or_(BranchTaxNumber.valid_from >= data.valid_from, BranchTaxNumber.valid_to.is_not(None)),
            )
        )
        if overlap is not None:
            raise conflict(
                _(
                    "%(number)s is valid from %(start)s to %(end)s; the dates may not overlap",
                    number=overlap.tax_number,
                    start=overlap.valid_from,
                    end=overlap.valid_to or "…",
                ),
                field="valid_from",
            )
        self.session.add(
            BranchTaxNumber(
                branch_id=branch.id,
                tax_number=data.tax_number.strip(),
                valid_from=data.valid_from,
                valid_to=data.valid_to,
            )
        )
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            raise conflict(
                _("valid_from: another registration starts that day"), field="valid_from"
            ) from None
        self._audit(
            "branch.tax_number_add",
            branch.id,
            actor,
            before=None,
            after={
                "tax_number": data.tax_number,
                "valid_from": str(data.valid_from),
                "valid_to": _day(data.valid_to),
            },
        )
        await self.session.commit()
        return await self._out(branch)

    async def save_station(
        self, *, actor: SessionUser, branch_id: int, station_id: int | None, data: StationIn
    ) -> BranchSetupOut:
        branch = await self._branch(actor, branch_id)
        if data.late_after_seconds < data.warn_after_seconds:
            raise unprocessable("late_after_seconds", _("must not be before warn_after_seconds"))
        taken = await self.session.scalar(
            select(Station.id).where(
                Station.branch_id == branch.id, Station.code == data.code, Station.id != (station_id or 0)
            )
        )
        if taken is not None:
            raise conflict(_("code: the branch has a station %(code)s", code=data.code), field="code")
        station = (
            Station(branch_id=branch.id)
            if station_id is None
            else await self.session.get(Station, station_id)
        )
        if station is None or station.branch_id != branch.id:
            raise NotFoundException(detail=_("Station not found"))
        before = None if station_id is None else _station(station)
        station.code = data.code
        station.name = data.name.strip()
        station.warn_after_seconds = data.warn_after_seconds
        station.late_after_seconds = data.late_after_seconds
        station.sort_order = data.sort_order
        self.session.add(station)
        await self.session.flush()
        self._audit("branch.station_save", branch.id, actor, before=before, after=_station(station))
        await self.session.commit()
        return await self._out(branch)

    # ------------------------------------------------------------------ helpers

    def _apply(self, branch: Branch, data: BranchSettingsIn) -> None:
        try:
            zoneinfo.ZoneInfo(data.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise unprocessable(
                "timezone",
                _("%(timezone)s is not a time zone (like Africa/Cairo)", timezone=repr(data.timezone)),
            ) from None
        exponent = branch.currency_exponent if branch.currency_exponent is not None else 2
        rounding = data.cash_rounding
        if not rounding.is_finite() or rounding < 0 or rounding >= 100 or places(rounding) > exponent:
            raise unprocessable(
                "cash_rounding",
                _("must be 0 or a step like 0.50 with at most %(exponent)s decimals", exponent=exponent),
            )
        if not 60 <= data.overtime_after_minutes <= 1440:
            raise unprocessable(
                "overtime_after_minutes", _("must be between 60 and 1440 minutes (1 to 24 hours of work)")
            )
        if data.country is not None and data.country not in phonenumbers.SUPPORTED_REGIONS:
            raise unprocessable(
                "country", _("%(country)s is not a country code (like EG or GB)", country=data.country)
            )
        branch.name = data.name.strip()
        branch.timezone = data.timezone
        branch.currency = data.currency
        branch.cash_rounding = rounding
        branch.fiscal_year_start_month = data.fiscal_year_start_month
        branch.prices_include_tax = data.prices_include_tax
        branch.country = data.country
        branch.address = data.address.strip()
        branch.phone = data.phone.strip()
        branch.receipt_header = data.receipt_header.strip()
        branch.receipt_footer = data.receipt_footer.strip()
        branch.overtime_after_minutes = data.overtime_after_minutes
        branch.active = data.active

    async def _branch(self, actor: SessionUser, branch_id: int, *, lock: bool = True) -> Branch:
        ensure_branch_visible(actor, branch_id, what="Branch")
        branch = await self.session.get(Branch, branch_id, with_for_update=lock)
        if branch is None:
            raise NotFoundException(detail=_("Branch not found"))
        return branch

    def _announce(self, branch_id: int) -> None:
        async def bump() -> None:
            # What app.catalog.cache.bump_catalog_epoch does; this lower domain cannot import it. The
            # pricing copy of each web process holds the branch's money rules too.
            await self.redis.set(self.keys.catalog_epoch(), secrets.token_hex(8))

        self.session.on_commit(bump)
        self.bus.on_commit(self.session, branch_id, CATALOG_CHANGED, CatalogChanged(kind="branch"))

    async def _out(self, branch: Branch) -> BranchSetupOut:
        numbers = await self.session.scalars(
            select(BranchTaxNumber)
            .where(BranchTaxNumber.branch_id == branch.id)
            .order_by(BranchTaxNumber.valid_from)
        )
        stations = await self.session.scalars(
            select(Station).where(Station.branch_id == branch.id).order_by(Station.sort_order, Station.code)
        )
        return BranchSetupOut(
            id=branch.id,
            code=branch.code,
            name=branch.name,
            timezone=branch.timezone,
            currency=branch.currency,
            currency_exponent=branch.currency_exponent,
            cash_rounding=branch.cash_rounding.quantize(Decimal(1).scaleb(-branch.currency_exponent)),
            fiscal_year_start_month=branch.fiscal_year_start_month,
            prices_include_tax=branch.prices_include_tax,
            country=branch.country,
            address=branch.address,
            phone=branch.phone,
            receipt_header=branch.receipt_header,
            receipt_footer=branch.receipt_footer,
            overtime_after_minutes=branch.overtime_after_minutes,
            active=branch.active,
            language=branch.language,
            digits=branch.digits,
            tax_numbers=[
                TaxNumberOut(id=t.id, tax_number=t.tax_number, valid_from=t.valid_from, valid_to=t.valid_to)
                for t in numbers
            ],
            stations=[
                StationOut(
                    id=s.id,
                    code=s.code,
                    name=s.name,
                    warn_after_seconds=s.warn_after_seconds,
                    late_after_seconds=s.late_after_seconds,
                    sort_order=s.sort_order,
                )
                for s in stations
            ],
            state_limits=dict(branch.state_limits),
        )

    def _audit(self, action: str, branch_id: int, actor: SessionUser, *, before: Any, after: Any) -> None:
        audit.change(
            self.session,
            action=action,
            entity_type="branch",
            entity_id=branch_id,
            actor_user_id=actor.user_id,
            branch_id=branch_id,
            before=before,
            after=after,
        )


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _settings(branch: Branch) -> dict[str, Any]:
    return {
        "name": branch.name,
        "timezone": branch.timezone,
        "currency": branch.currency,
        "cash_rounding": str(branch.cash_rounding),
        "fiscal_year_start_month": branch.fiscal_year_start_month,
        "prices_include_tax": branch.prices_include_tax,
        "country": branch.country,
        "address": branch.address,
        "phone": branch.phone,
        "receipt_header": branch.receipt_header,
        "receipt_footer": branch.receipt_footer,
        "overtime_after_minutes": branch.overtime_after_minutes,
        "active": branch.active,
    }


def _station(station: Station) -> dict[str, Any]:
    return {
        "code": station.code,
        "name": station.name,
        "warn_after_seconds": station.warn_after_seconds,
        "late_after_seconds": station.late_after_seconds,
        "sort_order": station.sort_order,
    }

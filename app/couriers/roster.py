"""Delivery territories (what the customer pays, what the courier earns) and a branch's couriers, from the back
office. A courier may be linked to a login with the courier role in the same branch (their /courier page);
a territory or courier that has history is deactivated, never deleted. Every change is audited."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from app.auth.guards import ensure_branch_visible
from app.db.models import BranchMembership, Courier, Territory, UserRole
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
MAX_FEE = Decimal(100_000)
MONEY_PLACES = 2


class TerritoryIn(Checked, forbid_unknown_fields=True, kw_only=True):
    code: Code
    name: Name
    delivery_charge: EditedAmount
    courier_fee: EditedAmount
    active: bool = True


class TerritoryRow(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    delivery_charge: Decimal
    courier_fee: Decimal
    active: bool


class CourierIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    phone: Annotated[str, msgspec.Meta(max_length=32)] = ""
    vehicle: Annotated[str, msgspec.Meta(max_length=50)] = ""
    active: bool = True
    # The login they use on /courier: a user with the courier role in this branch.
    user_id: Annotated[int, msgspec.Meta(ge=1)] | None = None


class CourierRow(msgspec.Struct, kw_only=True):
    id: int
    branch_id: int
    name: str
    phone: str
    vehicle: str
    active: bool
    user_id: int | None


class Roster(ScopedService):
    # ------------------------------------------------------------------ territories

    async def territories(self) -> list[TerritoryRow]:
        rows = await self.session.scalars(select(Territory).order_by(Territory.name, Territory.id))
        return [_territory(t) for t in rows]

    async def save_territory(
        self, *, actor: SessionUser, territory_id: int | None, data: TerritoryIn
    ) -> TerritoryRow:
        for field, value in (("delivery_charge", data.delivery_charge), ("courier_fee", data.courier_fee)):
            if not value.is_finite() or value < 0 or value >= MAX_FEE or places(value) > MONEY_PLACES:
                raise unprocessable(field, _("must be zero or more with at most 2 decimals"))
        taken = await self.session.scalar(
            select(Territory.id).where(Territory.code == data.code, Territory.id != (territory_id or 0))
        )
        if taken is not None:
            raise conflict(_("code: a territory %(code)s exists", code=data.code), field="code")
        row = Territory() if territory_id is None else await self.session.get(Territory, territory_id)
        if row is None:
            raise NotFoundException(detail=_("Territory not found"))
        before = None if territory_id is None else _territory_data(row)
        row.code = data.code
        row.name = data.name.strip()
        row.delivery_charge = data.delivery_charge
        row.courier_fee = data.courier_fee
        row.active = data.active
        self.session.add(row)
        await self.session.flush()
        self._audit(
            "territory.save",
            "territory",
            row.id,
            actor,
            branch_id=None,
            before=before,
            after=_territory_data(row),
        )
        await self.session.commit()
        return _territory(row)

    # ------------------------------------------------------------------ couriers

    async def couriers(self, *, actor: SessionUser, branch_id: int) -> list[CourierRow]:
        ensure_branch_visible(actor, branch_id, what="Branch")
        rows = await self.session.scalars(
            select(Courier).where(Courier.branch_id == branch_id).order_by(Courier.name, Courier.id)
        )
        return [_courier(c) for c in rows]

    async def save_courier(
        self, *, actor: SessionUser, branch_id: int, courier_id: int | None, data: CourierIn
    ) -> CourierRow:
        ensure_branch_visible(actor, branch_id, what="Branch")
        row = (
            Courier(branch_id=branch_id)
            if courier_id is None
            else await self.session.get(Courier, courier_id)
        )
        if row is None or row.branch_id != branch_id:
            raise NotFoundException(detail=_("Courier not found"))
        if data.user_id is not None:
            await self._check_login(branch_id, data.user_id, courier_id)
        before = None if courier_id is None else _courier_data(row)
        row.name = data.name.strip()
        row.phone = data.phone.strip()
        row.vehicle = data.vehicle.strip()
        row.active = data.active
        row.user_id = data.user_id
        self.session.add(row)
        await self.session.flush()
        self._audit(
            "courier.save",
            "courier",
            row.id,
            actor,
            branch_id=branch_id,
            before=before,
            after=_courier_data(row),
        )
        await self.session.commit()
        return _courier(row)

    async def _check_login(self, branch_id: int, user_id: int, courier_id: int | None) -> None:
        is_courier = await self.session.scalar(
            select(UserRole.user_id).where(UserRole.user_id == user_id, UserRole.role == "courier")
        )
        in_branch = await self.session.scalar(
            select(BranchMembership.user_id).where(
                BranchMembership.user_id == user_id, BranchMembership.branch_id == branch_id
            )
        )
        if is_courier is None or in_branch is None:
            raise unprocessable("user_id", _("link a login with the courier role in this branch"))
        other = await self.session.scalar(
            select(Courier.name).where(Courier.user_id == user_id, Courier.id != (courier_id or 0))
        )
        if other is not None:
            raise conflict(_("user_id: that login is already %(other)s's", other=other), field="user_id")

    def _audit(
        self,
        action: str,
        kind: str,
        entity_id: int,
        actor: SessionUser,
        *,
        branch_id: int | None,
        before: Any,
        after: Any,
    ) -> None:
        audit.change(
            self.session,
            action=action,
            entity_type=kind,
            entity_id=entity_id,
            actor_user_id=actor.user_id,
            branch_id=branch_id,
            before=before,
            after=after,
        )


def _two(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _territory(row: Territory) -> TerritoryRow:
    return TerritoryRow(
        id=row.id,
        code=row.code,
        name=row.name,
        delivery_charge=_two(row.delivery_charge),
        courier_fee=_two(row.courier_fee),
        active=row.active,
    )


def _territory_data(row: Territory) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "delivery_charge": str(_two(row.delivery_charge)),
        "courier_fee": str(_two(row.courier_fee)),
        "active": row.active,
    }


def _courier(row: Courier) -> CourierRow:
    return CourierRow(
        id=row.id,
        branch_id=row.branch_id,
        name=row.name,
        phone=row.phone,
        vehicle=row.vehicle,
        active=row.active,
        user_id=row.user_id,
    )


def _courier_data(row: Courier) -> dict[str, Any]:
    return {
        "name": row.name,
        "phone": row.phone,
        "vehicle": row.vehicle,
        "active": row.active,
        "user_id": row.user_id,
    }

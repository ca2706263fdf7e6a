"""Tills of a branch: listed for its cashiers, set up by its managers (audited; the POS catalog document
carries the profile, so a change bumps the catalog epoch and the tills refresh)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.guards import ensure_branch_visible, found_in_branch
from app.catalog.cache import bump_catalog_epoch
from app.db.models import Branch, PosProfile, Shift, User
from app.lib import audit
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _
from app.lib.money import places as decimal_places
from app.pos.profiles_schemas import ProfileCreate, ProfileOut, ProfileUpdate

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.redis import Keys


def profile_out(profile: PosProfile) -> ProfileOut:
    return ProfileOut(
        id=profile.id,
        branch_id=profile.branch_id,
        code=profile.code,
        name=profile.name,
        require_shift=profile.require_shift,
        payment_methods=list(profile.payment_methods),
        default_price_list=profile.default_price_list,
        active=profile.active,
        confirm_line_qty=_plain(profile.confirm_line_qty),
        confirm_order_total=_plain(profile.confirm_order_total),
    )


# NUMERIC(12, 3) and NUMERIC(14, 4): nine and ten integer digits.
_LARGEST = {"confirm_line_qty": Decimal("999999999"), "confirm_order_total": Decimal("9999999999")}


def threshold(value: str | None, *, field: str, places: int) -> Decimal | None:
    """A till's sanity limit from a request: a number above zero with at most `places` decimals, or None
    (the till never asks); else a 422 naming the field."""
    if value is None:
        return None
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise unprocessable(field, _('must be a number such as "20"')) from None
    if not amount.is_finite() or amount <= 0:
        raise unprocessable(field, _("must be above zero (or null: never ask)"))
    if amount > _LARGEST[field]:
        raise unprocessable(field, _("is too large"))
    if decimal_places(amount) > places:
        raise unprocessable(field, _("has more than %(places)s decimals", places=places))
    return amount


def _plain(value: Decimal | None) -> str | None:
    # "20", "150.5": PostgreSQL pads to the column's scale (20.000).
    return None if value is None else f"{value.normalize():f}"


class ProfileService:
    def __init__(self, session: AsyncSession, redis: Redis, keys: Keys) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys

    async def list(self, *, user: SessionUser, branch_id: int) -> list[ProfileOut]:
        await self._branch(user, branch_id)
        rows = await self.session.scalars(
            select(PosProfile).where(PosProfile.branch_id == branch_id).order_by(PosProfile.code)
        )
        return [profile_out(p) for p in rows]

    async def get(self, *, user: SessionUser, profile_id: int) -> PosProfile:
        return found_in_branch(
            await self.session.get(PosProfile, profile_id), lambda p: p.branch_id, user, what="POS profile"
        )

    async def create(self, *, data: ProfileCreate, actor: SessionUser) -> ProfileOut:
        branch = await self._branch(actor, data.branch_id)
        confirm_line_qty = threshold(data.confirm_line_qty, field="confirm_line_qty", places=3)
        confirm_order_total = threshold(
            data.confirm_order_total, field="confirm_order_total", places=branch.currency_exponent
        )
        profile = PosProfile(
            branch_id=data.branch_id,
            code=data.code,
            name=data.name,
            require_shift=data.require_shift,
            payment_methods=sorted(set(data.payment_methods), key=data.payment_methods.index),
            default_price_list=data.default_price_list,
            active=data.active,
            confirm_line_qty=confirm_line_qty,
            confirm_order_total=confirm_order_total,
        )
        self.session.add(profile)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            await self.session.rollback()
            raise conflict(
                _("code: the branch already has a till with the code %(code)s", code=data.code), field="code"
            ) from exc
        audit.record(
            self.session,
            action="pos_profile.create",
            entity_type="pos_profile",
            entity_id=profile.id,
            actor_user_id=actor.user_id,
            branch_id=profile.branch_id,
            data=msgspec.to_builtins(data),
        )
        out = profile_out(profile)
        await self.session.commit()
        await bump_catalog_epoch(self.redis, self.keys)
        return out

    async def update(self, *, profile_id: int, data: ProfileUpdate, actor: SessionUser) -> ProfileOut:
        profile = await self.get(user=actor, profile_id=profile_id)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "payment_methods" in changes:
            methods = changes["payment_methods"]
            changes["payment_methods"] = sorted(set(methods), key=methods.index)
        if "confirm_line_qty" in changes:
            changes["confirm_line_qty"] = threshold(
                changes["confirm_line_qty"], field="confirm_line_qty", places=3
            )
        if "confirm_order_total" in changes:
            branch = await self.session.get(Branch, profile.branch_id)
            changes["confirm_order_total"] = threshold(
                changes["confirm_order_total"],
                field="confirm_order_total",
                places=branch.currency_exponent if branch is not None else 2,
            )
        if changes.get("active") is False and profile.active:
            await self._no_open_shift(profile)
        before = {key: msgspec.to_builtins(getattr(profile, key)) for key in changes}
        for key, value in changes.items():
            setattr(profile, key, value)
        audit.change(
            self.session,
            action="pos_profile.update",
            entity_type="pos_profile",
            entity_id=profile.id,
            actor_user_id=actor.user_id,
            branch_id=profile.branch_id,
            before=before,
            after=changes,
        )
        await self.session.flush()
        out = profile_out(profile)
        await self.session.commit()
        await bump_catalog_epoch(self.redis, self.keys)
        return out

    async def _no_open_shift(self, profile: PosProfile) -> None:
        """A till with a drawer open stays on until its shift is closed (its count would be lost)."""
        shift = await self.session.scalar(
            select(Shift).where(Shift.pos_profile_id == profile.id, Shift.status == "open")
        )
        if shift is not None:
            who = await self.session.scalar(
                select(func.coalesce(func.nullif(User.full_name, ""), User.username)).where(
                    User.id == shift.opened_by
                )
            )
            branch = await self.session.get(Branch, profile.branch_id)
            zone = ZoneInfo(branch.timezone if branch is not None else "UTC")
            raise conflict(
                _(
                    "active: %(till)s has a shift open since %(since)s (%(who)s); close the shift first",
                    till=profile.name,
                    since=shift.opened_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    who=who or "?",
                ),
                field="active",
                reason="shift_open",
            )

    async def _branch(self, user: SessionUser, branch_id: int) -> Branch:
        ensure_branch_visible(user, branch_id, what="Branch")
        return found_in_branch(await self.session.get(Branch, branch_id), lambda b: b.id, user, what="Branch")

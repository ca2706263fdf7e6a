"""Hourly pay rates, set from the People screen.

An admin sets anyone's rate; a manager sets the rates of the people of their branches, admins excepted (an
admin's pay is none of a manager's business: a 404, as for their account). A branch rate must name one of
the person's branches the caller manages; a general rate (no branch) is for a caller who manages every
branch the person works at, so a manager of one shop never prices hours worked in another. Rates are never
edited in place: a new rate starts on a day, and setting one again on the same day replaces it (audited
with the rate it replaced).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import selectinload

from app.db.models import Branch, PayRate, User
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.staff.labour_schemas import RateIn, RateOut

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

ADMIN = "admin"


class RateService(ScopedService):
    async def rates(self, *, actor: SessionUser, user_id: int) -> list[RateOut]:
        user = await self._target(actor, user_id)
        return await self._list(user.id)

    async def set_rate(self, *, actor: SessionUser, user_id: int, data: RateIn) -> list[RateOut]:
        user = await self._target(actor, user_id)
        member_of = {m.branch_id for m in user.memberships}
        if data.branch_id is not None:
            if not actor.can_see_branch(data.branch_id):
                raise NotFoundException(detail=_("Branch not found"))
            if data.branch_id not in member_of:
                raise unprocessable("branch_id", _("the person does not work at this branch"))
            branch = await self.session.get(Branch, data.branch_id)
            if branch is None:
                raise NotFoundException(detail=_("Branch not found"))
            _check_places(data, branch.currency_exponent)
            today = dt.datetime.now(ZoneInfo(branch.timezone)).date()
        else:
            if ADMIN not in actor.roles and not member_of <= set(actor.branch_ids):
                raise unprocessable(
                    "branch_id", _("the person also works at branches you do not manage: name the branch")
                )
            today = dt.datetime.now(dt.UTC).date()
        effective = data.effective_from or today
        previous = await self.session.scalar(
            select(PayRate.hourly_rate).where(
                PayRate.user_id == user.id,
                PayRate.branch_id.is_(None)
                if data.branch_id is None
                else PayRate.branch_id == data.branch_id,
                PayRate.effective_from == effective,
            )
        )
        stmt = pg_insert(PayRate).values(
            user_id=user.id,
            branch_id=data.branch_id,
            hourly_rate=data.hourly_rate,
            effective_from=effective,
            created_by=actor.user_id,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["user_id", "branch_id", "effective_from"],
                set_={"hourly_rate": stmt.excluded.hourly_rate, "created_by": stmt.excluded.created_by},
            )
        )
        audit.change(
            self.session,
            action="pay_rate.set",
            entity_type="user",
            entity_id=user.id,
            actor_user_id=actor.user_id,
            branch_id=data.branch_id,
            before=None if previous is None else str(previous),
            after=str(data.hourly_rate),
            effective_from=effective.isoformat(),
        )
        await self.session.commit()
        return await self._list(user.id)

    async def _target(self, actor: SessionUser, user_id: int) -> User:
        user = await self.session.scalar(
            select(User)
            .where(User.id == user_id)
            .options(selectinload(User.roles), selectinload(User.memberships))
        )
        if user is None:
            raise NotFoundException(detail=_("User not found"))
        if ADMIN in actor.roles:
            return user
        if ADMIN in {r.role for r in user.roles} or not (
            {m.branch_id for m in user.memberships} & set(actor.branch_ids)
        ):
            raise NotFoundException(detail=_("User not found"))
        return user

    async def _list(self, user_id: int) -> list[RateOut]:
        rows = await self.session.execute(
            select(PayRate, Branch.name)
            .outerjoin(Branch, Branch.id == PayRate.branch_id)
            .where(PayRate.user_id == user_id)
            .order_by(PayRate.branch_id.nulls_first(), PayRate.effective_from.desc())
        )
        return [
            RateOut(
                id=r.id,
                user_id=r.user_id,
                branch_id=r.branch_id,
                branch_name=name,
                hourly_rate=r.hourly_rate,
                effective_from=r.effective_from,
                created_at=r.created_at,
            )
            for r, name in rows
        ]


def _check_places(data: RateIn, exponent: int) -> None:
    value = data.hourly_rate.normalize()
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and -exp > exponent:
        raise unprocessable(
            "hourly_rate", _("may have at most %(places)s decimal places in this currency", places=exponent)
        )

"""Cashier shifts on a till (DESIGN §7): open with a cash count, cash in and out with reasons, close with
counted amounts per method against what the system expected, and the Z report.

A shift row is locked (`FOR UPDATE`) by every change to it, so a movement cannot slip in while the shift
is being closed. Payments name their shift (app/payments) and are not blocked by a close: a sale made
offline and replayed afterwards is still that shift's money, and shows on the report as such.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Self

from litestar.exceptions import NotFoundException
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.guards import ensure_branch_visible
from app.db.models import Branch, Order, PosProfile, Shift, ShiftCashMovement, ShiftCount, User
from app.db.models.payments import METHODS
from app.lib import audit
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _
from app.lib.money import money
from app.payments.money import parse_amount
from app.shifts.sales import sales
from app.shifts.schemas import (
    CashDrawer,
    CashMovementIn,
    CountOut,
    MethodTotal,
    MovementOut,
    ShiftCloseIn,
    ShiftListItem,
    ShiftOpenIn,
    ShiftOut,
    ShiftPage,
    ShiftReport,
    ShiftSummary,
)
from app.shifts.tally import Tally, tally

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.deps import Scope


PAGE = 50


class ShiftService:
    def __init__(self, *, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(session=scope.session)

    # ------------------------------------------------------------------ open

    async def current(self, *, pos_profile_id: int, actor: SessionUser) -> ShiftOut | None:
        """The till's open shift; None when there is none (a till with no shift is no error: the page asks
        at every start). A till that is not the caller's to see is a 404."""
        profile = await self._profile(pos_profile_id, actor, field=None)
        shift = await self.session.scalar(
            select(Shift).where(Shift.pos_profile_id == profile.id, Shift.status == "open")
        )
        if shift is None:
            return None
        return await self._shift_out(shift)

    async def open(self, *, request: ShiftOpenIn, actor: SessionUser) -> tuple[ShiftOut, bool]:
        existing = await self.session.get(Shift, request.id)
        if existing is not None:
            return await self._replayed_open(existing, request, actor), False
        profile = await self._profile(request.pos_profile_id, actor, field="pos_profile_id")
        exponent = await self._exponent(profile.branch_id)
        opening = parse_amount(request.opening_cash, field="opening_cash", exponent=exponent, allow_zero=True)
        await self._refuse_second_open(profile.id)
        shift = Shift(
            id=request.id,
            branch_id=profile.branch_id,
            pos_profile_id=profile.id,
            status="open",
            opening_cash=opening,
            opened_by=actor.user_id,
            closing_note="",
        )
        self.session.add(shift)
        audit.record(
            self.session,
            action="shift.open",
            entity_type="shift",
            entity_id=shift.id,
            actor_user_id=actor.user_id,
            branch_id=profile.branch_id,
            data={"pos_profile_id": profile.id, "opening_cash": str(opening)},
        )
        try:
            await self.session.flush()
        except IntegrityError:
            # The one-open-shift-per-till index, or the same id, won by a concurrent request.
            await self.session.rollback()
            again = await self.session.get(Shift, request.id)
            if again is not None:
                return await self._replayed_open(again, request, actor), False
            await self._refuse_second_open(request.pos_profile_id)
            raise
        await self.session.refresh(shift)
        out = await self._shift_out(shift)
        await self.session.commit()
        return out, True

    async def _refuse_second_open(self, pos_profile_id: int) -> None:
        open_id = await self.session.scalar(
            select(Shift.id).where(Shift.pos_profile_id == pos_profile_id, Shift.status == "open")
        )
        if open_id is not None:
            raise conflict(
                _("This till already has an open shift"), reason="shift_open", shift_id=str(open_id)
            )

    async def _replayed_open(self, shift: Shift, request: ShiftOpenIn, actor: SessionUser) -> ShiftOut:
        if not actor.can_see_branch(shift.branch_id):
            raise NotFoundException(detail=_("Shift not found"))
        exponent = await self._exponent(shift.branch_id)
        same = shift.pos_profile_id == request.pos_profile_id and _equal(
            request.opening_cash, shift.opening_cash, exponent
        )
        if not same:
            raise conflict(
                _("Shift %(shift_id)s was already opened with a different body", shift_id=shift.id),
                reason="id_reused",
            )
        return await self._shift_out(shift)

    # ------------------------------------------------------------------ cash in / out

    async def move_cash(
        self, *, shift_id: uuid.UUID, request: CashMovementIn, actor: SessionUser
    ) -> tuple[MovementOut, bool]:
        reason = request.reason.strip()
        existing = await self.session.get(ShiftCashMovement, request.id)
        if existing is not None:
            return await self._replayed_movement(existing, shift_id, request, actor), False
        if not reason:
            raise unprocessable("reason", _("say why cash goes in or out"))
        shift = await self._lock(shift_id, actor)
        if shift.status != "open":
            raise conflict(_("The shift is closed"), reason="closed")
        exponent = await self._exponent(shift.branch_id)
        amount = parse_amount(request.amount, field="amount", exponent=exponent)
        if request.kind == "out":
            drawer = (await tally(self.session, shift.id, opening=shift.opening_cash)).expected_cash
            if amount > drawer:
                raise unprocessable(
                    "amount", _("the drawer should hold only %(drawer)s", drawer=money(drawer, exponent))
                )
        movement = ShiftCashMovement(
            id=request.id,
            shift_id=shift.id,
            kind=request.kind,
            amount=amount,
            reason=reason,
            created_by=actor.user_id,
        )
        self.session.add(movement)
        audit.record(
            self.session,
            action=f"shift.cash_{request.kind}",
            entity_type="shift_cash_movement",
            entity_id=movement.id,
            actor_user_id=actor.user_id,
            branch_id=shift.branch_id,
            data={"shift_id": str(shift.id), "amount": str(amount), "reason": reason},
        )
        await self.session.flush()
        await self.session.refresh(movement)
        out = _movement_out(movement, exponent)
        await self.session.commit()
        return out, True

    async def _replayed_movement(
        self, movement: ShiftCashMovement, shift_id: uuid.UUID, request: CashMovementIn, actor: SessionUser
    ) -> MovementOut:
        shift = await self.session.get(Shift, movement.shift_id)
        if shift is None or not actor.can_see_branch(shift.branch_id):
            raise NotFoundException(detail=_("Shift not found"))
        exponent = await self._exponent(shift.branch_id)
        same = (
            movement.shift_id == shift_id
            and movement.kind == request.kind
            and movement.reason == request.reason.strip()
            and _equal(request.amount, movement.amount, exponent)
        )
        if not same:
            raise conflict(
                _(
                    "Cash movement %(movement_id)s was already made with a different body",
                    movement_id=movement.id,
                ),
                reason="id_reused",
            )
        return _movement_out(movement, exponent)

    # ------------------------------------------------------------------ summary, close, report

    async def summary(self, *, shift_id: uuid.UUID, actor: SessionUser) -> ShiftSummary:
        shift = await self._visible(shift_id, actor)
        return await self._summary(shift)

    async def close(self, *, shift_id: uuid.UUID, request: ShiftCloseIn, actor: SessionUser) -> ShiftSummary:
        """Close with what was counted per method; methods with money expected but not named count as
        expected (cash must always be counted). A repeated close with the same counts answers the same."""
        shift = await self._lock(shift_id, actor)
        exponent = await self._exponent(shift.branch_id)
        counted: dict[str, Decimal] = {}
        for method, value in request.counted.items():
            if method not in METHODS:
                raise unprocessable(
                    f"counted.{method}",
                    _("unknown payment method; one of %(choices)s", choices=", ".join(METHODS)),
                )
            counted[method] = parse_amount(
                value, field=f"counted.{method}", exponent=exponent, allow_zero=True
            )
        if "cash" not in counted:
            raise unprocessable("counted.cash", _("count the cash in the drawer"))
        if shift.status != "open":
            return await self._replayed_close(shift, counted)

        figures = await tally(self.session, shift.id, opening=shift.opening_cash)
        methods = sorted(
            {m for m, line in figures.methods.items() if line.net != 0 or line.payments}
            | set(counted)
            | {"cash"},
            key=METHODS.index,
        )
        for method in methods:
            expected = money(figures.expected(method), exponent)
            got = counted.get(method, expected)
            self.session.add(
                ShiftCount(
                    shift_id=shift.id,
                    method=method,
                    expected=expected,
                    counted=got,
                    difference=got - expected,
                )
            )
        shift.status = "closed"
        shift.closed_by = actor.user_id
        shift.closed_at = dt.datetime.now(dt.UTC)
        shift.closing_note = request.note.strip()
        audit.record(
            self.session,
            action="shift.close",
            entity_type="shift",
            entity_id=shift.id,
            actor_user_id=actor.user_id,
            branch_id=shift.branch_id,
            data={
                "counted": {m: str(v) for m, v in counted.items()},
                "expected": {m: str(money(figures.expected(m), exponent)) for m in methods},
                "note": shift.closing_note,
            },
        )
        await self.session.flush()
        out = await self._summary(shift)
        await self.session.commit()
        return out

    async def _replayed_close(self, shift: Shift, counted: dict[str, Decimal]) -> ShiftSummary:
        stored = {
            c.method: c.counted
            for c in (
                await self.session.scalars(select(ShiftCount).where(ShiftCount.shift_id == shift.id))
            ).all()
        }
        if any(stored.get(method) != value for method, value in counted.items()):
            raise conflict(_("The shift is already closed"), reason="closed")
        return await self._summary(shift)

    async def report(self, *, shift_id: uuid.UUID, actor: SessionUser) -> ShiftReport:
        shift = await self._visible(shift_id, actor)
        summary = await self._summary(shift)
        branch = await self.session.get(Branch, shift.branch_id)
        profile = await self.session.get(PosProfile, shift.pos_profile_id)
        # RESTRICT foreign keys: both exist.
        assert branch is not None
        assert profile is not None
        return ShiftReport(
            summary=summary,
            sales=await sales(
                self.session,
                shift.id,
                exponent=branch.currency_exponent,
                prices_include_tax=branch.prices_include_tax,
            ),
            branch_name=branch.name,
            till_name=profile.name,
            opened_by_name=await self._user_name(shift.opened_by) or "",
            closed_by_name=await self._user_name(shift.closed_by),
            timezone=branch.timezone,
            printed_at=dt.datetime.now(dt.UTC),
        )

    async def shifts(
        self, *, branch_id: int, before: dt.datetime | None, actor: SessionUser, limit: int = PAGE
    ) -> ShiftPage:
        """A branch's shifts, newest first, with what each sold and its over/short (the managers' list)."""
        ensure_branch_visible(actor, branch_id, what="Branch")
        branch = await self.session.get(Branch, branch_id)
        if branch is None:
            raise NotFoundException(detail=_("Branch not found"))
        exponent = branch.currency_exponent
        stmt = (
            select(Shift, PosProfile.name)
            .join(PosProfile, PosProfile.id == Shift.pos_profile_id)
            .where(Shift.branch_id == branch_id)
            .order_by(Shift.opened_at.desc(), Shift.id)
            .limit(limit)
        )
        if before is not None:
            stmt = stmt.where(Shift.opened_at < before)
        rows = (await self.session.execute(stmt)).all()
        ids = [shift.id for shift, _unused in rows]
        sold = dict.fromkeys(ids, (0, Decimal(0)))
        differences: dict[uuid.UUID, Decimal] = {}
        names: dict[int, str] = {}
        if ids:
            for shift_id, count, total in await self.session.execute(
                select(Order.shift_id, func.count(), func.coalesce(func.sum(Order.total), 0))
                .where(Order.shift_id.in_(ids), Order.state != "cancelled")
                .group_by(Order.shift_id)
            ):
                if shift_id is not None:  # the WHERE names shifts; the column is nullable
                    sold[shift_id] = (int(count), Decimal(total))
            for shift_id, difference in await self.session.execute(
                select(ShiftCount.shift_id, func.sum(ShiftCount.difference))
                .where(ShiftCount.shift_id.in_(ids))
                .group_by(ShiftCount.shift_id)
            ):
                differences[shift_id] = Decimal(difference)
            people = {shift.opened_by for shift, _unused in rows} | {
                shift.closed_by for shift, _unused in rows if shift.closed_by is not None
            }
            for user_id, full_name, username in await self.session.execute(
                select(User.id, User.full_name, User.username).where(User.id.in_(people))
            ):
                names[user_id] = full_name or username
        items = [
            ShiftListItem(
                id=shift.id,
                branch_id=shift.branch_id,
                pos_profile_id=shift.pos_profile_id,
                till_name=till_name,
                status=shift.status,
                opened_by_name=names.get(shift.opened_by, ""),
                opened_at=shift.opened_at,
                closed_by_name=None if shift.closed_by is None else names.get(shift.closed_by),
                closed_at=shift.closed_at,
                orders=sold[shift.id][0],
                sales_total=money(sold[shift.id][1], exponent),
                difference=None if shift.id not in differences else money(differences[shift.id], exponent),
            )
            for shift, till_name in rows
        ]
        return ShiftPage(items=items, next_before=rows[-1][0].opened_at if len(rows) == limit else None)

    async def _summary(self, shift: Shift) -> ShiftSummary:
        branch = await self.session.get(Branch, shift.branch_id)
        assert branch is not None
        exponent = branch.currency_exponent
        figures = await tally(self.session, shift.id, opening=shift.opening_cash)
        counts = (await self.session.scalars(select(ShiftCount).where(ShiftCount.shift_id == shift.id))).all()
        movements = (
            await self.session.scalars(
                select(ShiftCashMovement)
                .where(ShiftCashMovement.shift_id == shift.id)
                .order_by(ShiftCashMovement.created_at, ShiftCashMovement.id)
            )
        ).all()
        ordered_counts = sorted(counts, key=lambda c: METHODS.index(c.method))
        return ShiftSummary(
            shift=await self._shift_out(shift),
            currency=branch.currency,
            methods=_method_totals(figures, exponent),
            cash=_drawer(figures, exponent),
            movements=[_movement_out(m, exponent) for m in movements],
            voided=figures.voided,
            counts=[
                CountOut(
                    method=c.method,
                    expected=money(c.expected, exponent),
                    counted=money(c.counted, exponent),
                    difference=money(c.difference, exponent),
                )
                for c in ordered_counts
            ],
            difference=money(sum((c.difference for c in counts), Decimal(0)), exponent) if counts else None,
        )

    # ------------------------------------------------------------------ helpers

    async def _profile(self, pos_profile_id: int, actor: SessionUser, *, field: str | None) -> PosProfile:
        profile = await self.session.get(PosProfile, pos_profile_id)
        if profile is None or not actor.can_see_branch(profile.branch_id):
            if field is not None:
                raise unprocessable(
                    field, _("unknown till %(pos_profile_id)s", pos_profile_id=pos_profile_id)
                )
            raise NotFoundException(detail=_("Till not found"))
        if not profile.active and field is not None:
            raise unprocessable(field, _("this till is not in use"))
        return profile

    async def _visible(self, shift_id: uuid.UUID, actor: SessionUser) -> Shift:
        shift = await self.session.get(Shift, shift_id)
        if shift is None or not actor.can_see_branch(shift.branch_id):
            raise NotFoundException(detail=_("Shift not found"))
        return shift

    async def _lock(self, shift_id: uuid.UUID, actor: SessionUser) -> Shift:
        shift = await self.session.scalar(
            select(Shift)
            .where(Shift.id == shift_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if shift is None or not actor.can_see_branch(shift.branch_id):
            raise NotFoundException(detail=_("Shift not found"))
        return shift

    async def _exponent(self, branch_id: int) -> int:
        branch = await self.session.get(Branch, branch_id)
        assert branch is not None
        return branch.currency_exponent

    async def _user_name(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        user = await self.session.get(User, user_id)
        return None if user is None else (user.full_name or user.username)

    async def _shift_out(self, shift: Shift) -> ShiftOut:
        exponent = await self._exponent(shift.branch_id)
        return ShiftOut(
            id=shift.id,
            branch_id=shift.branch_id,
            pos_profile_id=shift.pos_profile_id,
            status=shift.status,
            opening_cash=money(shift.opening_cash, exponent),
            opened_by=shift.opened_by,
            opened_at=shift.opened_at,
            closed_by=shift.closed_by,
            closed_at=shift.closed_at,
            closing_note=shift.closing_note,
        )


def _equal(raw: str | int | float, stored: Decimal, exponent: int) -> bool:
    try:
        return money(Decimal(str(raw).strip()), exponent) == money(stored, exponent)
    except (InvalidOperation, ValueError):
        return False


def _movement_out(movement: ShiftCashMovement, exponent: int) -> MovementOut:
    return MovementOut(
        id=movement.id,
        shift_id=movement.shift_id,
        kind=movement.kind,
        amount=money(movement.amount, exponent),
        reason=movement.reason,
        created_by=movement.created_by,
        created_at=movement.created_at,
    )


def _method_totals(figures: Tally, exponent: int) -> list[MethodTotal]:
    return [
        MethodTotal(
            method=method,
            payments=line.payments,
            taken=money(line.taken, exponent),
            rounding=money(line.rounding, exponent),
            refunds=line.refunds,
            refunded=money(line.refunded, exponent),
            expected=money(figures.expected(method), exponent),
        )
        for method, line in sorted(figures.methods.items(), key=lambda item: METHODS.index(item[0]))
    ]


def _drawer(figures: Tally, exponent: int) -> CashDrawer:
    cash = figures.method("cash")
    return CashDrawer(
        opening=money(figures.opening, exponent),
        taken=money(cash.taken, exponent),
        rounding=money(cash.rounding, exponent),
        refunded=money(cash.refunded, exponent),
        cash_in=money(figures.cash_in, exponent),
        cash_out=money(figures.cash_out, exponent),
        expected=money(figures.expected_cash, exponent),
        expenses=money(figures.expenses, exponent),
    )

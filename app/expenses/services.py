"""Petty cash: a cashier pays for something the shop needs out of the drawer.

An expense names its shift (the drawer), a category, an amount and, best, a photo of the paper receipt (at
most 2 MB, checked to be a JPEG, PNG or WebP image by decoding it, whatever the client says it is). Up to
the branch's limit it is approved at once; above it, it waits for a manager. The drawer's cash leaves when
the expense is approved: one `shift_cash_movements` row of kind `expense`, so the shift's expected cash and
its Z report account for it. Each step is audited and announced (`expense.changed`) after the commit.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException, PermissionDeniedException
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from app.auth.guards import ensure_branch_visible
from app.db.models import (
    Branch,
    BranchStockSettings,
    Expense,
    ExpenseReceipt,
    Shift,
    ShiftCashMovement,
    User,
)
from app.db.models.inventory import EXPENSE_STATES
from app.events import stock as ev
from app.expenses.schemas import (
    CATEGORIES,
    MAX_PHOTO_BYTES,
    DecisionIn,
    ExpenseIn,
    ExpenseOut,
    ExpensePage,
    LimitIn,
    LimitOut,
    ReceiptIn,
)
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.i18n import _
from app.lib.money import money
from app.payments.money import parse_amount
from app.shifts.tally import tally

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

APPROVER_ROLES = ("manager",)
# What a decoded photo may be, and the type it is stored and served as.
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
LIST_LIMIT = 200
# Who recorded it, as a receipt or the board names staff: the full name, else the username.
_WHO = func.coalesce(func.nullif(User.full_name, ""), User.username)


def check_photo(receipt: ReceiptIn) -> tuple[str, bytes]:
    """The photo's real type and its bytes, or a 422 naming `receipt`."""
    if len(receipt.data) > MAX_PHOTO_BYTES:
        raise unprocessable("receipt", _("the photo is larger than 2 MB; take it again at a lower size"))
    if not receipt.data:
        raise unprocessable("receipt", _("the photo is empty"))
    try:
        with Image.open(io.BytesIO(receipt.data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise unprocessable("receipt", _("not a photo: send a JPEG, PNG or WebP image")) from exc
    if kind not in IMAGE_TYPES:
        raise unprocessable(
            "receipt", _("a %(kind)s image is not accepted: send a JPEG, PNG or WebP photo", kind=kind)
        )
    return IMAGE_TYPES[kind], receipt.data


class ExpenseService(ScopedService):
    # ------------------------------------------------------------------ the till

    async def record(self, *, data: ExpenseIn, actor: SessionUser) -> tuple[ExpenseOut, bool]:
        """Returns (the expense, whether this call recorded it); a replay with the same body gets it back."""
        existing = await self.session.get(Expense, data.id)
        if existing is not None:
            return await self._replayed(existing, data, actor), False
        if data.category not in CATEGORIES:
            raise unprocessable(
                "category", _("unknown category; use one of %(names)s", names=", ".join(CATEGORIES))
            )
        note = data.note.strip()
        if data.category == "other" and not note:
            raise unprocessable("note", _("say what an 'other' expense was for"))
        photo = check_photo(data.receipt) if data.receipt is not None else None
        shift = await self._open_shift(data.shift_id, actor)
        exponent = await self._exponent(shift.branch_id)
        amount = parse_amount(data.amount, field="amount", exponent=exponent)
        limit = await self._limit(shift.branch_id)
        expense = Expense(
            id=data.id,
            branch_id=shift.branch_id,
            shift_id=shift.id,
            category=data.category,
            amount=amount,
            note=note,
            state="pending",
            created_by=actor.user_id,
        )
        self.session.add(expense)
        if photo is not None:
            self.session.add(
                ExpenseReceipt(expense_id=data.id, content_type=photo[0], data=photo[1], size=len(photo[1]))
            )
        audit.record(
            self.session,
            action="expense.record",
            entity_type="expense",
            entity_id=expense.id,
            actor_user_id=actor.user_id,
            branch_id=shift.branch_id,
            data={
                "shift_id": str(shift.id),
                "category": data.category,
                "amount": str(amount),
                "note": note,
                "receipt": photo is not None,
                "limit": str(limit),
            },
        )
        if amount <= limit:
            await self._pay_out(expense, shift, actor, note="within the branch's limit")
        await self.session.flush()
        self._announce(expense, actor)
        await self.session.commit()
        return await self.get(expense_id=expense.id, actor=actor), True

    async def _replayed(self, expense: Expense, data: ExpenseIn, actor: SessionUser) -> ExpenseOut:
        if not actor.can_see_branch(expense.branch_id):
            raise NotFoundException(detail=_("Expense not found"))
        exponent = await self._exponent(expense.branch_id)
        try:
            amount = parse_amount(data.amount, field="amount", exponent=exponent)
        except ApiError:
            amount = None
        same = (
            expense.shift_id == data.shift_id
            and expense.category == data.category
            and expense.note == data.note.strip()
            and amount == expense.amount
        )
        if not same:
            raise conflict(
                _("Expense %(expense_id)s was already recorded with a different body", expense_id=expense.id),
                reason="id_reused",
            )
        return await self.get(expense_id=expense.id, actor=actor)

    # ------------------------------------------------------------------ managers

    async def decide(self, *, expense_id: uuid.UUID, data: DecisionIn, actor: SessionUser) -> ExpenseOut:
        if not actor.has_role(*APPROVER_ROLES):
            raise PermissionDeniedException(detail=_("Approving an expense needs the manager role"))
        expense = await self.session.get(Expense, expense_id, with_for_update=True)
        if expense is None or not actor.can_see_branch(expense.branch_id):
            raise NotFoundException(detail=_("Expense not found"))
        if expense.state != "pending":
            raise conflict(_("This expense was already %(state)s", state=expense.state), reason="decided")
        note = data.note.strip()
        if data.approve:
            shift = await self._lock_shift(expense.shift_id)
            if shift.status != "open":
                raise conflict(
                    _("The shift is closed: its drawer can no longer pay this out"), reason="closed"
                )
            await self._pay_out(expense, shift, actor, note=note)
        else:
            if not note:
                raise unprocessable("note", _("say why the expense is rejected"))
            expense.state = "rejected"
            expense.decided_by, expense.decided_at = actor.user_id, dt.datetime.now(dt.UTC)
            expense.decision_note = note
            audit.record(
                self.session,
                action="expense.reject",
                entity_type="expense",
                entity_id=expense.id,
                actor_user_id=actor.user_id,
                branch_id=expense.branch_id,
                data={"amount": str(expense.amount), "note": note},
            )
        self._announce(expense, actor)
        await self.session.commit()
        return await self.get(expense_id=expense.id, actor=actor)

    async def _pay_out(self, expense: Expense, shift: Shift, actor: SessionUser, *, note: str) -> None:
        """Approve: the drawer pays it (when it holds enough), as one cash movement of the shift."""
        drawer = (await tally(self.session, shift.id, opening=shift.opening_cash)).expected_cash
        if expense.amount > drawer:
            exponent = await self._exponent(shift.branch_id)
            raise unprocessable(
                "amount", _("the drawer should hold only %(amount)s", amount=str(money(drawer, exponent)))
            )
        movement = ShiftCashMovement(
            id=uuid.uuid4(),
            shift_id=shift.id,
            kind="expense",
            amount=expense.amount,
            reason=f"{expense.category}: {expense.note}".rstrip(": "),
            created_by=actor.user_id,
        )
        self.session.add(movement)
        await self.session.flush()
        expense.state = "approved"
        expense.movement_id = movement.id
        expense.decided_by, expense.decided_at = actor.user_id, dt.datetime.now(dt.UTC)
        expense.decision_note = note
        audit.record(
            self.session,
            action="expense.approve",
            entity_type="expense",
            entity_id=expense.id,
            actor_user_id=actor.user_id,
            branch_id=expense.branch_id,
            data={"shift_id": str(shift.id), "amount": str(expense.amount), "movement_id": str(movement.id)},
        )

    def _announce(self, expense: Expense, actor: SessionUser) -> None:
        self.bus.on_commit(
            self.session,
            expense.branch_id,
            ev.EXPENSE_CHANGED,
            ev.ExpenseChanged(
                expense_id=str(expense.id),
                shift_id=str(expense.shift_id),
                category=expense.category,
                amount=str(expense.amount),
                state=expense.state,
                actor=actor.user_id,
            ),
        )

    # ------------------------------------------------------------------ reads

    async def get(self, *, expense_id: uuid.UUID, actor: SessionUser) -> ExpenseOut:
        row = (
            await self.session.execute(
                select(Expense, _WHO, ExpenseReceipt.expense_id)
                .outerjoin(User, User.id == Expense.created_by)
                .outerjoin(ExpenseReceipt, ExpenseReceipt.expense_id == Expense.id)
                .where(Expense.id == expense_id)
            )
        ).first()
        if row is None or not actor.can_see_branch(row[0].branch_id):
            raise NotFoundException(detail=_("Expense not found"))
        return _out(row[0], row[1], has_receipt=row[2] is not None)

    async def list_expenses(
        self,
        *,
        actor: SessionUser,
        branch_id: int | None = None,
        shift_id: uuid.UUID | None = None,
        state: str | None = None,
    ) -> ExpensePage:
        if branch_id is None and shift_id is None:
            raise unprocessable("branch_id", _("name a branch or a shift"))
        stmt = (
            select(Expense, _WHO, ExpenseReceipt.expense_id)
            .outerjoin(User, User.id == Expense.created_by)
            .outerjoin(ExpenseReceipt, ExpenseReceipt.expense_id == Expense.id)
            .order_by(Expense.created_at.desc(), Expense.id)
            .limit(LIST_LIMIT)
        )
        if branch_id is not None:
            ensure_branch_visible(actor, branch_id, what="Branch")
            stmt = stmt.where(Expense.branch_id == branch_id)
        if shift_id is not None:
            shift = await self.session.get(Shift, shift_id)
            if shift is None or not actor.can_see_branch(shift.branch_id):
                raise NotFoundException(detail=_("Shift not found"))
            stmt = stmt.where(Expense.shift_id == shift_id)
        if state is not None:
            if state not in EXPENSE_STATES:
                raise unprocessable(
                    "state", _("unknown state; use one of %(choices)s", choices=", ".join(EXPENSE_STATES))
                )
            stmt = stmt.where(Expense.state == state)
        if not actor.has_role(*APPROVER_ROLES):
            # A cashier sees what they recorded, not the whole branch's petty cash.
            stmt = stmt.where(Expense.created_by == actor.user_id)
        rows = (await self.session.execute(stmt)).all()
        items = [_out(e, name, has_receipt=r is not None) for e, name, r in rows]
        return ExpensePage(
            items=items,
            total_approved=sum((i.amount for i in items if i.state == "approved"), Decimal(0)),
            total_pending=sum((i.amount for i in items if i.state == "pending"), Decimal(0)),
        )

    async def receipt(self, *, expense_id: uuid.UUID, actor: SessionUser) -> tuple[str, bytes]:
        expense = await self.session.get(Expense, expense_id)
        if expense is None or not actor.can_see_branch(expense.branch_id):
            raise NotFoundException(detail=_("Expense not found"))
        if not actor.has_role(*APPROVER_ROLES) and expense.created_by != actor.user_id:
            raise NotFoundException(detail=_("Expense not found"))
        photo = await self.session.get(ExpenseReceipt, expense_id)
        if photo is None:
            raise NotFoundException(detail=_("This expense has no receipt photo"))
        return photo.content_type, photo.data

    # ------------------------------------------------------------------ the branch's limit

    async def get_limit(self, *, branch_id: int, actor: SessionUser) -> LimitOut:
        ensure_branch_visible(actor, branch_id, what="Branch")
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail=_("Branch not found"))
        return LimitOut(
            branch_id=branch_id, expense_limit=await self._limit(branch_id), categories=CATEGORIES
        )

    async def set_limit(self, *, branch_id: int, data: LimitIn, actor: SessionUser) -> LimitOut:
        ensure_branch_visible(actor, branch_id, what="Branch")
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail=_("Branch not found"))
        exponent = await self._exponent(branch_id)
        limit = parse_amount(data.expense_limit, field="expense_limit", exponent=exponent, allow_zero=True)
        row = await self.session.get(BranchStockSettings, branch_id, with_for_update=True)
        before = None if row is None else row.expense_limit
        if row is None:
            row = BranchStockSettings(branch_id=branch_id, expense_limit=limit)
            self.session.add(row)
        row.expense_limit = limit
        audit.change(
            self.session,
            action="branch.expense_limit",
            entity_type="branch",
            entity_id=branch_id,
            actor_user_id=actor.user_id,
            branch_id=branch_id,
            before=before,
            after=limit,
        )
        await self.session.commit()
        return LimitOut(branch_id=branch_id, expense_limit=limit, categories=CATEGORIES)

    # ------------------------------------------------------------------ helpers

    async def _limit(self, branch_id: int) -> Decimal:
        """Up to this a cashier's expense needs nobody; no limit set means every expense needs a manager."""
        value = await self.session.scalar(
            select(BranchStockSettings.expense_limit).where(BranchStockSettings.branch_id == branch_id)
        )
        return Decimal(0) if value is None else Decimal(value)

    async def _open_shift(self, shift_id: uuid.UUID, actor: SessionUser) -> Shift:
        shift = await self._lock_shift(shift_id)
        if not actor.can_see_branch(shift.branch_id):
            raise unprocessable("shift_id", _("unknown shift"))
        if shift.status != "open":
            raise unprocessable("shift_id", _("the shift is closed: open a shift to pay out of the drawer"))
        return shift

    async def _lock_shift(self, shift_id: uuid.UUID) -> Shift:
        # The drawer's figures are read and changed under the shift's lock, as cash in/out does.
        shift = await self.session.get(Shift, shift_id, with_for_update=True)
        if shift is None:
            raise unprocessable("shift_id", _("unknown shift"))
        return shift

    async def _exponent(self, branch_id: int) -> int:
        value = await self.session.scalar(select(Branch.currency_exponent).where(Branch.id == branch_id))
        return int(value if value is not None else 2)


def _out(expense: Expense, name: str | None, *, has_receipt: bool) -> ExpenseOut:
    return ExpenseOut(
        id=expense.id,
        branch_id=expense.branch_id,
        shift_id=expense.shift_id,
        category=expense.category,
        amount=expense.amount,
        note=expense.note,
        state=expense.state,
        has_receipt=has_receipt,
        created_by=expense.created_by,
        created_by_name=name,
        created_at=expense.created_at,
        decided_by=expense.decided_by,
        decided_at=expense.decided_at,
        decision_note=expense.decision_note,
    )

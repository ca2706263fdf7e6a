"""What a shift's drawer and terminals should hold: the expected figures per payment method (DESIGN §7).

Payments count in the shift they name (`payments.shift_id`), refunds in the shift whose drawer paid them
(`payment_refunds.shift_id`), movements in theirs. Voided and pending payments count nowhere; a payment
refunded later still counts as taken, its refund is subtracted where it was paid out.

    expected cash   = opening + cash taken + cash rounding - cash refunded + cash in - cash out - expenses
    expected other  = taken - refunded
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.db.models import Payment, PaymentRefund, ShiftCashMovement

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

ZERO = Decimal(0)
# Voided and pending payments are not money in the drawer.
COUNTED_STATUSES = ("captured", "partially_refunded", "refunded")


@dataclass(slots=True)
class MethodTally:
    payments: int = 0
    taken: Decimal = ZERO
    rounding: Decimal = ZERO
    refunds: int = 0
    refunded: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.taken + self.rounding - self.refunded


@dataclass(slots=True)
class Tally:
    opening: Decimal
    methods: dict[str, MethodTally] = field(default_factory=dict)
    cash_in: Decimal = ZERO
    cash_out: Decimal = ZERO
    # Petty cash paid out for the shop (app/expenses), approved: shown apart from other cash out.
    expenses: Decimal = ZERO
    voided: int = 0

    def method(self, name: str) -> MethodTally:
        return self.methods.setdefault(name, MethodTally())

    @property
    def expected_cash(self) -> Decimal:
        return self.opening + self.method("cash").net + self.cash_in - self.cash_out - self.expenses

    def expected(self, method: str) -> Decimal:
        return self.expected_cash if method == "cash" else self.method(method).net


async def tally(session: AsyncSession, shift_id: uuid.UUID, *, opening: Decimal) -> Tally:
    result = Tally(opening=opening)
    result.method("cash")  # the drawer is always counted, even when no cash was taken
    payments = await session.execute(
        select(
            Payment.method,
            func.count(),
            func.coalesce(func.sum(Payment.amount), 0),
            func.coalesce(func.sum(Payment.rounding), 0),
        )
        .where(Payment.shift_id == shift_id, Payment.status.in_(COUNTED_STATUSES))
        .group_by(Payment.method)
    )
    for method, count, taken, rounding in payments:
        line = result.method(method)
        line.payments, line.taken = int(count), Decimal(taken)
        # Cash rounding is money in the drawer; on other methods it is always zero.
        line.rounding = Decimal(rounding)
    refunds = await session.execute(
        select(Payment.method, func.count(), func.coalesce(func.sum(PaymentRefund.amount), 0))
        .join(Payment, Payment.id == PaymentRefund.payment_id)
        .where(PaymentRefund.shift_id == shift_id)
        .group_by(Payment.method)
    )
    for method, count, refunded in refunds:
        line = result.method(method)
        line.refunds, line.refunded = int(count), Decimal(refunded)
    movements = await session.execute(
        select(ShiftCashMovement.kind, func.coalesce(func.sum(ShiftCashMovement.amount), 0))
        .where(ShiftCashMovement.shift_id == shift_id)
        .group_by(ShiftCashMovement.kind)
    )
    for kind, amount in movements:
        if kind == "in":
            result.cash_in = Decimal(amount)
        elif kind == "expense":
            result.expenses = Decimal(amount)
        else:
            result.cash_out = Decimal(amount)
    result.voided = int(
        await session.scalar(
            select(func.count()).where(Payment.shift_id == shift_id, Payment.status == "voided")
        )
        or 0
    )
    return result

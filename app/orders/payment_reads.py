"""An order's payments and invoice as its reads show them (`GET /orders/{id}`, the payments API's answers).

In the orders package because an order's read includes them and the orders import no payments code; the
payments domain, above, builds its answers with the same shapes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec
from sqlalchemy import select

from app.db.models import Invoice, Payment, PaymentRefund
from app.lib.money import money

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


class RefundOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    payment_id: uuid.UUID
    amount: Decimal
    reason: str
    shift_id: uuid.UUID | None
    created_by: int | None
    created_at: dt.datetime


class PaymentOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    order_id: uuid.UUID
    branch_id: int
    method: str
    status: str
    # What this tender paid off the order's balance.
    amount: Decimal
    # Cash rounding: the customer paid `amount + rounding`.
    rounding: Decimal
    tendered: Decimal | None
    change_due: Decimal | None
    reference: str | None
    provider: str
    provider_ref: str | None
    refunded_amount: Decimal
    customer_id: int | None
    shift_id: uuid.UUID | None
    void_reason: str | None
    created_by: int | None
    created_at: dt.datetime
    refunds: list[RefundOut] = msgspec.field(default_factory=list)


class InvoiceRef(msgspec.Struct, kw_only=True):
    """An order's original invoice, as the order's reads show it."""

    id: uuid.UUID
    number: str


def _cash(value: Decimal | None, exponent: int) -> Decimal | None:
    return None if value is None else money(value, exponent)


def refund_out(refund: PaymentRefund, *, exponent: int) -> RefundOut:
    return RefundOut(
        id=refund.id,
        payment_id=refund.payment_id,
        amount=money(refund.amount, exponent),
        reason=refund.reason,
        shift_id=refund.shift_id,
        created_by=refund.created_by,
        created_at=refund.created_at,
    )


def payment_out(payment: Payment, refunds: Sequence[PaymentRefund], *, exponent: int) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        order_id=payment.order_id,
        branch_id=payment.branch_id,
        method=payment.method,
        status=payment.status,
        amount=money(payment.amount, exponent),
        rounding=money(payment.rounding, exponent),
        tendered=_cash(payment.tendered, exponent),
        change_due=_cash(payment.change_due, exponent),
        reference=payment.reference,
        provider=payment.provider,
        provider_ref=payment.provider_ref,
        refunded_amount=money(payment.refunded_amount, exponent),
        customer_id=payment.customer_id,
        shift_id=payment.shift_id,
        void_reason=payment.void_reason,
        created_by=payment.created_by,
        created_at=payment.created_at,
        refunds=[refund_out(r, exponent=exponent) for r in refunds],
    )


async def order_payments(session: AsyncSession, order_id: uuid.UUID, *, exponent: int) -> list[PaymentOut]:
    """Every payment of the order, oldest first, voided ones included (the till's history stays whole)."""
    payments = (
        await session.scalars(
            select(Payment).where(Payment.order_id == order_id).order_by(Payment.created_at, Payment.id)
        )
    ).all()
    if not payments:
        return []
    refunds: dict[uuid.UUID, list[PaymentRefund]] = defaultdict(list)
    for refund in (
        await session.scalars(
            select(PaymentRefund)
            .where(PaymentRefund.order_id == order_id)
            .order_by(PaymentRefund.created_at, PaymentRefund.id)
        )
    ).all():
        refunds[refund.payment_id].append(refund)
    return [payment_out(p, refunds[p.id], exponent=exponent) for p in payments]


async def original_invoice(session: AsyncSession, order_id: uuid.UUID) -> InvoiceRef | None:
    """The order's invoice (not its amendments), once issued."""
    row = (
        await session.execute(
            select(Invoice.id, Invoice.number_text).where(
                Invoice.order_id == order_id, Invoice.kind == "invoice"
            )
        )
    ).first()
    return None if row is None else InvoiceRef(id=row[0], number=row[1])

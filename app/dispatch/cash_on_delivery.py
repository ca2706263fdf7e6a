"""Cash on delivery becomes a payment (DESIGN §4 `delivered`, §7): the courier's cash pays the order.

When an order with something left to pay is delivered with cash collected, the delivered transaction also
writes a `payments` row (method `cash_on_delivery`, by the courier's user) for the cash applied to the
balance, and moves `paid_total`, `payment_status` and `payment_seq` as every payment does. The payments
service takes its tenders in its own transaction; this one must be the delivery's, so the row is written
here and everything after the commit is the payments part's own: `hot.announce` (status into the hash by
sequence, `payment.collected`) and the invoice job for an order that became paid.

Cash beyond the balance is not a payment: the delivery keeps what was collected and the audit row names
the difference for the manager. The payment's id is derived from the delivery, so a delivery can pay once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.db.models import Courier, Delivery, Order, Payment
from app.events.money import PaymentChanged
from app.lib import audit, jobs
from app.lib.money import money
from app.payments import hot
from app.payments.money import payment_status

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.lib.deps import Scope

METHOD = "cash_on_delivery"
ZERO = Decimal(0)
_PAYMENT_NAMESPACE = uuid.UUID("5d3e1f0a-8c2b-4e6d-9a7f-1b2c3d4e5f60")


def payment_id_for(delivery_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_PAYMENT_NAMESPACE, f"cod:{delivery_id}")


async def record(
    session: AsyncSession,
    *,
    order: Order,
    delivery: Delivery,
    cash: Decimal,
    exponent: int,
    actor: int | None,
) -> PaymentChanged | None:
    """Write the payment in the caller's transaction (the order row is locked by the caller). Returns the
    event to announce once committed, or None when the cash pays nothing (a paid order, no cash)."""
    if order.payment_status == "paid":
        return None
    balance = order.total - order.paid_total
    amount = money(min(cash, balance), exponent)
    if amount <= 0:
        return None
    courier_user = await session.scalar(select(Courier.user_id).where(Courier.id == delivery.courier_id))
    payment = Payment(
        id=payment_id_for(delivery.id),
        order_id=order.id,
        branch_id=order.branch_id,
        method=METHOD,
        amount=amount,
        provider="manual",
        status="captured",
        created_by=courier_user if courier_user is not None else actor,
    )
    session.add(payment)
    order.paid_total += amount
    # A positive paid total: never `refunded`, whatever was refunded before.
    order.payment_status = payment_status(paid_total=order.paid_total, total=order.total, refunded_any=False)
    order.payment_seq += 1
    audit.record(
        session,
        action="payment.collect",
        entity_type="payment",
        entity_id=payment.id,
        actor_user_id=actor,
        branch_id=order.branch_id,
        data={
            "order_id": str(order.id),
            "method": METHOD,
            "amount": str(amount),
            "delivery_id": str(delivery.id),
            "courier_id": delivery.courier_id,
            "cash_collected": str(cash),
            "paid_total": str(order.paid_total),
            "payment_status": order.payment_status,
            "payment_seq": order.payment_seq,
        },
    )
    return PaymentChanged(
        order_id=str(order.id),
        payment_id=str(payment.id),
        method=METHOD,
        amount=str(amount),
        payment_status=order.payment_status,
        paid_total=str(money(order.paid_total, exponent)),
        balance=str(money(max(order.total - order.paid_total, ZERO), exponent)),
        seq=order.payment_seq,
        token=order.token,
        actor=actor,
    )


async def announce(scope: Scope, *, branch_id: int, change: PaymentChanged) -> None:
    """After the commit (and the order's move): the hash's payment status and `payment.collected`, and
    (paid) the invoice job."""
    await hot.announce(
        scope.keys, scope.lua, scope.bus, branch_id=branch_id, event=hot.COLLECTED, change=change
    )
    if change.payment_status == "paid":
        await jobs.enqueue_quietly(scope.redis, scope.keys, jobs.invoice(scope.keys, change.order_id))

"""Cash on delivery becomes a payment (DESIGN §4 `delivered`, §7): the courier's cash pays the order.

When an order with something left to pay is delivered with cash collected, the delivered transaction also
writes a `payments` row (method `cash_on_delivery`, by the courier's user) for the cash applied to the
balance, and moves `paid_total`, `payment_status` and `payment_seq` as every payment does (CONTRACTS,
payments). After the commit, `payment.collected` is announced and a fully paid order's invoice is queued.

Cash beyond the balance is not a payment: the delivery keeps what was collected and the audit row names
the difference for the manager. The payment's id is derived from the delivery, so a delivery can pay once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec
from arq.connections import ArqRedis
from sqlalchemy import select

from app.db.models import Courier, Delivery, Order, Payment
from app.lib import audit
from app.orders.pricing import money

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.lib.redis import Keys

METHOD = "cash_on_delivery"
INVOICE_JOB = "issue_invoice"
ZERO = Decimal(0)
_PAYMENT_NAMESPACE = uuid.UUID("5d3e1f0a-8c2b-4e6d-9a7f-1b2c3d4e5f60")


class PaymentCollected(msgspec.Struct, kw_only=True):
    """Data of `payment.collected`, as the payments part writes it (kanban and POS only)."""

    order_id: str
    payment_id: str
    method: str
    amount: str
    payment_status: str
    paid_total: str
    balance: str
    seq: int
    token: int | None
    actor: int | None
    delivery_id: str


def payment_id_for(delivery_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_PAYMENT_NAMESPACE, f"cod:{delivery_id}")


def status_for(*, paid_total: Decimal, total: Decimal) -> str:
    if paid_total <= 0:
        return "unpaid"
    return "paid" if paid_total >= total else "partially_paid"


async def record(
    session: AsyncSession,
    *,
    order: Order,
    delivery: Delivery,
    cash: Decimal,
    exponent: int,
    actor: int | None,
) -> PaymentCollected | None:
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
    order.payment_status = status_for(paid_total=order.paid_total, total=order.total)
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
    return PaymentCollected(
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
        delivery_id=str(delivery.id),
    )


# The order hash's payment status moves only to a newer sequence (two payments committed in one order may
# reach Redis in the other); the event is appended either way. The order's version does not move.
_ANNOUNCE = """
local applied = 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  local current = tonumber(redis.call('HGET', KEYS[1], 'payment_seq') or '0') or 0
  if tonumber(ARGV[1]) > current then
    redis.call('HSET', KEYS[1], 'payment_status', ARGV[2], 'payment_seq', ARGV[1])
    local card = redis.call('HGET', KEYS[1], 'card')
    if card then
      local decoded = cjson.decode(card)
      decoded.payment_status = ARGV[2]
      redis.call('HSET', KEYS[1], 'card', cjson.encode(decoded))
    end
    applied = 1
  end
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*',
  'type', 'payment.collected', 'order', ARGV[3], 'v', '', 'ts', now, 'data', ARGV[4])
"""


async def announce(
    redis: Redis, keys: Keys, *, branch_id: int, event: PaymentCollected, stream_maxlen: int
) -> str:
    """After the commit: the hash's payment status, `payment.collected`, and (paid) the invoice job."""
    script = redis.register_script(_ANNOUNCE)
    stream_id = await script(
        keys=[keys.order(branch_id, event.order_id), keys.events(branch_id)],
        args=[
            event.seq,
            event.payment_status,
            event.order_id,
            msgspec.json.encode(event).decode(),
            stream_maxlen,
        ],
    )
    if event.payment_status == "paid":
        # The same job id the payments part uses, so a second trigger collapses into the first.
        queue = ArqRedis(redis.connection_pool, default_queue_name=keys.arq_queue())
        await queue.enqueue_job(
            INVOICE_JOB, order_id=event.order_id, _job_id=f"{keys.prefix}invoice:{event.order_id}"
        )
    return stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id)

"""Cash on delivery becomes a payment (DESIGN §4 `delivered`, §7): the courier's cash pays the order.

When an order with something left to pay is delivered with cash collected, the delivered transaction also
writes a `payments` row (method `cash_on_delivery`, by the courier's user) for the cash applied to the
balance, and moves `paid_total`, `payment_status` and `payment_seq` as every payment does. The payments
service takes its tenders in its own transaction; this one must be the delivery's, so the row is written
here and everything after the commit is the payments part's own: `hot.announce` (status into the hash by
sequence, `payment.collected`) and the invoice job for an order that became paid.

The cash a courier reports is counted first (`count`): above the amount to collect it needs a choice — a
tip the courier keeps (never branch money, at most the order's total), or the customer's payment to the shop
(at most what is left to pay on the order: a partner order the platform prepaid takes tips only); below it
is a short collection. What the branch gets (cash less tip) pays the order up to its balance; the courier's
ledger is then squared to it (ledger.difference): a shortfall for cash charged but not collected, a further
collection for cash taken above the charge. The payment's id is derived from the delivery, so a delivery
can pay once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.db.models import Courier, Delivery, Order, Payment
from app.events.money import PaymentChanged
from app.lib import audit, jobs
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.lib.money import money
from app.orders.states import Channel
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


@dataclass(frozen=True, slots=True)
class Handover:
    """The cash of one delivery: what the customer handed over, the courier's tip out of it, and the rest,
    the branch's, against what the courier was charged to collect."""

    cash: Decimal
    tip: Decimal
    to_collect: Decimal

    @property
    def branch_cash(self) -> Decimal:
        return self.cash - self.tip

    @property
    def short(self) -> Decimal:
        return max(self.to_collect - self.branch_cash, ZERO)

    @property
    def over(self) -> Decimal:
        return max(self.branch_cash - self.to_collect, ZERO)


def count(
    *, cash: Decimal | None, extra: str | None, to_collect: Decimal, order: Order, exponent: int
) -> Handover:
    """Check what a courier reports (422 naming the field) and split it. No cash given: what was charged."""
    if cash is None:
        cash = to_collect
    # A typing slip (99999 for 259.00) must not become cash in hand: nothing above the charge plus a tip
    # as large as the order itself.
    cap = to_collect + order.total
    if cash > cap:
        raise unprocessable(
            "cash_collected",
            _(
                "%(cash)s is more than this delivery can take (at most %(cap)s: %(to_collect)s to collect and a tip up to the order's total)",
                cash=money(cash, exponent),
                cap=money(cap, exponent),
                to_collect=money(to_collect, exponent),
            ),
        )
    if cash <= to_collect:
        if extra is not None:
            raise unprocessable(
                "extra",
                _(
                    "only for cash above the %(to_collect)s to collect",
                    to_collect=money(to_collect, exponent),
                ),
            )
        return Handover(cash=cash, tip=ZERO, to_collect=to_collect)
    above = money(cash - to_collect, exponent)
    if extra is None:
        raise unprocessable(
            "extra",
            _(
                "%(above)s is above the %(to_collect)s to collect: say whether it is a tip the courier keeps or the customer's payment to the shop",
                above=above,
                to_collect=money(to_collect, exponent),
            ),
        )
    if extra == "tip":
        return Handover(cash=cash, tip=cash - to_collect, to_collect=to_collect)
    payable = max(to_collect, order.total - order.paid_total, ZERO)
    if cash > payable:
        if payable == 0 and order.channel == Channel.PARTNER:
            detail = _(
                "the platform prepaid this partner order: cash above nothing to collect can only be a tip"
            )
        else:
            detail = _(
                "only %(payable)s is left to pay on this order: the rest is a tip or change to give back",
                payable=money(payable, exponent),
            )
        raise unprocessable("cash_collected", detail)
    return Handover(cash=cash, tip=ZERO, to_collect=to_collect)


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

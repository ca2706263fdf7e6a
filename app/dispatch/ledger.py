"""Courier cash (DESIGN §6): what a dispatch charges a courier, and squaring it up.

Shared by the order service's dispatch (settle now, returns) and the dispatch service (single and bulk
settlements), so every settlement is written the same way: one `settlements` row, its transactions marked
settled, one branch cash movement for the cash that changed hands, one audit row, and the
`settlement.completed` event built from what was written.

Rules (where DESIGN §6 is silent, the choice is ours; see also app/dispatch/__init__.py):
- What the courier collects: nothing for a `paid` order or a partner order (the partner collects from its
  customer and pays the branch through its own routing); otherwise the order's outstanding total, i.e.
  the total less captured payments, so a partially paid order collects the rest on delivery.
- What the courier earns: the order territory's `courier_fee` (0 without a territory).
- A transaction is written only for an amount above zero: a paid order has no collection row.
- A settlement's `net` is the cash that changed hands, + when the courier paid the branch. For an ordinary
  settlement it is Σ collections - Σ fees - Σ shortfalls of its transactions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from sqlalchemy import func, select

from app.db.models import (
    BranchCashMovement,
    CourierTransaction,
    Delivery,
    Order,
    Payment,
    Settlement,
    Territory,
)
from app.events import money as ev
from app.lib import audit
from app.lib.money import money
from app.orders.states import Channel, PaymentStatus

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

OwedBy = Literal["courier", "branch", "none"]
SettleMode = Literal["now", "later"]
ZERO = Decimal(0)
CASH_REASON = "courier_settlement"
# Settlements the dispatch flow makes itself get ids derived from the delivery, so a retry cannot double them.
_SETTLEMENT_NAMESPACE = uuid.UUID("0b9d5c3e-6f2a-4d8b-9e1c-7a4f3b2d1c60")


def owed_by(net: Decimal) -> OwedBy:
    if net > 0:
        return "courier"
    if net < 0:
        return "branch"
    return "none"


def derived_settlement_id(kind: str, delivery_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_SETTLEMENT_NAMESPACE, f"{kind}:{delivery_id}")


@dataclass(frozen=True, slots=True)
class Charge:
    """What one dispatch means in cash, at the branch currency's decimals."""

    amount_to_collect: Decimal
    courier_fee: Decimal

    @property
    def net(self) -> Decimal:
        return self.amount_to_collect - self.courier_fee

    @property
    def owed_by(self) -> OwedBy:
        return owed_by(self.net)


async def charge_for(session: AsyncSession, order: Order, *, exponent: int) -> Charge:
    fee = ZERO
    if order.territory_id is not None:
        fee = (
            await session.scalar(select(Territory.courier_fee).where(Territory.id == order.territory_id))
            or ZERO
        )
    collect = ZERO
    if order.channel != Channel.PARTNER and order.payment_status != PaymentStatus.PAID:
        captured = await session.scalar(
            select(func.coalesce(func.sum(Payment.amount), ZERO)).where(
                Payment.order_id == order.id, Payment.status == "captured"
            )
        )
        collect = max(order.total - (captured or ZERO), ZERO)
    return Charge(amount_to_collect=money(collect, exponent), courier_fee=money(fee, exponent))


def difference(delivery: Delivery, *, branch_cash: Decimal) -> list[CourierTransaction]:
    """Square a delivered delivery's charge to the branch cash the courier actually took: a shortfall (owed
    back to the courier) for cash charged but not collected, a further collection for cash taken above the
    charge (the customer paid the shop more). Open, like any transaction, whatever the settle mode: a
    delivery settled at dispatch was squared for what was charged, not for what happened at the door."""
    gap = branch_cash - delivery.amount_to_collect
    if gap == 0:
        return []
    return [
        CourierTransaction(
            courier_id=delivery.courier_id,
            branch_id=delivery.branch_id,
            delivery_id=delivery.id,
            order_id=delivery.order_id,
            kind="collection" if gap > 0 else "shortfall",
            amount=abs(gap),
            status="open",
        )
    ]


def transactions_for(delivery: Delivery) -> list[CourierTransaction]:
    """The collection (courier owes the branch) and the fee (branch owes the courier) of one delivery."""
    rows = []
    for kind, amount in (("collection", delivery.amount_to_collect), ("fee", delivery.courier_fee)):
        if amount > 0:
            rows.append(
                CourierTransaction(
                    courier_id=delivery.courier_id,
                    branch_id=delivery.branch_id,
                    delivery_id=delivery.id,
                    order_id=delivery.order_id,
                    kind=kind,
                    amount=amount,
                    status="open",
                )
            )
    return rows


@dataclass(frozen=True, slots=True)
class Totals:
    """Transactions summed by kind. A collection is owed to the branch; a fee and a shortfall (cash charged
    but not collected) are owed to the courier."""

    collections: Decimal
    fees: Decimal
    shortfalls: Decimal

    @property
    def net(self) -> Decimal:
        """+ the courier owes the branch, - the branch owes the courier."""
        return self.collections - self.fees - self.shortfalls


def totals(transactions: Sequence[CourierTransaction]) -> Totals:
    def of(kind: str) -> Decimal:
        return sum((t.amount for t in transactions if t.kind == kind), ZERO)

    return Totals(collections=of("collection"), fees=of("fee"), shortfalls=of("shortfall"))


async def record_settlement(
    session: AsyncSession,
    *,
    settlement_id: uuid.UUID,
    courier_id: int,
    branch_id: int,
    kind: str,
    transactions: Sequence[CourierTransaction],
    cash: Decimal,
    note: str,
    actor: int | None,
    exponent: int,
    order_id: uuid.UUID | None = None,
) -> ev.SettlementCompleted:
    """Write a settlement in the caller's transaction: the row, its transactions settled, the till's cash
    movement (`cash`: + into the till) and the audit row. Returns the event to emit once committed."""
    cash = money(cash, exponent)
    session.add(
        Settlement(
            id=settlement_id,
            courier_id=courier_id,
            branch_id=branch_id,
            kind=kind,
            net=cash,
            transactions=len(transactions),
            note=note,
            created_by=actor,
        )
    )
    # The settlement row must exist before the transactions point at it.
    await session.flush()
    now = dt.datetime.now(dt.UTC)
    for transaction in transactions:
        transaction.status = "settled"
        transaction.settlement_id = settlement_id
        transaction.settled_at = now
    if cash != 0:
        session.add(
            BranchCashMovement(
                branch_id=branch_id,
                amount=cash,
                reason=CASH_REASON,
                settlement_id=settlement_id,
                order_id=order_id,
                created_by=actor,
            )
        )
    summed = totals(transactions)
    event = ev.SettlementCompleted(
        settlement_id=str(settlement_id),
        courier_id=courier_id,
        branch_id=branch_id,
        kind=kind,
        net=str(cash),
        owed_by=owed_by(cash),
        collections=str(money(summed.collections, exponent)),
        fees=str(money(summed.fees, exponent)),
        shortfalls=str(money(summed.shortfalls, exponent)),
        transactions=len(transactions),
        transaction_ids=sorted(t.id for t in transactions),
        note=note,
        order_id=None if order_id is None else str(order_id),
        actor=actor,
    )
    audit.record(
        session,
        action="settlement.completed",
        entity_type="settlement",
        entity_id=settlement_id,
        actor_user_id=actor,
        branch_id=branch_id,
        data={
            "courier_id": courier_id,
            "kind": kind,
            "net": event.net,
            "collections": event.collections,
            "fees": event.fees,
            "shortfalls": event.shortfalls,
            "transaction_ids": event.transaction_ids,
            "order_id": event.order_id,
            "note": note,
        },
    )
    return event


async def settle(
    session: AsyncSession,
    *,
    settlement_id: uuid.UUID,
    courier_id: int,
    branch_id: int,
    kind: str,
    transactions: Sequence[CourierTransaction],
    note: str,
    actor: int | None,
    exponent: int,
    order_id: uuid.UUID | None = None,
) -> ev.SettlementCompleted:
    """An ordinary settlement: the courier hands over what they collected less what they earned (and less
    what they were charged for but could not collect)."""
    return await record_settlement(
        session,
        settlement_id=settlement_id,
        courier_id=courier_id,
        branch_id=branch_id,
        kind=kind,
        transactions=transactions,
        cash=totals(transactions).net,
        note=note,
        actor=actor,
        exponent=exponent,
        order_id=order_id,
    )


async def settlement_event(
    session: AsyncSession, settlement_id: uuid.UUID, *, exponent: int, order_id: uuid.UUID | None
) -> ev.SettlementCompleted | None:
    """The `settlement.completed` a stored settlement announced (or should have): for the road repair,
    which announces what a dispatch or a return committed but never said."""
    settlement = await session.get(Settlement, settlement_id)
    if settlement is None:
        return None
    transactions = (
        await session.scalars(
            select(CourierTransaction).where(CourierTransaction.settlement_id == settlement_id)
        )
    ).all()
    summed = totals(transactions)
    return ev.SettlementCompleted(
        settlement_id=str(settlement.id),
        courier_id=settlement.courier_id,
        branch_id=settlement.branch_id,
        kind=settlement.kind,
        net=str(money(settlement.net, exponent)),
        owed_by=owed_by(settlement.net),
        collections=str(money(summed.collections, exponent)),
        fees=str(money(summed.fees, exponent)),
        shortfalls=str(money(summed.shortfalls, exponent)),
        transactions=len(transactions),
        transaction_ids=sorted(t.id for t in transactions),
        note=settlement.note,
        order_id=None if order_id is None else str(order_id),
        actor=settlement.created_by,
    )

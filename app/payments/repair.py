"""The payment repair (part of the worker's repair cron): payment statuses PostgreSQL committed that never
reached the hot state.

A payment commits, then copies the order's payment status into its Redis hash and announces it (one Lua
call, on the session's commit). A process killed between the two leaves the board showing the order
unpaid — and the state machine, which checks `completed` against the hash, refusing to hand it over —
while PostgreSQL holds the money. This finds every open order whose hash is behind its row's payment
sequence (the hash only moves forward in sequence, so a late original announcement is harmless) and
announces the row's status, with the invoice job for an order that is paid.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.db.models import Order, Payment
from app.events import money as money_events
from app.lib import jobs
from app.lib.deps import ScopedService
from app.lib.money import money
from app.orders import exponent_of
from app.orders.states import TERMINAL
from app.payments import hot
from app.payments.money import ZERO

if TYPE_CHECKING:
    from collections.abc import Sequence

log = logging.getLogger(__name__)

GRACE_SECONDS = 30
BATCH = 500


class PaymentRepair(ScopedService):
    async def sync_hot_status(self, *, grace_seconds: float = GRACE_SECONDS) -> int:
        """Announce every open order's payment status its hash is behind on; returns how many."""
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=grace_seconds)
        orders = (
            await self.session.scalars(
                select(Order)
                .where(
                    Order.payment_seq > 0,
                    Order.state.not_in([s.value for s in TERMINAL]),
                    # A payment this fresh may still be announcing itself.
                    Order.updated_at < cutoff,
                )
                .order_by(Order.id)
                .limit(BATCH)
            )
        ).all()
        behind = await self._behind(orders)
        repaired = [str(order.id) for order in behind]
        for order in behind:
            await self._announce(order)
        await self.session.rollback()
        if repaired:
            log.warning("payment statuses announced by the repair", extra={"orders": repaired})
        return len(repaired)

    async def _behind(self, orders: Sequence[Order]) -> list[Order]:
        if not orders:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for order in orders:
                pipe.hmget(self.keys.order(order.branch_id, str(order.id)), ["state", "payment_seq"])
            rows = await pipe.execute()
        return [
            order
            for order, (state, seq) in zip(orders, rows, strict=True)
            # No hash: finished and expired, or lost (the rebuild restores it with the row's status).
            if state is not None and int(seq or 0) < order.payment_seq
        ]

    async def _announce(self, order: Order) -> None:
        latest = await self.session.scalar(
            select(Payment).where(Payment.order_id == order.id).order_by(Payment.created_at.desc()).limit(1)
        )
        if latest is None:
            return
        exponent = await exponent_of(self.session, order.branch_id)
        change = money_events.PaymentChanged(
            order_id=str(order.id),
            payment_id=str(latest.id),
            method=latest.method,
            amount=str(money(latest.amount, exponent)),
            payment_status=order.payment_status,
            paid_total=str(money(order.paid_total, exponent)),
            balance=str(money(max(order.total - order.paid_total, ZERO), exponent)),
            seq=order.payment_seq,
            token=order.token,
            actor=latest.created_by,
        )
        event = hot.VOIDED if latest.status == "voided" else hot.COLLECTED
        await hot.announce(
            self.keys, self.scope.lua, self.bus, branch_id=order.branch_id, event=event, change=change
        )
        if order.payment_status == "paid":
            await jobs.enqueue_quietly(self.redis, self.keys, jobs.invoice(self.keys, order.id))

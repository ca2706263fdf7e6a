"""The invoice repair (part of the worker's repair cron): every order that should have its invoice and has
none gets it, exactly once.

The invoice is a queued job (`jobs.invoice`), triggered when an order becomes paid or is handed over. A
queued job lives in Redis: when Redis loses data, or the worker dies holding the job (arq leaves it
claimed until its timeout runs out), the order stays uninvoiced. This sweep does not trust the queue: it
asks PostgreSQL for orders that are due (paid, or delivered/completed, and not cancelled) with no original
invoice, left alone for a grace period (the normal job is usually done in milliseconds), and issues each
directly. `issue_for_order` takes the order's row lock and the partial unique index on originals, so the
sweep, a late job and a second worker can race and one invoice results.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import exists, or_, select

from app.db.models import Invoice, Order
from app.invoices._issue import FINAL_STATES, issue_for_order
from app.lib.deps import ScopedService

log = logging.getLogger(__name__)

# The job normally issues within milliseconds of the trigger; past this it was lost or is stuck.
GRACE_SECONDS = 20
# Orders are paid or handed over within hours of being made; the window keeps the sweep an index range.
LOOKBACK = dt.timedelta(days=3)
BATCH = 200


class InvoiceRepair(ScopedService):
    async def issue_missing(self, *, grace_seconds: float = GRACE_SECONDS) -> int:
        """Issue the invoice of every due order that has none; returns how many were issued."""
        now = dt.datetime.now(dt.UTC)
        due = (
            select(Order.id)
            .where(
                Order.created_at > now - LOOKBACK,
                Order.updated_at < now - dt.timedelta(seconds=grace_seconds),
                Order.state != "cancelled",
                or_(Order.payment_status == "paid", Order.state.in_(sorted(FINAL_STATES))),
                ~exists().where(Invoice.order_id == Order.id, Invoice.kind == "invoice"),
            )
            .order_by(Order.created_at)
            .limit(BATCH)
        )
        order_ids = list((await self.session.scalars(due)).all())
        await self.session.rollback()
        issued = 0
        for order_id in order_ids:
            result = await issue_for_order(self.session, self.redis, self.keys, self.bus, order_id=order_id)
            if result.outcome == "issued":
                issued += 1
                log.warning(
                    "invoice issued by the repair sweep (its job was lost or late)",
                    extra={"order_id": str(order_id), "number": result.number_text},
                )
        return issued

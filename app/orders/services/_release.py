"""Releasing scheduled orders when their slot comes within the branch's lead time (worker cron)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.db.models import (
    Branch,
    Order,
)
from app.lib.redis import hset
from app.orders.services._base import OrderServiceBase
from app.orders.states import (
    SYSTEM,
    Channel,
    State,
)

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

TICKET_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-4c1e-8a52-3d0f6b9e2c11")
MANUAL_PRICE_ROLES = ("manager",)
LIST_LIMIT = 100
_order_decoder = msgspec.json.Decoder(dict[str, Any])


class ReleaseMixin(OrderServiceBase):
    # ------------------------------------------------------------------ scheduled orders

    async def release_due(self, *, now: dt.datetime | None = None, limit: int = 200) -> int:
        """Move scheduled orders whose slot is within the branch's lead time to `received` (worker cron)."""
        now = now or dt.datetime.now(dt.UTC)
        due = (
            await self.session.scalars(
                select(Order)
                .join(Branch, Branch.id == Order.branch_id)
                .where(
                    Order.state == State.SCHEDULED.value,
                    Order.slot_start - func.make_interval(0, 0, 0, 0, 0, Branch.schedule_lead_minutes) <= now,
                )
                .order_by(Order.slot_start)
                .limit(limit)
                .with_for_update(of=Order, skip_locked=True)
                .options(selectinload(Order.lines))
            )
        ).all()
        released = 0
        for order in due:
            tickets = await self._tickets(order.id)
            if not tickets:
                order.token = await self._next_token(
                    order.branch_id, order.business_date, Channel(order.channel)
                )
                tickets = self._split_tickets(order, order.lines)
                self.session.add_all(tickets)
            await self.session.flush()
            specs = self.ticket_specs(order, order.lines, tickets)
            await self.session.commit()
            # The token joins the hot state before the move, so the event carries it.
            await hset(
                self.redis,
                self.keys.order(order.branch_id, str(order.id)),
                {"token": "" if order.token is None else str(order.token)},
            )
            reply = await self.machine.transition(
                branch_id=order.branch_id,
                order_id=str(order.id),
                to=State.RECEIVED,
                expected_version=None,
                roles=(SYSTEM,),
                guard={"reason": "slot due"},
            )
            if reply.outcome == "ok" or reply.state == State.RECEIVED.value:
                await self.machine.add_tickets(
                    branch_id=order.branch_id, order_id=str(order.id), tickets=specs
                )
                released += reply.outcome == "ok"
            else:
                log.warning(
                    "scheduled order not released",
                    extra={"order_id": str(order.id), "outcome": reply.outcome},
                )
        return released

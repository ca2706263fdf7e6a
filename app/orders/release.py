"""Releasing scheduled orders when their slot comes within the branch's lead time (worker cron).

Each due order gets its tickets (and, if it was stored before every order got its token when created, its
token) in PostgreSQL, then moves `scheduled → received` through the door
as the server itself, then its tickets reach the kitchen. The token is taken as a sale's is (`take_token`):
the branch's daily counter row is locked for that one statement, never for the release's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.db import raw
from app.db.models import Branch, Order
from app.lib.deps import ScopedService
from app.lib.redis import hset
from app.orders._announce import announce_tickets
from app.orders._create import split_tickets
from app.orders._sql import take_token
from app.orders.door import Door, Move, MoveRefusedError
from app.orders.lookups import tickets_of
from app.orders.states import SYSTEM, State

if TYPE_CHECKING:
    from app.lib.deps import Scope

log = logging.getLogger(__name__)


class Release(ScopedService):
    def __init__(self, scope: Scope) -> None:
        super().__init__(scope)
        self.engine = scope.runtime.engine
        self.door = scope.get(Door)

    async def release_due(self, *, now: dt.datetime | None = None, limit: int = 200) -> int:
        """Move scheduled orders whose slot is within the branch's lead time to `received`."""
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
                .with_for_update(of=Order, skip_locked=True, key_share=True)
                .options(selectinload(Order.lines))
            )
        ).all()
        released = 0
        for order in due:
            tickets = await tickets_of(self.session, order.id)
            if not tickets:
                # Orders get their token when created; one stored before that gets it now.
                if order.token is None:
                    order.token = await self._next_token(order)
                tickets = split_tickets(order, order.lines)
                self.session.add_all(tickets)
            await self.session.flush()
            lines = list(order.lines)
            await self.session.commit()
            # The token joins the hot state before the move, so the event carries it.
            await hset(
                self.redis,
                self.keys.order(order.branch_id, str(order.id)),
                {"token": "" if order.token is None else str(order.token)},
            )
            try:
                await self.door.move(
                    Move(
                        branch_id=order.branch_id,
                        order_ids=(order.id,),
                        to=State.RECEIVED,
                        roles=(SYSTEM,),
                        actor=None,
                        reason="slot due",
                    )
                )
                released += 1
            except MoveRefusedError as refused:
                if refused.reply.state != State.RECEIVED.value:
                    log.warning(
                        "scheduled order not released",
                        extra={"order_id": str(order.id), "outcome": refused.reply.outcome},
                    )
                    continue
            # Released now, or by an earlier run that died before its tickets: they reach the kitchen once.
            await announce_tickets(self.door.machine, self.bus, order, lines, tickets)
        return released

    async def _next_token(self, order: Order) -> int | None:
        async with raw.connection(self.engine) as conn:
            return await take_token(conn, branch_id=order.branch_id, business_date=order.business_date)

"""The order repair (part of the worker's repair cron): orders PostgreSQL committed that never reached the
hot state.

Making an order is its PostgreSQL commit, then its Redis init (hash, kanban index, tickets, and the
`order.created` / `ticket.created` events, one atomic Lua step). A web process killed between the two
leaves an order no screen shows and no transition can move. A till replaying the sale heals it (the
create path re-announces), but a sale that was answered before the crash is never replayed. This finds
every open order still at version 1 (it never moved: nothing could move it without its hot state) whose
hash is missing, and announces it exactly as the create path does — `init_order` is idempotent, so a
late original announcement or a second sweep adds nothing twice.

An open order past version 1 without a hash is not a half-made order but Redis having lost data: that is
`passline rebuild`'s work (it restores the state those moves reached), so it is only counted and logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db.models import Order
from app.lib.deps import ScopedService
from app.orders._announce import announce_new
from app.orders.door import Door
from app.orders.lookups import customer_of, exponent_of, tickets_of
from app.orders.states import TERMINAL

log = logging.getLogger(__name__)

GRACE_SECONDS = 30
BATCH = 500


class OrderRepair(ScopedService):
    async def announce_missing(self, *, grace_seconds: float = GRACE_SECONDS) -> dict[str, int]:
        """Put every committed, never-announced open order into the hot state; returns the counts."""
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=grace_seconds)
        missing: list[tuple[uuid.UUID, int]] = []
        after: uuid.UUID | None = None
        while True:  # every open order, a page at a time (keyset on id, as the rebuild pages)
            query = (
                select(Order)
                .where(Order.state.not_in([s.value for s in TERMINAL]), Order.created_at < cutoff)
                .order_by(Order.id)
                .limit(BATCH)
            )
            if after is not None:
                query = query.where(Order.id > after)
            orders = list((await self.session.scalars(query)).all())
            if not orders:
                break
            async with self.redis.pipeline(transaction=False) as pipe:
                for order in orders:
                    pipe.exists(self.keys.order(order.branch_id, str(order.id)))
                present = await pipe.execute()
            missing += [(o.id, o.version) for o, there in zip(orders, present, strict=True) if not there]
            after = orders[-1].id
            self.session.expunge_all()  # a page at a time in memory too
        counts = {"orders_announced": 0, "orders_need_rebuild": 0}
        machine = self.scope.get(Door).machine
        for order_id, version in missing:
            if version != 1:
                counts["orders_need_rebuild"] += 1
                continue
            full = await self.session.get(Order, order_id, options=[selectinload(Order.lines)])
            assert full is not None
            await announce_new(
                machine,
                self.bus,
                full,
                list(full.lines),
                await tickets_of(self.session, full.id),
                customer=await customer_of(self.session, full.customer_id),
                exponent=await exponent_of(self.session, full.branch_id),
            )
            counts["orders_announced"] += 1
            log.warning(
                "order announced by the repair sweep (committed, never put into the hot state)",
                extra={"order_id": str(full.id), "branch_id": full.branch_id},
            )
        if counts["orders_need_rebuild"]:
            log.error(
                "open orders moved past version 1 are missing from Redis: run `passline rebuild`",
                extra={"count": counts["orders_need_rebuild"]},
            )
        await self.session.rollback()
        return counts

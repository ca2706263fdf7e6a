"""The road repair (a worker cron): road moves committed in PostgreSQL that never reached Redis.

A road move commits first and moves in Redis second (`_road.py`). If the process dies or Redis fails in
between, PostgreSQL holds a delivery that Redis does not show (or a finished delivery whose order is still
on the road in Redis). Every minute this finds such rows older than a grace period and, under the order's
road lock (skipping an order someone is moving right now):
- a dispatch whose order can still go out: moves it, then announces it like the dispatch would have;
- a dispatch whose order can no longer go out (cancelled meanwhile): undoes it (`_undo_dispatch`);
- a finished delivery whose order is still out for delivery: moves the order to delivered / returned.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from app.db.models import Delivery, Order
from app.lib.errors import ApiError
from app.orders import road_lock
from app.orders.services._dispatch import DispatchMixin
from app.orders.services._road import ACTIVE_DELIVERY
from app.orders.states import State

log = logging.getLogger(__name__)

GRACE_SECONDS = 30
BATCH = 100
# The repair finishes what a manager (dispatch, return) or a courier (delivered) started.
REPAIR_ROLES = ("manager",)
FINISHED = {"delivered": State.DELIVERED, "returned": State.RETURNED}


class RoadRepairMixin(DispatchMixin):
    async def repair_road(self, *, grace_seconds: float = GRACE_SECONDS) -> dict[str, int]:
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=grace_seconds)
        counts = {"moved": 0, "undone": 0, "finished": 0}
        on_the_road = (
            await self.session.scalars(
                select(Delivery.id)
                .join(Order, Order.id == Delivery.order_id)
                .where(
                    Delivery.state.in_(ACTIVE_DELIVERY),
                    Order.state != State.OUT_FOR_DELIVERY.value,
                    Delivery.created_at < cutoff,
                )
                .order_by(Delivery.created_at)
                .limit(BATCH)
            )
        ).all()
        active = aliased(Delivery)
        off_the_road = (
            await self.session.scalars(
                select(Delivery.id)
                .join(Order, Order.id == Delivery.order_id)
                .where(
                    Delivery.state.in_(tuple(FINISHED)),
                    Order.state == State.OUT_FOR_DELIVERY.value,
                    func.coalesce(Delivery.delivered_at, Delivery.returned_at) < cutoff,
                    ~exists().where(active.order_id == Delivery.order_id, active.state.in_(ACTIVE_DELIVERY)),
                )
                .limit(BATCH)
            )
        ).all()
        await self.session.rollback()
        for delivery_id in on_the_road:
            outcome = await self._repair_one(delivery_id)
            if outcome in counts:
                counts[outcome] += 1
        for delivery_id in off_the_road:
            outcome = await self._repair_one(delivery_id)
            if outcome in counts:
                counts[outcome] += 1
        return counts

    async def _repair_one(self, delivery_id: uuid.UUID) -> str | None:
        delivery = await self.session.get(Delivery, delivery_id, populate_existing=True)
        if delivery is None:
            return None
        key = self.keys.road_lock(delivery.branch_id, str(delivery.order_id))
        try:
            async with road_lock.hold(self.redis, [key], wait_seconds=0):
                return await self._repair_locked(delivery_id)
        except ApiError:
            return None  # someone is moving it right now
        finally:
            await self.session.rollback()

    async def _repair_locked(self, delivery_id: uuid.UUID) -> str | None:
        delivery = await self.session.get(Delivery, delivery_id, populate_existing=True)
        order = None if delivery is None else await self.session.get(Order, delivery.order_id)
        if delivery is None or order is None:
            return None
        [live] = await self.machine.read_live(order.branch_id, [str(order.id)])
        if delivery.state in ACTIVE_DELIVERY:
            if live.state == State.OUT_FOR_DELIVERY.value:
                return None  # moved; only PostgreSQL's copy of the state lags
            return await self._repair_dispatch(order, delivery, live_state=live.state)
        target = FINISHED.get(delivery.state)
        if target is None or live.state != State.OUT_FOR_DELIVERY.value:
            return None
        return await self._repair_finish(order, delivery, target)

    async def _repair_dispatch(self, order: Order, delivery: Delivery, *, live_state: str | None) -> str:
        guard: dict[str, Any] = {
            "courier_id": delivery.courier_id,
            "settle_mode": delivery.settle_mode,
            "actor": delivery.created_by,
        }
        # The session holds no lock (plain reads), and its rows are needed for the announcement.
        [reply] = await self._move_after_commit(
            order.branch_id, [order.id], to=State.OUT_FOR_DELIVERY, roles=REPAIR_ROLES, guard=guard
        )
        if reply.outcome != "ok":
            await self._undo_dispatch([delivery.id], why=f"the order is {live_state}", actor=None)
            return "undone"
        await self._journal([reply])
        await self._announce_dispatch(order, delivery, version=reply.version or 0, actor=delivery.created_by)
        log.warning("dispatch moved by the road repair", extra={"order_id": str(order.id)})
        return "moved"

    async def _repair_finish(self, order: Order, delivery: Delivery, target: State) -> str | None:
        [reply] = await self._move_after_commit(
            order.branch_id,
            [order.id],
            to=target,
            roles=REPAIR_ROLES,
            guard={"reason": delivery.return_reason},
        )
        if reply.outcome != "ok":
            log.error("the road repair could not finish an order", extra={"order_id": str(order.id)})
            return None
        await self._journal([reply])
        log.warning("finished delivery moved by the road repair", extra={"order_id": str(order.id)})
        return "finished"

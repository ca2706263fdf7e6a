"""The road repair (a worker cron): road moves committed in PostgreSQL that never reached Redis.

A road move commits its effects first and moves in Redis second (flows.py). If the process dies or Redis
fails in between, PostgreSQL holds a delivery that Redis does not show (or a finished delivery whose order
is still on the road in Redis). Every minute this finds such rows older than a grace period and, under the
order's road lock (skipping an order someone is moving right now), finishes the move through the door
exactly as the flow would have — the invoice follow-up, `courier.assigned`, `settlement.completed` and
`payment.collected` included — or undoes it:
- a dispatch whose order can still go out: moves it and announces it;
- a dispatch whose order can no longer go out (cancelled meanwhile): undoes it (`undo_dispatch`);
- a finished delivery whose order is still out for delivery: moves the order to delivered / returned.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Self

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from app.db.models import Delivery, Order, Payment
from app.dispatch import cash_on_delivery, ledger, road_lock
from app.dispatch._plan import ACTIVE_DELIVERY
from app.dispatch.flows import DispatchFlows
from app.events import money as money_events
from app.events import road as road_events
from app.lib.errors import ApiError
from app.lib.money import money
from app.orders import Door, Move, Moved, MoveRefusedError, exponent_of
from app.orders.states import State

if TYPE_CHECKING:
    from app.db.session import Session
    from app.events import Outbox
    from app.lib.deps import Scope
    from app.orders.machine import TransitionReply

log = logging.getLogger(__name__)

GRACE_SECONDS = 30
BATCH = 100
# The repair finishes what a manager (dispatch, return) or a courier (delivered) started.
REPAIR_ROLES = ("manager",)
FINISHED = {"delivered": State.DELIVERED, "returned": State.RETURNED}


class RoadRepair:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.session: Session = scope.session
        self.redis = scope.redis
        self.keys = scope.keys
        self.door = scope.get(Door)
        self.flows = scope.get(DispatchFlows)

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope)

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
        for delivery_id in (*on_the_road, *off_the_road):
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
            hold_ms = self.scope.settings.dispatch.road_lock_hold_ms
            async with road_lock.hold(self.redis, self.scope.lua, [key], wait_seconds=0, hold_ms=hold_ms):
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
        [live] = await self.door.machine.read_live(order.branch_id, [str(order.id)])
        if delivery.state in ACTIVE_DELIVERY:
            if live.state == State.OUT_FOR_DELIVERY.value:
                return None  # moved; only PostgreSQL's copy of the state lags
            return await self._repair_dispatch(order, delivery, live_state=live.state)
        target = FINISHED.get(delivery.state)
        if target is None or live.state != State.OUT_FOR_DELIVERY.value:
            return None
        return await self._repair_finish(order, delivery, target)

    async def _repair_dispatch(self, order: Order, delivery: Delivery, *, live_state: str | None) -> str:
        committed = _Committed(self, order, delivery, live_state=live_state)
        try:
            await self.door.move(
                Move(
                    branch_id=order.branch_id,
                    order_ids=(order.id,),
                    to=State.OUT_FOR_DELIVERY,
                    roles=REPAIR_ROLES,
                    actor=delivery.created_by,
                    courier_id=delivery.courier_id,
                    settle_mode=delivery.settle_mode,
                ),
                effects=committed,
                after=committed.announce,
            )
        except MoveRefusedError as refused:
            # Refused before the door got to the effects (the precheck) or after: undone either way.
            await committed.undo(refused.reply)
            return "undone"
        log.warning("dispatch moved by the road repair", extra={"order_id": str(order.id)})
        return "moved"

    async def _repair_finish(self, order: Order, delivery: Delivery, target: State) -> str | None:
        committed = _Committed(self, order, delivery, live_state=State.OUT_FOR_DELIVERY.value)
        try:
            await self.door.move(
                Move(
                    branch_id=order.branch_id,
                    order_ids=(order.id,),
                    to=target,
                    roles=REPAIR_ROLES,
                    actor=delivery.created_by,
                    reason=delivery.return_reason,
                ),
                effects=committed,
                after=committed.announce,
            )
        except MoveRefusedError:
            log.error("the road repair could not finish an order", extra={"order_id": str(order.id)})
            return None
        log.warning("finished delivery moved by the road repair", extra={"order_id": str(order.id)})
        return "finished"


class _Committed:
    """Effects already committed by the flow that died: nothing to write; undone if the move is refused;
    announced as the flow would have."""

    def __init__(
        self, repair: RoadRepair, order: Order, delivery: Delivery, *, live_state: str | None
    ) -> None:
        self.repair = repair
        self.order = order
        self.delivery = delivery
        self.live_state = live_state
        self.undone = False

    async def write(self, news: Outbox) -> None:
        """Nothing: the flow that died committed it all (the session only read the rows, holding no lock)."""

    async def undo(self, refusal: TransitionReply) -> None:
        if self.delivery.state in ACTIVE_DELIVERY and not self.undone:
            self.undone = True
            await self.repair.flows.undo_dispatch(
                [self.delivery.id], why=f"the order is {self.live_state}", actor=None
            )

    async def announce(self, session: Session, moved: Sequence[Moved], news: Outbox) -> None:
        order, delivery = self.order, self.delivery
        exponent = await exponent_of(session, order.branch_id)
        if delivery.state in ACTIVE_DELIVERY:
            assigned = await self.repair.flows.courier_assigned(
                order, delivery, version=moved[0].version, actor=delivery.created_by
            )
            news.add(order.branch_id, road_events.COURIER_ASSIGNED, assigned, order_id=str(order.id))
            kind = "dispatch"
        else:
            kind = "return"
            await self._announce_payment(session, news, exponent)
        settlement = await ledger.settlement_event(
            session, ledger.derived_settlement_id(kind, delivery.id), exponent=exponent, order_id=order.id
        )
        if settlement is not None:
            news.add(order.branch_id, money_events.SETTLEMENT_COMPLETED, settlement, order_id=str(order.id))

    async def _announce_payment(self, session: Session, news: Outbox, exponent: int) -> None:
        """A delivery's cash on delivery, as `payment.collected` (its status by sequence into the hash)."""
        payment = await session.get(Payment, cash_on_delivery.payment_id_for(self.delivery.id))
        order = await session.get(Order, self.order.id, populate_existing=True)
        if payment is None or order is None:
            return
        change = money_events.PaymentChanged(
            order_id=str(order.id),
            payment_id=str(payment.id),
            method=payment.method,
            amount=str(money(payment.amount, exponent)),
            payment_status=order.payment_status,
            paid_total=str(money(order.paid_total, exponent)),
            balance=str(money(max(order.total - order.paid_total, ledger.ZERO), exponent)),
            seq=order.payment_seq,
            token=order.token,
            actor=payment.created_by,
        )
        scope, branch_id = self.repair.scope, order.branch_id

        async def collected() -> None:
            await cash_on_delivery.announce(scope, branch_id=branch_id, change=change)

        news.later(collected)

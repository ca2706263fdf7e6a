"""Dispatch: handing orders to a courier (DESIGN §4, §6), one order or several as a trip, all or nothing.

Under the orders' road locks: the plan's checks (`_dispatch_plan.py`) and the Redis precheck, then the
trip, the deliveries, their courier transactions and (settling now) the dispatch settlements with their
cash movements, audited, in one PostgreSQL transaction; commit; then the Redis move and the events
(`_road.py` explains the order of things). Two managers dispatching one order: the second waits on the
road lock, then finds the first's delivery and gets 409 — nothing of theirs is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db.models import CourierTransaction, Delivery, Order, Trip
from app.dispatch import ledger
from app.dispatch.schemas import DispatchOut, SettleMode
from app.lib import audit
from app.lib.errors import unprocessable
from app.orders import events as ev
from app.orders.machine import TransitionReply
from app.orders.schemas import TransitionIn, TransitionOut
from app.orders.services._deliveries import DeliveryMixin
from app.orders.services._dispatch_plan import DispatchPlanMixin
from app.orders.services._road import ACTIVE_DELIVERY
from app.orders.states import State

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

log = logging.getLogger(__name__)


class DispatchMixin(DeliveryMixin, DispatchPlanMixin):
    """Routes the road transitions (out_for_delivery, delivered, returned) of `transition()` through the
    road path; every other move is TransitionMixin's."""

    async def transition(
        self, *, order_id: uuid.UUID, request: TransitionIn, actor: SessionUser
    ) -> TransitionOut:
        if request.cash_collected is not None and request.to is not State.DELIVERED:
            raise unprocessable("cash_collected", "only a delivered order records the cash collected")
        if request.to is State.OUT_FOR_DELIVERY:
            out = await self.dispatch(
                order_ids=[order_id],
                courier_id=request.courier_id,
                settle_mode=request.settle_mode,
                trip_id=None,
                expected_version=request.expected_version,
                actor=actor,
                field="to",
            )
            moved = out.orders[0]
            assert moved.version is not None
            assert moved.event_id is not None
            return TransitionOut(
                order_id=order_id,
                from_state=moved.from_state or "",
                state=moved.state,
                version=moved.version,
                event_id=moved.event_id,
            )
        if request.to in (State.DELIVERED, State.RETURNED):
            moved_off, _ = await self.finish_delivery(
                order_id=order_id,
                to=request.to,
                cash_collected=request.cash_collected,
                reason=request.reason,
                expected_version=request.expected_version,
                actor=actor,
            )
            return moved_off
        return await super().transition(order_id=order_id, request=request, actor=actor)

    async def dispatch(
        self,
        *,
        order_ids: Sequence[uuid.UUID],
        courier_id: int | None,
        settle_mode: SettleMode | None,
        trip_id: uuid.UUID | None,
        expected_version: int | None,
        actor: SessionUser,
        field: str = "order_ids",
    ) -> DispatchOut:
        """Hand orders to a courier: one order (a transition), or several as one trip, all or nothing."""
        if len(set(order_ids)) != len(order_ids):
            raise unprocessable("order_ids", "an order appears twice")
        async with self._road_locked(order_ids, actor):
            orders, courier_id, settle_mode = await self._dispatch_request(
                order_ids, courier_id, settle_mode, actor=actor, field=field
            )
            branch_id = orders[0].branch_id
            if trip_id is not None:
                replayed = await self._replayed_trip(trip_id, orders, courier_id, settle_mode)
                if replayed is not None:
                    return replayed
            await self._check_courier(courier_id, branch_id)
            await self._refuse_if_on_the_road(orders)
            guard = {"courier_id": courier_id, "settle_mode": settle_mode, "actor": actor.user_id}
            ids = [o.id for o in orders]
            await self._check_moves(
                branch_id,
                ids,
                to=State.OUT_FOR_DELIVERY,
                roles=actor.roles,
                guard=guard,
                expected_version=expected_version,
            )
            deliveries, settlements = await self._write_dispatch(
                orders, courier_id=courier_id, settle_mode=settle_mode, trip_id=trip_id, actor=actor
            )
            await self.session.commit()

            replies = await self._move_after_commit(
                branch_id, ids, to=State.OUT_FOR_DELIVERY, roles=actor.roles, guard=guard
            )
            if replies[0].outcome != "ok":
                # A move that does not take the road lock (a cancel) came between our check and the move.
                await self._undo_dispatch(
                    [d.id for d in deliveries], why=f"refused after commit: {replies[0].detail}", actor=actor
                )
                raise await self._refusal(replies[0], order_id=ids[0], target=State.OUT_FOR_DELIVERY.value)
        await self._journal(replies)
        for order, delivery, reply in zip(orders, deliveries, replies, strict=True):
            await self._announce_dispatch(order, delivery, version=reply.version or 0, actor=actor.user_id)
            settlement = settlements.get(delivery.id)
            if settlement is not None:
                await self.append_event(branch_id, "settlement.completed", settlement, order_id=order.id)
        return self._dispatch_out(
            deliveries,
            settlements,
            replies=replies,
            trip_id=trip_id,
            courier_id=courier_id,
            settle_mode=settle_mode,
            replayed=False,
        )

    async def _write_dispatch(
        self,
        orders: Sequence[Order],
        *,
        courier_id: int,
        settle_mode: SettleMode,
        trip_id: uuid.UUID | None,
        actor: SessionUser,
    ) -> tuple[list[Delivery], dict[uuid.UUID, ev.SettlementCompleted]]:
        """The trip, deliveries, courier transactions, dispatch settlements and audit rows (not committed)."""
        branch_id = orders[0].branch_id
        exponent = await self._exponent(branch_id)
        if trip_id is not None:
            self.session.add(
                Trip(id=trip_id, branch_id=branch_id, courier_id=courier_id, created_by=actor.user_id)
            )
            await self.session.flush()
        deliveries = []
        for order in orders:
            charge = await ledger.charge_for(self.session, order, exponent=exponent)
            deliveries.append(
                Delivery(
                    id=uuid.uuid4(),
                    order_id=order.id,
                    branch_id=branch_id,
                    courier_id=courier_id,
                    trip_id=trip_id,
                    settle_mode=settle_mode,
                    state="assigned",
                    amount_to_collect=charge.amount_to_collect,
                    courier_fee=charge.courier_fee,
                    created_by=actor.user_id,
                )
            )
        self.session.add_all(deliveries)
        try:
            await self.session.flush()
        except IntegrityError:
            # Only the one-active-delivery index can say no here: someone dispatched it meanwhile (the
            # road lock lapsed under them).
            await self.session.rollback()
            raise await self._refusal(
                TransitionReply("conflict", State.OUT_FOR_DELIVERY.value, None, detail="illegal"),
                order_id=orders[0].id,
                target=State.OUT_FOR_DELIVERY.value,
            ) from None
        settlements: dict[uuid.UUID, ev.SettlementCompleted] = {}
        for delivery in deliveries:
            settlement = await self._charge_courier(delivery, exponent=exponent, actor=actor.user_id)
            if settlement is not None:
                settlements[delivery.id] = settlement
            audit.record(
                self.session,
                action="order.dispatched",
                entity_type="order",
                entity_id=delivery.order_id,
                actor_user_id=actor.user_id,
                branch_id=branch_id,
                data={
                    "delivery_id": str(delivery.id),
                    "courier_id": courier_id,
                    "trip_id": None if trip_id is None else str(trip_id),
                    "settle_mode": settle_mode,
                    "amount_to_collect": str(delivery.amount_to_collect),
                    "courier_fee": str(delivery.courier_fee),
                },
            )
        return deliveries, settlements

    async def _charge_courier(
        self, delivery: Delivery, *, exponent: int, actor: int
    ) -> ev.SettlementCompleted | None:
        """The delivery's transactions; settling now, the dispatch settlement squares them at once."""
        transactions = ledger.transactions_for(delivery)
        if not transactions:
            return None
        self.session.add_all(transactions)
        await self.session.flush()
        if delivery.settle_mode != "now":
            return None
        return await ledger.settle(
            self.session,
            settlement_id=ledger.derived_settlement_id("dispatch", delivery.id),
            courier_id=delivery.courier_id,
            branch_id=delivery.branch_id,
            kind="dispatch",
            transactions=transactions,
            note="settled at dispatch",
            actor=actor,
            exponent=exponent,
            order_id=delivery.order_id,
        )

    async def _announce_dispatch(
        self, order: Order, delivery: Delivery, *, version: int, actor: int | None
    ) -> None:
        """Moved: the board's card shows the courier, and the courier hears where to go."""
        await self._set_card_courier(order.branch_id, order.id, delivery.courier_id)
        customer = await self._customer(order.customer_id)
        assigned = ev.CourierAssigned(
            order_id=str(order.id),
            courier_id=delivery.courier_id,
            delivery_id=str(delivery.id),
            trip_id=None if delivery.trip_id is None else str(delivery.trip_id),
            amount_to_collect=str(delivery.amount_to_collect),
            courier_fee=str(delivery.courier_fee),
            settle_mode=delivery.settle_mode,
            address=order.delivery_address,
            slot_start=None if order.slot_start is None else order.slot_start.isoformat(),
            slot_end=None if order.slot_end is None else order.slot_end.isoformat(),
            token=order.token,
            channel=order.channel,
            customer_name=customer[0].name if customer else None,
            customer_phone=customer[1] if customer else None,
            version=version,
            actor=actor,
        )
        await self.append_event(order.branch_id, "courier.assigned", assigned, order_id=order.id)

    async def _undo_dispatch(
        self, delivery_ids: Sequence[uuid.UUID], *, why: str, actor: SessionUser | None
    ) -> None:
        """Take back a committed dispatch whose Redis move never happened (and now must not).

        Nothing of it was announced. Rows are never deleted: each delivery ends `returned` with the reason,
        its open transactions are squared by a zero-cash settlement, and cash that changed hands at
        dispatch (settle now) goes back the other way, so balances and the till are as before."""
        actor_id = None if actor is None else actor.user_id
        deliveries = (
            await self.session.scalars(
                select(Delivery)
                .where(Delivery.id.in_(delivery_ids), Delivery.state.in_(ACTIVE_DELIVERY))
                .order_by(Delivery.order_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).all()
        now = dt.datetime.now(dt.UTC)
        for delivery in deliveries:
            exponent = await self._exponent(delivery.branch_id)
            delivery.state, delivery.return_reason, delivery.returned_at = (
                "returned",
                f"dispatch undone: {why}",
                now,
            )
            transactions = (
                await self.session.scalars(
                    select(CourierTransaction)
                    .where(CourierTransaction.delivery_id == delivery.id)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            ).all()
            still_open = [t for t in transactions if t.status == "open"]
            paid = [t for t in transactions if t.status == "settled"]
            collections, fees = ledger.totals(paid)
            if still_open or paid:
                await ledger.record_settlement(
                    self.session,
                    settlement_id=ledger.derived_settlement_id("undo", delivery.id),
                    courier_id=delivery.courier_id,
                    branch_id=delivery.branch_id,
                    kind="dispatch",
                    transactions=still_open,
                    cash=fees - collections,
                    note=f"dispatch undone: {why}",
                    actor=actor_id,
                    exponent=exponent,
                    order_id=delivery.order_id,
                )
            audit.record(
                self.session,
                action="order.dispatch_undone",
                entity_type="order",
                entity_id=delivery.order_id,
                actor_user_id=actor_id,
                branch_id=delivery.branch_id,
                data={"delivery_id": str(delivery.id), "courier_id": delivery.courier_id, "why": why},
            )
        await self.session.commit()
        log.warning("dispatch undone", extra={"deliveries": [str(d) for d in delivery_ids], "why": why})

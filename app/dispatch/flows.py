"""The road moves: dispatch (one order, or several as a trip), delivered and returned (DESIGN §4, §6).

Each is a move through the orders' door with the dispatch domain's PostgreSQL work as its effects:
under the orders' road locks (road_lock.py), the plan's checks (_plan.py), then the door's precheck, then
the effects — deliveries, courier transactions, dispatch settlements, cash on delivery, audit — committed,
then the Lua move, the journal, the follow-ups and, last, the news (`courier.assigned`,
`settlement.completed`, `payment.collected`). Nothing reaches a socket before the commit; should the move be
refused after it (a cancel slipped in between: it does not take the road lock), the effects are undone;
should the process die or Redis fail in between, the road repair (repair.py) finishes or undoes the move.

Two managers dispatching one order: the second waits on the road lock, then finds the first's delivery and
gets 409 — nothing of theirs is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Self

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.db.models import Courier, CourierTransaction, Delivery, Order, Trip
from app.dispatch import cash_on_delivery, ledger, road_lock
from app.dispatch._plan import ACTIVE_DELIVERY, DISPATCHERS, ROAD_ROLES, DispatchPlan
from app.dispatch.schemas import DispatchOut, SettleMode
from app.events import money as money_events
from app.events import road as road_events
from app.lib import audit
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _
from app.lib.labels import state_code
from app.orders import (
    Door,
    Move,
    Moved,
    MoveRefusedError,
    branch_of,
    check_courier,
    customer_of,
    exponent_of,
    refusal,
    reply_refusal,
)
from app.orders.machine import TransitionReply
from app.orders.schemas import TransitionIn, TransitionOut
from app.orders.states import State
from app.payments.money import parse_amount

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.events import Outbox
    from app.events.money import PaymentChanged
    from app.lib.deps import Scope

log = logging.getLogger(__name__)


class DispatchFlows:
    """Moves onto and off the road; the orders' transitions endpoint sends them here (`ROAD_MOVES`)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.session: Session = scope.session
        self.redis = scope.redis
        self.keys = scope.keys
        self.bus = scope.bus
        self.door = scope.get(Door)
        self.plan = DispatchPlan(self.session, self.redis, self.keys)

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope)

    async def transition(
        self, *, order_id: uuid.UUID, request: TransitionIn, actor: SessionUser
    ) -> TransitionOut:
        """`POST /orders/{id}/transitions` to out_for_delivery, delivered or returned."""
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
        finished, _unused = await self.finish_delivery(
            order_id=order_id,
            to=request.to,
            cash_collected=request.cash_collected,
            extra=None,
            reason=request.reason,
            expected_version=request.expected_version,
            actor=actor,
        )
        return finished

    @asynccontextmanager
    async def road_locked(
        self, order_ids: Sequence[uuid.UUID], actor: SessionUser, *, wait_seconds: float | None = None
    ) -> AsyncIterator[None]:
        """Hold the road lock of every order (404 for one the actor cannot see, before waiting)."""
        keys = [
            self.keys.road_lock(await branch_of(self.session, self.redis, self.keys, o, actor), str(o))
            for o in order_ids
        ]
        wait = road_lock.WAIT_SECONDS if wait_seconds is None else wait_seconds
        hold_ms = self.scope.settings.dispatch.road_lock_hold_ms
        async with road_lock.hold(self.redis, self.scope.lua, keys, wait_seconds=wait, hold_ms=hold_ms):
            yield

    # ------------------------------------------------------------------ onto the road

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
            raise unprocessable("order_ids", _("an order appears twice"))
        async with self.road_locked(order_ids, actor):
            orders, courier_id, settle_mode = await self.plan.request(
                order_ids, courier_id, settle_mode, actor=actor, field=field
            )
            branch_id = orders[0].branch_id
            if trip_id is not None:
                replayed = await self.plan.replayed_trip(trip_id, orders, courier_id, settle_mode)
                if replayed is not None:
                    return replayed
            await check_courier(self.session, courier_id, branch_id)
            await self.plan.refuse_if_on_the_road(orders)
            effects = _Dispatching(
                self, orders, courier_id=courier_id, settle_mode=settle_mode, trip_id=trip_id, actor=actor
            )
            try:
                moved = await self.door.move(
                    Move(
                        branch_id=branch_id,
                        order_ids=tuple(o.id for o in orders),
                        to=State.OUT_FOR_DELIVERY,
                        roles=actor.roles,
                        actor=actor.user_id,
                        expected_version=expected_version,
                        courier_id=courier_id,
                        settle_mode=settle_mode,
                    ),
                    effects=effects,
                    after=effects.announce,
                )
            except MoveRefusedError as refused:
                await self.session.rollback()
                raise await refusal(self.session, refused) from None
        return self.plan.out(
            effects.deliveries,
            effects.settlements,
            made=moved,
            trip_id=trip_id,
            courier_id=courier_id,
            settle_mode=settle_mode,
            replayed=False,
        )

    async def undo_dispatch(
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
            exponent = await exponent_of(self.session, delivery.branch_id)
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
            prepaid = ledger.totals(paid)
            if still_open or paid:
                await ledger.record_settlement(
                    self.session,
                    settlement_id=ledger.derived_settlement_id("undo", delivery.id),
                    courier_id=delivery.courier_id,
                    branch_id=delivery.branch_id,
                    kind="dispatch",
                    transactions=still_open,
                    cash=-prepaid.net,
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

    async def courier_assigned(
        self, order: Order, delivery: Delivery, *, version: int, actor: int | None
    ) -> road_events.CourierAssigned:
        """What the courier hears: where to go, whom to call, what to collect."""
        customer = await customer_of(self.session, order.customer_id)
        return road_events.CourierAssigned(
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

    # ------------------------------------------------------------------ off the road

    async def finish_delivery(
        self,
        *,
        order_id: uuid.UUID,
        to: State,
        cash_collected: object | None,
        reason: str | None,
        expected_version: int | None,
        actor: SessionUser,
        extra: str | None = None,
    ) -> tuple[TransitionOut, Delivery | None]:
        """`out_for_delivery → delivered` (cash collected, which pays the order) or `→ returned` (a reason;
        the money per the return policy in app/dispatch/__init__.py). A courier may only finish their own
        (404 otherwise). Returns the move and the delivery it finished (None for an order on the road
        without one)."""
        async with self.road_locked([order_id], actor):
            branch_id = await branch_of(self.session, self.redis, self.keys, order_id, actor)
            order, delivery = await self._lock_for_finish(order_id, to=to, actor=actor)
            exponent = await exponent_of(self.session, branch_id)
            if to is State.RETURNED and not reason:
                raise unprocessable("reason", _("moving to returned needs reason"))
            if to is State.RETURNED and cash_collected is not None:
                raise unprocessable("cash_collected", _("only a delivered order records the cash collected"))
            if to is State.RETURNED and extra is not None:
                raise unprocessable("extra", _("only a delivered order records the cash collected"))
            cash = (
                None
                if cash_collected is None
                else parse_amount(cash_collected, field="cash_collected", exponent=exponent, allow_zero=True)
            )
            handover = None
            if to is State.DELIVERED and delivery is not None:
                handover = cash_on_delivery.count(
                    cash=cash,
                    extra=extra,
                    to_collect=delivery.amount_to_collect,
                    order=order,
                    exponent=exponent,
                )
            effects = _Finishing(
                self, order, delivery, to=to, handover=handover, reason=reason, exponent=exponent, actor=actor
            )
            try:
                [moved] = await self.door.move(
                    Move(
                        branch_id=branch_id,
                        order_ids=(order_id,),
                        to=to,
                        roles=actor.roles,
                        actor=actor.user_id,
                        expected_version=expected_version,
                        reason=reason,
                    ),
                    effects=effects,
                    after=effects.announce,
                )
            except MoveRefusedError as refused:
                await self.session.rollback()
                raise await refusal(self.session, refused) from None
        out = TransitionOut(
            order_id=order_id,
            from_state=moved.from_state,
            state=moved.state,
            version=moved.version,
            event_id=moved.event_id,
        )
        return out, delivery

    async def _lock_for_finish(
        self, order_id: uuid.UUID, *, to: State, actor: SessionUser
    ) -> tuple[Order, Delivery | None]:
        """The order row and its delivery on the road, locked; 403/404 for someone not to finish it."""
        order = (
            await self.session.scalars(
                select(Order)
                .where(Order.id == order_id)
                .with_for_update(key_share=True)
                .execution_options(populate_existing=True)
            )
        ).one()
        delivery = (
            await self.session.scalars(
                select(Delivery)
                .where(Delivery.order_id == order_id, Delivery.state.in_(ACTIVE_DELIVERY))
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).first()
        if not actor.has_role(*DISPATCHERS):
            if not actor.has_role(*ROAD_ROLES):
                await self.session.rollback()
                raise PermissionDeniedException(
                    detail=_("Your role may not move an order to %(to_value)s", to_value=state_code(to.value))
                )
            mine = await self.session.scalar(select(Courier.id).where(Courier.user_id == actor.user_id))
            if delivery is None or mine is None or delivery.courier_id != mine:
                await self.session.rollback()
                raise NotFoundException(detail=_("Order not found"))
        return order, delivery

    async def had_delivery(self, order_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(Delivery.order_id == order_id))))

    async def unwind_return(
        self, delivery: Delivery, *, exponent: int, actor: int | None
    ) -> money_events.SettlementCompleted | None:
        """The money of a returned delivery (policy in app/dispatch/__init__.py): the courier collected
        nothing, so the collection goes; the fee stays, the ride was made.

        Still open (settled later): the collection is voided by a return settlement that moves no cash.
        Already settled (at dispatch, or by a settlement since): the courier paid it to the branch, so the
        branch hands it back (a return settlement of -collection, cash out of the till)."""
        collection = (
            await self.session.scalars(
                select(CourierTransaction)
                .where(CourierTransaction.delivery_id == delivery.id, CourierTransaction.kind == "collection")
                .with_for_update()
            )
        ).first()
        if collection is None:
            return None
        if collection.status == "open":
            voided, cash, note = [collection], ledger.ZERO, "returned, collection voided"
        else:
            voided, cash, note = [], -collection.amount, "returned, prepaid collection handed back"
        return await ledger.record_settlement(
            self.session,
            settlement_id=ledger.derived_settlement_id("return", delivery.id),
            courier_id=delivery.courier_id,
            branch_id=delivery.branch_id,
            kind="dispatch",
            transactions=voided,
            cash=cash,
            note=f"{note}: {delivery.return_reason}",
            actor=actor,
            exponent=exponent,
            order_id=delivery.order_id,
        )


def audit_finish(session: Session, delivery: Delivery, *, reason: str | None, actor: int | None) -> None:
    audit.record(
        session,
        action=f"delivery.{delivery.state}",
        entity_type="delivery",
        entity_id=delivery.id,
        actor_user_id=actor,
        branch_id=delivery.branch_id,
        data={
            "order_id": str(delivery.order_id),
            "courier_id": delivery.courier_id,
            "amount_to_collect": str(delivery.amount_to_collect),
            "cash_collected": None if delivery.cash_collected is None else str(delivery.cash_collected),
            "tip": str(delivery.tip or 0),
            # A courier who took less (or more) than charged, tips aside: visible here for the manager, and
            # squared in their ledger (a shortfall or a further collection).
            "difference": None
            if delivery.cash_collected is None
            else str(delivery.cash_collected - (delivery.tip or 0) - delivery.amount_to_collect),
            "reason": reason,
        },
    )


def mark_delivered(delivery: Delivery, cash: Decimal) -> None:
    delivery.state, delivery.cash_collected = "delivered", cash
    delivery.delivered_at = dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------------- the door's effects


class _Dispatching:
    """A dispatch's PostgreSQL work: the trip, deliveries, courier transactions, dispatch settlements and
    audit rows, committed before the move; undone when the move is refused after it."""

    def __init__(
        self,
        flows: DispatchFlows,
        orders: Sequence[Order],
        *,
        courier_id: int,
        settle_mode: SettleMode,
        trip_id: uuid.UUID | None,
        actor: SessionUser,
    ) -> None:
        self.flows = flows
        self.session = flows.session
        self.orders = orders
        self.courier_id = courier_id
        self.settle_mode = settle_mode
        self.trip_id = trip_id
        self.actor = actor
        self.deliveries: list[Delivery] = []
        self.settlements: dict[uuid.UUID, money_events.SettlementCompleted] = {}

    async def write(self, news: Outbox) -> None:
        branch_id = self.orders[0].branch_id
        exponent = await exponent_of(self.session, branch_id)
        if self.trip_id is not None:
            self.session.add(
                Trip(
                    id=self.trip_id,
                    branch_id=branch_id,
                    courier_id=self.courier_id,
                    created_by=self.actor.user_id,
                )
            )
            await self.session.flush()
        for order in self.orders:
            charge = await ledger.charge_for(self.session, order, exponent=exponent)
            self.deliveries.append(
                Delivery(
                    id=uuid.uuid4(),
                    order_id=order.id,
                    branch_id=branch_id,
                    courier_id=self.courier_id,
                    trip_id=self.trip_id,
                    settle_mode=self.settle_mode,
                    state="assigned",
                    amount_to_collect=charge.amount_to_collect,
                    courier_fee=charge.courier_fee,
                    tip=ledger.ZERO,
                    created_by=self.actor.user_id,
                )
            )
        self.session.add_all(self.deliveries)
        try:
            await self.session.flush()
        except IntegrityError:
            # Only the one-active-delivery index can say no here: someone dispatched it meanwhile (the
            # road lock lapsed under them).
            await self.session.rollback()
            raise MoveRefusedError(
                TransitionReply("conflict", State.OUT_FOR_DELIVERY.value, None, detail="illegal"),
                order_id=self.orders[0].id,
                to=State.OUT_FOR_DELIVERY,
            ) from None
        for delivery in self.deliveries:
            settlement = await self._charge_courier(delivery, exponent=exponent)
            if settlement is not None:
                self.settlements[delivery.id] = settlement
            audit.record(
                self.session,
                action="order.dispatched",
                entity_type="order",
                entity_id=delivery.order_id,
                actor_user_id=self.actor.user_id,
                branch_id=branch_id,
                data={
                    "delivery_id": str(delivery.id),
                    "courier_id": self.courier_id,
                    "trip_id": None if self.trip_id is None else str(self.trip_id),
                    "settle_mode": self.settle_mode,
                    "amount_to_collect": str(delivery.amount_to_collect),
                    "courier_fee": str(delivery.courier_fee),
                },
            )
        await self.session.commit()

    async def _charge_courier(
        self, delivery: Delivery, *, exponent: int
    ) -> money_events.SettlementCompleted | None:
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
            actor=self.actor.user_id,
            exponent=exponent,
            order_id=delivery.order_id,
        )

    async def undo(self, refusal: TransitionReply) -> None:
        # A move that does not take the road lock (a cancel) came between the precheck and the move.
        await self.flows.undo_dispatch(
            [d.id for d in self.deliveries], why=f"refused after commit: {refusal.detail}", actor=self.actor
        )

    async def announce(self, session: Session, moved: Sequence[Moved], news: Outbox) -> None:
        """Moved: the courier hears where to go; a settlement made now is news too."""
        for order, delivery, done in zip(self.orders, self.deliveries, moved, strict=True):
            assigned = await self.flows.courier_assigned(
                order, delivery, version=done.version, actor=self.actor.user_id
            )
            news.add(order.branch_id, road_events.COURIER_ASSIGNED, assigned, order_id=str(order.id))
            settlement = self.settlements.get(delivery.id)
            if settlement is not None:
                news.add(
                    order.branch_id, money_events.SETTLEMENT_COMPLETED, settlement, order_id=str(order.id)
                )


class _Finishing:
    """A delivery's end in PostgreSQL: delivered (cash collected, which may pay the order) or returned
    (the collection unwound), audited and committed before the move."""

    def __init__(
        self,
        flows: DispatchFlows,
        order: Order,
        delivery: Delivery | None,
        *,
        to: State,
        handover: cash_on_delivery.Handover | None,
        reason: str | None,
        exponent: int,
        actor: SessionUser,
    ) -> None:
        self.flows = flows
        self.session = flows.session
        self.order = order
        self.delivery = delivery
        self.to = to
        self.handover = handover
        self.reason = reason
        self.exponent = exponent
        self.actor = actor
        self.settlement: money_events.SettlementCompleted | None = None
        self.payment: PaymentChanged | None = None

    async def write(self, news: Outbox) -> None:
        delivery = self.delivery
        if delivery is None and await self.flows.had_delivery(self.order.id):
            # Its last delivery was finished but the order never followed in Redis (a crash between the
            # commit and the move): the repair job moves it; nothing to finish here.
            await self.session.rollback()
            raise conflict(_("This order's delivery is already finished"), reason="illegal")
        if delivery is not None:
            if self.to is State.DELIVERED:
                handover = self.handover
                assert handover is not None  # counted for every delivered delivery
                mark_delivered(delivery, handover.cash)
                delivery.tip = handover.tip
                self.payment = await cash_on_delivery.record(
                    self.session,
                    order=self.order,
                    delivery=delivery,
                    cash=handover.branch_cash,
                    exponent=self.exponent,
                    actor=self.actor.user_id,
                )
                self.session.add_all(ledger.difference(delivery, branch_cash=handover.branch_cash))
            else:
                delivery.state, delivery.return_reason = "returned", self.reason
                delivery.returned_at = dt.datetime.now(dt.UTC)
                self.settlement = await self.flows.unwind_return(
                    delivery, exponent=self.exponent, actor=self.actor.user_id
                )
            audit_finish(self.session, delivery, reason=self.reason, actor=self.actor.user_id)
        await self.session.commit()

    async def undo(self, refusal: TransitionReply) -> None:
        # Nobody else moves an order off the road while its lock is held; if it happens anyway, PostgreSQL
        # has the finish and the road repair brings Redis along.
        log.error("a finished delivery was refused in Redis", extra={"order_id": str(self.order.id)})

    async def announce(self, session: Session, moved: Sequence[Moved], news: Outbox) -> None:
        # The order.state_changed already names the courier (their page and the board follow it); a
        # return's settlement and the cash's payment are news beyond it.
        branch_id = self.order.branch_id
        if self.settlement is not None:
            news.add(
                branch_id, money_events.SETTLEMENT_COMPLETED, self.settlement, order_id=str(self.order.id)
            )
        payment = self.payment
        if payment is not None:

            async def collected() -> None:
                await cash_on_delivery.announce(self.flows.scope, branch_id=branch_id, change=payment)

            news.later(collected)


__all__ = ["DispatchFlows", "audit_finish", "mark_delivered", "reply_refusal"]

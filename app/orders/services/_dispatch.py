"""Dispatch: the move to `out_for_delivery` and back off the road, with the courier's cash (DESIGN §4, §6).

A dispatch is atomic across PostgreSQL and Redis. In one PostgreSQL transaction the order rows are locked,
the delivery, its courier transactions and (settling now) the dispatch settlement with its cash movement
are written, then the Lua transition runs; a refusal rolls everything back and is answered like any
transition (409 with state and version, 403, 422), and on success the transition's event is written to
`order_events` and `orders.state/version/courier_id` (the persister's idempotent write) before the one
commit. Two managers dispatching one order: the second waits on the row lock, then finds the first's
delivery and gets 409 — nothing of theirs is written.

The window this leaves: Redis has moved and the commit then fails (PostgreSQL gone at that instant). The
order is out for delivery in Redis with no delivery row; the persister later stores the state change. That
is logged as an error for a manager to re-dispatch (return, then dispatch again).

Delivered and returned go the same way (the delivery row and its money, then the transition, then one
commit). Events that change no order state (`courier.assigned`, `courier.updated`,
`settlement.completed`) are appended after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException
from redis.exceptions import WatchError
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.db.models import Courier, CourierTransaction, Delivery, Order, Trip
from app.dispatch import ledger
from app.dispatch.schemas import DispatchedOrder, DispatchOut, SettleMode
from app.lib import audit
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.redis import hget, hmget, hset
from app.orders import events as ev
from app.orders import streams
from app.orders.machine import TransitionReply, script_source
from app.orders.pricing import money, places
from app.orders.schemas import TransitionIn, TransitionOut
from app.orders.services._transitions import TransitionMixin
from app.orders.states import DISPATCH_CHANNELS, OPEN_STATES, State, rule_for
from app.orders.streams import StreamEntry

if TYPE_CHECKING:
    from redis.commands.core import AsyncScript

    from app.auth.sessions import SessionUser

log = logging.getLogger(__name__)

ACTIVE_DELIVERY = ("assigned", "accepted")
DISPATCHERS = ("manager",)
ROAD_ROLES = ("courier", "manager")
# A trip's Redis step re-reads and retries when one of its orders changed under it (a kitchen bump).
MAX_TRIP_TRIES = 5
# How long the event insert waits on a persister that is storing the same event: it holds that row and
# waits on our order row lock, so waiting longer only ends in a deadlock. Giving up is safe: the persister
# stores the event itself (at least once, idempotent).
EVENT_LOCK_TIMEOUT = "250ms"
_LOCK_GIVE_UP = frozenset({"55P03", "40P01"})  # lock_not_available, deadlock_detected
_json_object = msgspec.json.Decoder(dict[str, Any])


def parse_amount(value: object, *, field: str, exponent: int) -> Decimal:
    """A money amount from a client: a non-negative decimal at most the currency's decimals, else 422."""
    try:
        amount = (
            Decimal(str(value))
            if isinstance(value, int | float | str) and not isinstance(value, bool)
            else None
        )
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise unprocessable(field, "must be a decimal amount such as 12.50")
    if amount < 0:
        raise unprocessable(field, "must not be negative")
    if places(amount) > exponent or amount >= Decimal(10) ** 10:
        raise unprocessable(field, f"at most {exponent} decimals and below 10000000000")
    return money(amount, exponent)


class DispatchMixin(TransitionMixin):
    """Routes the road transitions (out_for_delivery, delivered, returned) of `transition()` through the
    dispatch path; every other move is TransitionMixin's."""

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

    # ------------------------------------------------------------------ preview

    async def settlement_preview(
        self, *, order_id: uuid.UUID, courier_id: int | None, actor: SessionUser
    ) -> tuple[Order, ledger.Charge, int]:
        """(order, what dispatching it would charge, currency decimals); 422 for an order that never
        goes out with a courier or a courier who cannot take it."""
        order = await self.session.get(Order, order_id)
        if order is None or not actor.can_see_branch(order.branch_id):
            raise NotFoundException(detail="Order not found")
        self._check_dispatchable(order, field="order_id")
        if courier_id is not None:
            await self._check_courier(courier_id, order.branch_id)
        exponent = await self._exponent(order.branch_id)
        return order, await ledger.charge_for(self.session, order, exponent=exponent), exponent

    # ------------------------------------------------------------------ dispatch

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
            # Only the one-active-delivery index can say no here: someone dispatched it meanwhile.
            await self.session.rollback()
            raise conflict("The order is already out for delivery", reason="illegal") from None
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

        guard = {"courier_id": courier_id, "settle_mode": settle_mode, "actor": actor.user_id}
        if len(orders) == 1:
            reply = await self.machine.transition(
                branch_id=branch_id,
                order_id=str(orders[0].id),
                to=State.OUT_FOR_DELIVERY,
                expected_version=expected_version,
                roles=actor.roles,
                guard=guard,
            )
            replies = [reply]
        else:
            replies = await self._move_together(branch_id, orders, guard=guard, roles=actor.roles)
        for order, reply in zip(orders, replies, strict=True):
            if reply.outcome != "ok":
                refused = order.id  # read before the rollback expires the row
                await self.session.rollback()
                raise await self._refusal(reply, order_id=refused, target=State.OUT_FOR_DELIVERY.value)
        entries = [reply.event for reply in replies if reply.event is not None]
        await self._store_events(entries, orders, courier_id=courier_id)
        await self._commit_after_move(entries)

        await self._after_dispatch(orders, deliveries, replies, settlements, actor=actor)
        return self._dispatch_out(
            deliveries,
            settlements,
            replies=replies,
            trip_id=trip_id,
            courier_id=courier_id,
            settle_mode=settle_mode,
            replayed=False,
        )

    async def _dispatch_request(
        self,
        order_ids: Sequence[uuid.UUID],
        courier_id: int | None,
        settle_mode: SettleMode | None,
        *,
        actor: SessionUser,
        field: str,
    ) -> tuple[list[Order], int, SettleMode]:
        """The locked orders, courier and settle mode of a dispatch, checked in the order the transitions
        endpoint answers: 404, 403, 422 (channel, then the guard data)."""
        if len(set(order_ids)) != len(order_ids):
            raise unprocessable("order_ids", "an order appears twice")
        orders = await self._lock_orders(order_ids, actor)
        if any(o.branch_id != orders[0].branch_id for o in orders):
            raise unprocessable("order_ids", "a trip takes orders of one branch")
        if not actor.has_role(*DISPATCHERS):
            raise PermissionDeniedException(detail="Your role may not send orders out for delivery")
        for order in orders:
            self._check_dispatchable(order, field=field)
        if courier_id is None:
            raise unprocessable("courier_id", "moving to out_for_delivery needs courier_id")
        if settle_mode is None:
            raise unprocessable("settle_mode", "moving to out_for_delivery needs settle_mode")
        return orders, courier_id, settle_mode

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

    async def _lock_orders(self, order_ids: Sequence[uuid.UUID], actor: SessionUser) -> list[Order]:
        # FOR NO KEY UPDATE, in id order: two dispatchers of overlapping trips queue instead of deadlocking,
        # and inserts that merely reference the order (events, payments) are not blocked by the lock.
        rows = (
            await self.session.scalars(
                select(Order)
                .where(Order.id.in_(order_ids))
                .order_by(Order.id)
                .with_for_update(key_share=True)
                .execution_options(populate_existing=True)
            )
        ).all()
        found = {o.id: o for o in rows if actor.can_see_branch(o.branch_id)}
        for order_id in order_ids:
            if order_id not in found:
                await self.session.rollback()
                raise NotFoundException(detail=f"Order {order_id} not found")
        return list(rows)

    @staticmethod
    def _check_dispatchable(order: Order, *, field: str) -> None:
        if order.channel not in DISPATCH_CHANNELS:
            raise ApiError(
                422,
                f"{field}: a {order.channel} order never goes out with a courier (order {order.id})",
                field=field,
                order_id=str(order.id),
                channel=order.channel,
            )

    async def _refuse_if_on_the_road(self, orders: Sequence[Order]) -> None:
        busy = (
            await self.session.scalars(
                select(Delivery.order_id).where(
                    Delivery.order_id.in_([o.id for o in orders]), Delivery.state.in_(ACTIVE_DELIVERY)
                )
            )
        ).first()
        if busy is None:
            return
        order = next(o for o in orders if o.id == busy)
        state, version = await self._live(order)
        await self.session.rollback()
        raise conflict(
            f"Order {busy} is already out for delivery",
            state=state,
            version=version,
            reason="illegal",
            order_id=str(busy),
        )

    async def _live(self, order: Order) -> tuple[str, int]:
        state, version = await hmget(
            self.redis, self.keys.order(order.branch_id, str(order.id)), "state", "version"
        )
        if state is None or version is None:
            return order.state, order.version
        return state.decode(), int(version)

    async def _replayed_trip(
        self, trip_id: uuid.UUID, orders: Sequence[Order], courier_id: int, settle_mode: str
    ) -> DispatchOut | None:
        trip = await self.session.get(Trip, trip_id)
        if trip is None:
            return None
        deliveries = list(
            (
                await self.session.scalars(
                    select(Delivery).where(Delivery.trip_id == trip_id).order_by(Delivery.order_id)
                )
            ).all()
        )
        same = (
            trip.courier_id == courier_id
            and {d.order_id for d in deliveries} == {o.id for o in orders}
            and all(d.settle_mode == settle_mode for d in deliveries)
        )
        if not same:
            await self.session.rollback()
            raise conflict("This trip id was already used for another dispatch", reason="trip_id_reused")
        out = self._dispatch_out(
            deliveries,
            {},
            replies=None,
            trip_id=trip_id,
            courier_id=courier_id,
            settle_mode=settle_mode,
            replayed=True,
        )
        for moved, delivery in zip(out.orders, deliveries, strict=True):
            if delivery.settle_mode == "now" and (delivery.amount_to_collect > 0 or delivery.courier_fee > 0):
                moved.settlement_id = ledger.derived_settlement_id("dispatch", delivery.id)
        await self.session.rollback()
        return out

    @staticmethod
    def _dispatch_out(
        deliveries: Sequence[Delivery],
        settlements: dict[uuid.UUID, ev.SettlementCompleted],
        *,
        replies: Sequence[TransitionReply] | None,
        trip_id: uuid.UUID | None,
        courier_id: int,
        settle_mode: str,
        replayed: bool,
    ) -> DispatchOut:
        moved = []
        for index, delivery in enumerate(deliveries):
            reply = replies[index] if replies is not None else None
            net = delivery.amount_to_collect - delivery.courier_fee
            settlement = settlements.get(delivery.id)
            moved.append(
                DispatchedOrder(
                    order_id=delivery.order_id,
                    delivery_id=delivery.id,
                    from_state=reply.state if reply is not None else None,
                    state=State.OUT_FOR_DELIVERY.value,
                    version=reply.version if reply is not None else None,
                    event_id=reply.stream_id if reply is not None else None,
                    amount_to_collect=delivery.amount_to_collect,
                    courier_fee=delivery.courier_fee,
                    net=net,
                    owed_by=ledger.owed_by(net),
                    settlement_id=uuid.UUID(settlement.settlement_id) if settlement is not None else None,
                )
            )
        collect = sum((d.amount_to_collect for d in deliveries), ledger.ZERO)
        fee = sum((d.courier_fee for d in deliveries), ledger.ZERO)
        return DispatchOut(
            trip_id=trip_id,
            courier_id=courier_id,
            settle_mode=settle_mode,  # type: ignore[arg-type]
            replayed=replayed,
            orders=moved,
            amount_to_collect=collect,
            courier_fee=fee,
            net=collect - fee,
            owed_by=ledger.owed_by(collect - fee),
        )

    async def _move_together(
        self, branch_id: int, orders: Sequence[Order], *, guard: dict[str, Any], roles: tuple[str, ...]
    ) -> list[TransitionReply]:
        """Move every order of a trip in one MULTI, or none.

        The order hashes are WATCHed and read, every move is checked here against the same table the script
        enforces, then all the scripts run in one MULTI with the versions just read. A hash that changes in
        between (a kitchen bump) aborts the EXEC as a whole, and we read and check again; so the scripts can
        only ever all succeed. A refusal found by the check is answered before anything is applied.
        """
        script: AsyncScript = self.redis.register_script(script_source("transition"))
        order_keys = [self.keys.order(branch_id, str(o.id)) for o in orders]
        indexes = [self.keys.state_index(branch_id, s) for s in OPEN_STATES]
        target = State.OUT_FOR_DELIVERY
        for _ in range(MAX_TRIP_TRIES):
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(*order_keys)
                    versions = []
                    for key in order_keys:
                        state, version, channel = await hmget(pipe, key, "state", "version", "channel")
                        refusal = self._precheck(state, version, channel, target=target, roles=roles)
                        if refusal is not None:
                            # Leaving the pipeline's block unwatches.
                            return [refusal] * len(orders)
                        versions.append(int(version or 0))
                    pipe.multi()  # type: ignore[no-untyped-call]  # unannotated in redis-py
                    for key, expected in zip(order_keys, versions, strict=True):
                        await script(
                            keys=[key, self.keys.events(branch_id), *indexes],
                            args=[
                                target.value,
                                str(expected),
                                ",".join(roles),
                                msgspec.json.encode(guard).decode(),
                                self.machine.stream_maxlen,
                                self.machine.finished_ttl,
                            ],
                            client=pipe,
                        )
                    raw_replies = await pipe.execute()
                except WatchError:
                    continue
            replies = [
                self._parse_reply(branch_id, str(o.id), raw)
                for o, raw in zip(orders, raw_replies, strict=True)
            ]
            if any(r.outcome != "ok" for r in replies):
                # Cannot happen while _precheck mirrors the script; if it ever does, say so loudly.
                log.error(
                    "a trip move was refused inside MULTI", extra={"orders": [str(o.id) for o in orders]}
                )
            return replies
        raise conflict("The orders kept changing while being dispatched; try again", reason="busy")

    @staticmethod
    def _precheck(
        state: bytes | None,
        version: bytes | None,
        channel: bytes | None,
        *,
        target: State,
        roles: tuple[str, ...],
    ) -> TransitionReply | None:
        if state is None or version is None:
            return TransitionReply("notfound")
        current, number = state.decode(), int(version)
        try:
            rule = rule_for(State(current), target)
        except ValueError:
            rule = None
        if rule is None:
            return TransitionReply("conflict", current, number, detail="illegal")
        if "admin" not in roles and not rule.roles.intersection(roles):
            return TransitionReply("forbidden", current, number)
        if rule.channels is not None and (channel or b"").decode() not in rule.channels:
            return TransitionReply("invalid", current, number, detail="channel")
        return None

    @staticmethod
    def _parse_reply(branch_id: int, order_id: str, raw: Sequence[Any]) -> TransitionReply:
        def text_of(value: Any) -> str:
            return value.decode() if isinstance(value, bytes) else str(value)

        outcome = text_of(raw[0])
        if outcome != "ok":
            return TransitionReply(
                outcome,  # type: ignore[arg-type]
                text_of(raw[1]) if len(raw) > 1 else None,
                int(raw[2]) if len(raw) > 2 else None,
                detail=text_of(raw[3]) if len(raw) > 3 else None,
            )
        stream_id, version = text_of(raw[3]), int(raw[2])
        encoded = raw[4] if isinstance(raw[4], bytes) else str(raw[4]).encode()
        event = StreamEntry(
            id=stream_id,
            branch_id=branch_id,
            type="order.state_changed",
            order_id=order_id,
            version=version,
            ts_ms=int(raw[5]),
            raw_data=encoded,
        )
        return TransitionReply("ok", text_of(raw[1]), version, stream_id=stream_id, event=event)

    async def _store_events(
        self, entries: Sequence[StreamEntry], orders: Sequence[Order], *, courier_id: int | None
    ) -> None:
        """The persister's write, in our transaction: the events, and the locked rows' state and version."""
        if not entries:
            return
        try:
            async with self.session.begin_nested():
                await self.session.execute(text(f"SET LOCAL lock_timeout = '{EVENT_LOCK_TIMEOUT}'"))
                await self.session.execute(
                    text(
                        "INSERT INTO order_events (branch_id, stream_id, order_id, type, version, data, ts) "
                        "VALUES (:branch_id, :stream_id, :order_id, :type, :version, CAST(:data AS jsonb), :ts) "
                        "ON CONFLICT (branch_id, stream_id) DO NOTHING"
                    ),
                    [
                        {
                            "branch_id": e.branch_id,
                            "stream_id": e.id,
                            "order_id": e.order_id,
                            "type": e.type,
                            "version": e.version,
                            "data": e.raw_data.decode(),
                            "ts": dt.datetime.fromtimestamp(e.ts_ms / 1000, tz=dt.UTC),
                        }
                        for e in entries
                    ],
                )
                await self.session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _LOCK_GIVE_UP:
                raise
            log.info(
                "a persister is storing these events; leaving them to it", extra={"events": len(entries)}
            )
        by_id = {str(o.id): o for o in orders}
        for entry in entries:
            order = by_id.get(entry.order_id or "")
            if order is None or entry.version is None or entry.version <= order.version:
                continue
            order.state = entry.data()["to"]
            order.version = entry.version
            if courier_id is not None:
                order.courier_id = courier_id
            order.updated_at = dt.datetime.fromtimestamp(entry.ts_ms / 1000, tz=dt.UTC)

    async def _commit_after_move(self, entries: Sequence[StreamEntry]) -> None:
        try:
            await self.session.commit()
        except Exception:
            log.exception(
                "Redis moved but PostgreSQL did not commit: the delivery rows are lost; return and re-dispatch",
                extra={"orders": [e.order_id for e in entries]},
            )
            raise

    async def _after_dispatch(
        self,
        orders: Sequence[Order],
        deliveries: Sequence[Delivery],
        replies: Sequence[TransitionReply],
        settlements: dict[uuid.UUID, ev.SettlementCompleted],
        *,
        actor: SessionUser,
    ) -> None:
        """Committed: tell the courier, the board and the till (events are never sent for what rolled back)."""
        by_id = {o.id: o for o in orders}
        for delivery, reply in zip(deliveries, replies, strict=True):
            order = by_id[delivery.order_id]
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
                version=reply.version or order.version,
                actor=actor.user_id,
            )
            await self.append_event(order.branch_id, "courier.assigned", assigned, order_id=order.id)
            settlement = settlements.get(delivery.id)
            if settlement is not None:
                await self.append_event(
                    order.branch_id, "settlement.completed", settlement, order_id=order.id
                )

    async def append_event(
        self, branch_id: int, type_: str, data: msgspec.Struct, *, order_id: uuid.UUID | None
    ) -> str:
        """Append an event that changes no order state, once the change it reports is committed."""
        return await streams.append(
            self.redis,
            self.keys,
            branch_id,
            type=type_,
            data=msgspec.to_builtins(data),
            order_id=None if order_id is None else str(order_id),
            maxlen=self.machine.stream_maxlen,
        )

    async def _set_card_courier(self, branch_id: int, order_id: uuid.UUID, courier_id: int) -> None:
        """The board snapshot shows the card's courier; the hash's card was written at creation."""
        key = self.keys.order(branch_id, str(order_id))
        raw = await hget(self.redis, key, "card")
        if raw is None:
            return
        card = _json_object.decode(raw)
        card["courier_id"] = courier_id
        await hset(self.redis, key, {"card": msgspec.json.encode(card).decode()})

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
    ) -> tuple[TransitionOut, Delivery | None]:
        """`out_for_delivery → delivered` (cash collected recorded) or `→ returned` (reason; money per the
        return policy in app/dispatch). A courier may only finish their own delivery (404 otherwise).
        Returns the move and the delivery it finished (None for an order dispatched without one)."""
        branch_id = await self._branch_of(order_id, actor)
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
                raise PermissionDeniedException(detail=f"Your role may not move an order to {to.value}")
            mine = await self.session.scalar(select(Courier.id).where(Courier.user_id == actor.user_id))
            if delivery is None or mine is None or delivery.courier_id != mine:
                await self.session.rollback()
                raise NotFoundException(detail="Order not found")
        exponent = await self._exponent(branch_id)
        settlement: ev.SettlementCompleted | None = None
        if to is State.RETURNED and not reason:
            raise unprocessable("reason", "moving to returned needs reason")
        if to is State.RETURNED and cash_collected is not None:
            raise unprocessable("cash_collected", "only a delivered order records the cash collected")
        if delivery is not None:
            now = dt.datetime.now(dt.UTC)
            if to is State.DELIVERED:
                cash = (
                    delivery.amount_to_collect
                    if cash_collected is None
                    else parse_amount(cash_collected, field="cash_collected", exponent=exponent)
                )
                delivery.state, delivery.cash_collected, delivery.delivered_at = "delivered", cash, now
            else:
                delivery.state, delivery.return_reason, delivery.returned_at = "returned", reason, now
                settlement = await self._unwind_return(delivery, exponent=exponent, actor=actor.user_id)
            audit.record(
                self.session,
                action=f"delivery.{delivery.state}",
                entity_type="delivery",
                entity_id=delivery.id,
                actor_user_id=actor.user_id,
                branch_id=branch_id,
                data={
                    "order_id": str(order_id),
                    "courier_id": delivery.courier_id,
                    "amount_to_collect": str(delivery.amount_to_collect),
                    "cash_collected": None
                    if delivery.cash_collected is None
                    else str(delivery.cash_collected),
                    # A courier who took less (or more) than charged: visible here for the manager.
                    "difference": None
                    if delivery.cash_collected is None
                    else str(delivery.cash_collected - delivery.amount_to_collect),
                    "reason": reason,
                },
            )
        elif cash_collected is not None:
            parse_amount(cash_collected, field="cash_collected", exponent=exponent)
        reply = await self.machine.transition(
            branch_id=branch_id,
            order_id=str(order_id),
            to=to,
            expected_version=expected_version,
            roles=actor.roles,
            guard={"reason": reason, "actor": actor.user_id},
        )
        if reply.outcome != "ok":
            await self.session.rollback()
            raise await self._refusal(reply, order_id=order_id, target=to.value)
        assert reply.event is not None
        assert reply.state is not None
        assert reply.version is not None
        await self._store_events([reply.event], [order], courier_id=None)
        await self._commit_after_move([reply.event])
        await self._queue_invoice(order_id, to)
        out = TransitionOut(
            order_id=order_id,
            from_state=reply.state,
            state=to.value,
            version=reply.version,
            event_id=reply.stream_id or "",
        )
        # The order.state_changed above already names the courier (their page and the board follow it);
        # only a return's settlement is news beyond it.
        if settlement is not None:
            await self.append_event(branch_id, "settlement.completed", settlement, order_id=order_id)
        return out, delivery

    async def _unwind_return(
        self, delivery: Delivery, *, exponent: int, actor: int
    ) -> ev.SettlementCompleted | None:
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

"""Dispatch planning: what a dispatch would charge, and every check made before anything is written.

The orders are locked in PostgreSQL (FOR NO KEY UPDATE, in id order), then checked in the order the
transitions endpoint answers: 404, 403, 422 (channel, then the guard data), 409 (already on the road). A
trip id seen before answers the first dispatch again (`replayed`) or 409 if it named other orders.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import select

from app.db.models import Delivery, Order, Trip
from app.dispatch import ledger
from app.dispatch.schemas import DispatchedOrder, DispatchOut, SettleMode
from app.events import money as money_events
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.i18n import _
from app.lib.redis import hmget
from app.orders import check_courier, exponent_of
from app.orders.states import DISPATCH_CHANNELS, State

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.redis import Keys
    from app.orders import Moved

ACTIVE_DELIVERY = ("assigned", "accepted")
DISPATCHERS = ("manager",)
ROAD_ROLES = ("courier", "manager")


def check_dispatchable(order: Order, *, field: str) -> None:
    if order.channel not in DISPATCH_CHANNELS:
        raise ApiError(
            422,
            _(
                "%(field)s: a %(channel)s order never goes out with a courier (order %(order_id)s)",
                field=field,
                channel=order.channel,
                order_id=order.id,
            ),
            field=field,
            order_id=str(order.id),
            channel=order.channel,
        )


@dataclass(slots=True)
class DispatchPlan:
    """The checks of a dispatch, in the order the transitions endpoint answers them."""

    session: AsyncSession
    redis: Redis
    keys: Keys
    # ------------------------------------------------------------------ preview

    async def preview(
        self, *, order_id: uuid.UUID, courier_id: int | None, actor: SessionUser
    ) -> tuple[Order, ledger.Charge, int]:
        """(order, what dispatching it would charge, currency decimals); 422 for an order that never
        goes out with a courier or a courier who cannot take it."""
        order = await self.session.get(Order, order_id)
        if order is None or not actor.can_see_branch(order.branch_id):
            raise NotFoundException(detail=_("Order not found"))
        check_dispatchable(order, field="order_id")
        if courier_id is not None:
            await check_courier(self.session, courier_id, order.branch_id)
        exponent = await exponent_of(self.session, order.branch_id)
        return order, await ledger.charge_for(self.session, order, exponent=exponent), exponent

    async def request(
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
        orders = await self._lock_orders(order_ids, actor)
        if any(o.branch_id != orders[0].branch_id for o in orders):
            raise unprocessable("order_ids", _("a trip takes orders of one branch"))
        if not actor.has_role(*DISPATCHERS):
            raise PermissionDeniedException(detail=_("Your role may not send orders out for delivery"))
        for order in orders:
            check_dispatchable(order, field=field)
        if courier_id is None:
            raise unprocessable("courier_id", _("moving to out_for_delivery needs courier_id"))
        if settle_mode is None:
            raise unprocessable("settle_mode", _("moving to out_for_delivery needs settle_mode"))
        return orders, courier_id, settle_mode

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
                raise NotFoundException(detail=_("Order %(order_id)s not found", order_id=order_id))
        return list(rows)

    async def refuse_if_on_the_road(self, orders: Sequence[Order]) -> None:
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
            _("Order %(busy)s is already out for delivery", busy=busy),
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

    async def replayed_trip(
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
            raise conflict(_("This trip id was already used for another dispatch"), reason="trip_id_reused")
        out = self.out(
            deliveries,
            {},
            made=None,
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
    def out(
        deliveries: Sequence[Delivery],
        settlements: dict[uuid.UUID, money_events.SettlementCompleted],
        *,
        made: Sequence[Moved] | None,
        trip_id: uuid.UUID | None,
        courier_id: int,
        settle_mode: str,
        replayed: bool,
    ) -> DispatchOut:
        moved = []
        for index, delivery in enumerate(deliveries):
            done = made[index] if made is not None else None
            net = delivery.amount_to_collect - delivery.courier_fee
            settlement = settlements.get(delivery.id)
            moved.append(
                DispatchedOrder(
                    order_id=delivery.order_id,
                    delivery_id=delivery.id,
                    from_state=done.from_state if done is not None else None,
                    state=State.OUT_FOR_DELIVERY.value,
                    version=done.version if done is not None else None,
                    event_id=done.event_id if done is not None else None,
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

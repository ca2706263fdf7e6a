"""Off the road: `out_for_delivery → delivered` (cash collected, which pays the order) or `→ returned`
(a reason; the money per the return policy in app/dispatch), the same way onto the road goes: under the
road lock, checked, written and committed in PostgreSQL, then moved in Redis, then announced (`_road.py`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import exists, select

from app.db.models import Courier, CourierTransaction, Delivery, Order
from app.dispatch import cash_on_delivery, ledger
from app.lib import audit
from app.lib.errors import conflict, unprocessable
from app.orders import events as ev
from app.orders.schemas import TransitionOut
from app.orders.services._road import ACTIVE_DELIVERY, DISPATCHERS, ROAD_ROLES, RoadMixin
from app.orders.states import State
from app.payments.money import parse_amount
from app.payments.schemas import PaymentChanged

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

log = logging.getLogger(__name__)


class DeliveryMixin(RoadMixin):
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
        """Finish the order's delivery. A courier may only finish their own (404 otherwise).
        Returns the move and the delivery it finished (None for an order on the road without one)."""
        settlement: ev.SettlementCompleted | None = None
        payment: PaymentChanged | None = None
        async with self._road_locked([order_id], actor):
            branch_id = await self._branch_of(order_id, actor)
            order, delivery = await self._lock_for_finish(order_id, to=to, actor=actor)
            exponent = await self._exponent(branch_id)
            if to is State.RETURNED and not reason:
                raise unprocessable("reason", "moving to returned needs reason")
            if to is State.RETURNED and cash_collected is not None:
                raise unprocessable("cash_collected", "only a delivered order records the cash collected")
            cash = (
                None
                if cash_collected is None
                else parse_amount(cash_collected, field="cash_collected", exponent=exponent, allow_zero=True)
            )
            guard = {"reason": reason, "actor": actor.user_id}
            await self._check_moves(
                branch_id,
                [order_id],
                to=to,
                roles=actor.roles,
                guard=guard,
                expected_version=expected_version,
            )
            if delivery is None and await self._had_delivery(order_id):
                # Its last delivery was finished but the order never followed in Redis (a crash between
                # the commit and the move): the repair job moves it; nothing to finish here.
                await self.session.rollback()
                raise conflict("This order's delivery is already finished", reason="illegal")
            if delivery is not None:
                if to is State.DELIVERED:
                    collected = delivery.amount_to_collect if cash is None else cash
                    self._mark_delivered(delivery, collected)
                    payment = await cash_on_delivery.record(
                        self.session,
                        order=order,
                        delivery=delivery,
                        cash=collected,
                        exponent=exponent,
                        actor=actor.user_id,
                    )
                else:
                    delivery.state, delivery.return_reason = "returned", reason
                    delivery.returned_at = dt.datetime.now(dt.UTC)
                    settlement = await self._unwind_return(delivery, exponent=exponent, actor=actor.user_id)
                self._audit_finish(delivery, reason=reason, actor=actor.user_id)
            await self.session.commit()

            [reply] = await self._move_after_commit(
                branch_id, [order_id], to=to, roles=actor.roles, guard=guard
            )
            if reply.outcome != "ok":
                # Nobody else moves an order off the road while we hold its lock; if it happens anyway,
                # PostgreSQL has the finish and the repair job brings Redis along.
                log.error("a finished delivery was refused in Redis", extra={"order_id": str(order_id)})
                raise await self._refusal(reply, order_id=order_id, target=to.value)
        await self._journal([reply])
        await self._queue_invoice(order_id, to)
        assert reply.state is not None
        assert reply.version is not None
        out = TransitionOut(
            order_id=order_id,
            from_state=reply.state,
            state=to.value,
            version=reply.version,
            event_id=reply.stream_id or "",
        )
        # The order.state_changed above already names the courier (their page and the board follow it);
        # a return's settlement and the cash's payment are news beyond it.
        if settlement is not None:
            await self.append_event(branch_id, "settlement.completed", settlement, order_id=order_id)
        if payment is not None:
            await cash_on_delivery.announce(
                self.redis,
                self.keys,
                branch_id=branch_id,
                change=payment,
                stream_maxlen=self.machine.stream_maxlen,
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
                raise PermissionDeniedException(detail=f"Your role may not move an order to {to.value}")
            mine = await self.session.scalar(select(Courier.id).where(Courier.user_id == actor.user_id))
            if delivery is None or mine is None or delivery.courier_id != mine:
                await self.session.rollback()
                raise NotFoundException(detail="Order not found")
        return order, delivery

    async def _had_delivery(self, order_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(Delivery.order_id == order_id))))

    @staticmethod
    def _mark_delivered(delivery: Delivery, cash: Decimal) -> None:
        delivery.state, delivery.cash_collected = "delivered", cash
        delivery.delivered_at = dt.datetime.now(dt.UTC)

    def _audit_finish(self, delivery: Delivery, *, reason: str | None, actor: int) -> None:
        audit.record(
            self.session,
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
                # A courier who took less (or more) than charged: visible here for the manager.
                "difference": None
                if delivery.cash_collected is None
                else str(delivery.cash_collected - delivery.amount_to_collect),
                "reason": reason,
            },
        )

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

"""Reading orders: one with its history, lists, and the branch board snapshot."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.guards import ensure_branch_visible
from app.db.models import (
    Branch,
    Order,
    OrderEvent,
)
from app.orders import pricing
from app.orders.schemas import (
    BoardCard,
    BoardOut,
    EventOut,
    OrderOut,
    OrderPage,
    OrderSummary,
)
from app.orders.services._base import OrderServiceBase
from app.orders.states import (
    Channel,
    State,
)
from app.payments.reads import order_payments, original_invoice

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

log = logging.getLogger(__name__)

TICKET_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-4c1e-8a52-3d0f6b9e2c11")
MANUAL_PRICE_ROLES = ("manager",)
LIST_LIMIT = 100
_order_decoder = msgspec.json.Decoder(dict[str, Any])


class ReadMixin(OrderServiceBase):
    # ------------------------------------------------------------------ reads

    async def get(self, *, order_id: uuid.UUID, actor: SessionUser) -> OrderOut:
        order = await self.session.get(Order, order_id, options=[selectinload(Order.lines)])
        if order is None or not actor.can_see_branch(order.branch_id):
            raise NotFoundException(detail="Order not found")
        if actor.roles == ("courier",):
            await self._check_own_delivery(order_id, order.branch_id, actor)
        tickets = await self._tickets(order.id)
        events = (
            await self.session.scalars(
                select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
            )
        ).all()
        exponent = await self._exponent(order.branch_id)
        out = self._out(order, list(order.lines), tickets, exponent=exponent)
        out.payments = await order_payments(self.session, order.id, exponent=exponent)
        out.invoice = await original_invoice(self.session, order.id)
        out.events = [
            EventOut(id=e.stream_id, type=e.type, version=e.version, ts=e.ts, data=e.data) for e in events
        ]
        return await self._with_hot_state(out)

    async def list_orders(
        self,
        *,
        actor: SessionUser,
        branch_id: int | None,
        state: State | None,
        channel: Channel | None,
        since: dt.datetime | None,
        limit: int = LIST_LIMIT,
    ) -> OrderPage:
        stmt = select(Order).order_by(Order.created_at, Order.id).limit(limit)
        if branch_id is not None:
            ensure_branch_visible(actor, branch_id, what="Branch")
            stmt = stmt.where(Order.branch_id == branch_id)
        elif not actor.all_branches:
            stmt = stmt.where(Order.branch_id.in_(actor.branch_ids))
        if state is not None:
            stmt = stmt.where(Order.state == state.value)
        if channel is not None:
            stmt = stmt.where(Order.channel == channel.value)
        if since is not None:
            stmt = stmt.where(Order.created_at > since)
        rows = (await self.session.scalars(stmt)).all()
        exponents = {branch_id: await self._exponent(branch_id) for branch_id in {o.branch_id for o in rows}}
        items = [
            OrderSummary(
                id=o.id,
                branch_id=o.branch_id,
                channel=o.channel,
                state=o.state,
                version=o.version,
                token=o.token,
                payment_status=o.payment_status,
                total=pricing.money(o.total, exponents[o.branch_id]),
                customer_id=o.customer_id,
                created_at=o.created_at,
            )
            for o in rows
        ]
        return OrderPage(items=items, next_since=rows[-1].created_at if len(rows) == limit else None)

    async def board(self, *, branch_id: int, actor: SessionUser) -> BoardOut:
        ensure_branch_visible(actor, branch_id, what="Branch")
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail="Branch not found")
        stream_id, columns = await self.machine.board(branch_id)
        return BoardOut(
            branch_id=branch_id,
            stream_id=stream_id,
            columns={
                state: [
                    BoardCard(
                        order_id=row[0],
                        entered_ms=int(float(row[1])),
                        state=row[2],
                        version=int(row[3] or 0),
                        channel=row[4],
                        token=int(row[5]) if row[5] else None,
                        payment_status=row[6],
                        card=_order_decoder.decode(row[7]),
                    )
                    for row in rows
                ]
                for state, rows in columns.items()
            },
        )

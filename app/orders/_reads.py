"""Reading orders: one with its history, lists, and the branch board snapshot; the order's answer shape."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.guards import ensure_branch_visible
from app.db.models import Branch, KitchenTicket, Order, OrderEvent, OrderLine
from app.events import Audience, id_key
from app.events import reads as views
from app.lib.i18n import _
from app.lib.redis import hmget
from app.orders import pricing
from app.orders._project import own_courier_id, project, reader
from app.orders.lookups import check_own_delivery, exponent_of, tickets_of
from app.orders.payment_reads import order_payments, original_invoice
from app.orders.schemas import (
    BoardCard,
    BoardOut,
    DeliveryOut,
    EventOut,
    LineOut,
    OrderOut,
    OrderPage,
    OrderSummary,
    TicketOut,
    TotalsOut,
)
from app.orders.states import Channel, State

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.redis import Keys
    from app.orders.machine import OrderMachine

LIST_LIMIT = 100
_order_decoder = msgspec.json.Decoder(dict[str, Any])


def order_out(
    order: Order, lines: Sequence[OrderLine], tickets: Sequence[KitchenTicket], *, exponent: int
) -> OrderOut:
    def cash(value: Decimal) -> Decimal:
        return pricing.money(value, exponent)

    return OrderOut(
        id=order.id,
        branch_id=order.branch_id,
        channel=order.channel,
        state=order.state,
        version=order.version,
        token=order.token,
        business_date=order.business_date,
        payment_status=order.payment_status,
        totals=TotalsOut(
            subtotal=cash(order.subtotal),
            tax=cash(order.tax_total),
            delivery_charge=cash(order.delivery_charge),
            total=cash(order.total),
        ),
        # A just-created order is a plain object whose server-default columns are unset (None).
        paid_total=cash(order.paid_total or Decimal(0)),
        balance=cash(max(order.total - (order.paid_total or Decimal(0)), Decimal(0))),
        customer_id=order.customer_id,
        table_label=order.table_label,
        note=order.note,
        delivery=(
            DeliveryOut(
                address=order.delivery_address,
                territory_id=order.territory_id,
                slot_start=order.slot_start,
                slot_end=order.slot_end,
                courier_id=order.courier_id,
            )
            if order.delivery_address is not None
            else None
        ),
        lines=[
            LineOut(
                line_no=line.line_no,
                product_id=line.product_id,
                name=line.name,
                qty=line.qty,
                unit=line.unit,
                unit_factor=line.unit_factor,
                price_list=line.price_list,
                unit_price=cash(line.unit_price),
                tax_rate=line.tax_rate,
                discount=cash(line.discount),
                line_subtotal=cash(line.line_subtotal),
                line_tax=cash(line.line_tax),
                line_total=cash(line.line_total),
                station_code=line.station_code,
                note=line.note,
                parent_line_no=line.parent_line_no,
                discount_reason=line.discount_reason,
                modifiers=list(line.modifiers or []),
                allergy=line.allergy,
                allergens=list(line.allergens or []),
            )
            for line in sorted(lines, key=lambda item: item.line_no)
        ],
        tickets=[TicketOut(id=t.id, station_code=t.station_code, state=t.state) for t in tickets],
        created_at=order.created_at,
        discount=cash(order.discount),
        discount_reason=order.discount_reason,
        pos_profile_id=order.pos_profile_id,
        shift_id=order.shift_id,
        payments=[],
        invoice=None,
        quoted_ready_at=order.quoted_ready_at,
    )


async def with_hot_state(redis: Redis, keys: Keys, out: OrderOut) -> OrderOut:
    """PostgreSQL's state trails Redis by the persister's lag; answer with the live one."""
    state, version = await hmget(redis, keys.order(out.branch_id, str(out.id)), "state", "version")
    if state is not None and version is not None and int(version) >= out.version:
        out.state, out.version = state.decode(), int(version)
    return out


async def get_order(
    session: AsyncSession, redis: Redis, keys: Keys, *, order_id: uuid.UUID, actor: SessionUser
) -> OrderOut:
    order = await session.get(Order, order_id, options=[selectinload(Order.lines)])
    audience = reader(actor)
    if order is None or not actor.can_see_branch(order.branch_id):
        raise NotFoundException(detail=_("Order not found"))
    if audience is Audience.COURIER:
        await check_own_delivery(session, redis, keys, order_id, branch_id=order.branch_id, actor=actor)
    tickets = await tickets_of(session, order.id)
    # In stream order (the journal stores an order's moves at once, the persister its other events later).
    events = sorted(
        (await session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id))).all(),
        key=lambda e: id_key(e.stream_id),
    )
    exponent = await exponent_of(session, order.branch_id)
    out = order_out(order, list(order.lines), tickets, exponent=exponent)
    out.payments = await order_payments(session, order.id, exponent=exponent)
    out.invoice = await original_invoice(session, order.id)
    out.events = [
        EventOut(id=e.stream_id, type=e.type, version=e.version, ts=e.ts, data=e.data) for e in events
    ]
    return project(await with_hot_state(redis, keys, out), views.ORDER, audience)


async def list_orders(
    session: AsyncSession,
    *,
    actor: SessionUser,
    branch_id: int | None,
    state: State | None,
    channel: Channel | None,
    since: dt.datetime | None,
    limit: int = LIST_LIMIT,
    states: Sequence[State] = (),
) -> OrderPage:
    audience = reader(actor)
    stmt = select(Order).order_by(Order.created_at, Order.id).limit(limit)
    if audience is Audience.COURIER:
        # A courier lists their own deliveries, never another courier's.
        stmt = stmt.where(Order.courier_id == await own_courier_id(session, actor))
    if branch_id is not None:
        ensure_branch_visible(actor, branch_id, what="Branch")
        stmt = stmt.where(Order.branch_id == branch_id)
    elif not actor.all_branches:
        stmt = stmt.where(Order.branch_id.in_(actor.branch_ids))
    if state is not None:
        stmt = stmt.where(Order.state == state.value)
    if states:
        # Several at once (the board's done tail: completed, delivered and cancelled in one read).
        stmt = stmt.where(Order.state.in_([s.value for s in states]))
    if channel is not None:
        stmt = stmt.where(Order.channel == channel.value)
    if since is not None:
        stmt = stmt.where(Order.created_at > since)
    rows = (await session.scalars(stmt)).all()
    exponents = {
        branch_id: await exponent_of(session, branch_id) for branch_id in {o.branch_id for o in rows}
    }
    items = [
        project(
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
            ),
            views.ORDER_SUMMARY,
            audience,
        )
        for o in rows
    ]
    return OrderPage(items=items, next_since=rows[-1].created_at if len(rows) == limit else None)


async def board(
    session: AsyncSession, machine: OrderMachine, *, branch_id: int, actor: SessionUser
) -> BoardOut:
    audience = reader(actor)
    ensure_branch_visible(actor, branch_id, what="Branch")
    if await session.get(Branch, branch_id) is None:
        raise NotFoundException(detail=_("Branch not found"))
    courier_id = await own_courier_id(session, actor) if audience is Audience.COURIER else None
    stream_id, columns = await machine.board(branch_id)
    return BoardOut(
        branch_id=branch_id,
        stream_id=stream_id,
        columns={
            state: [
                project(card, views.BOARD_CARD, audience)
                for card in (_card(row) for row in rows)
                # A courier's board holds their own deliveries only.
                if audience is not Audience.COURIER or _courier_of(card) == courier_id
            ]
            for state, rows in columns.items()
        },
    )


def _courier_of(card: BoardCard) -> int | None:
    value = card.card.get("courier_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _card(row: list[str]) -> BoardCard:
    return BoardCard(
        order_id=row[0],
        entered_ms=int(float(row[1])),
        state=row[2],
        version=int(row[3] or 0),
        channel=row[4],
        token=int(row[5]) if row[5] else None,
        payment_status=row[6],
        card=_order_decoder.decode(row[7]),
    )

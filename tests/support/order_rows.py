"""Orders for the persister and rebuild tests, made the way the order service makes them: PostgreSQL rows
committed first (order, lines, kitchen tickets), then `OrderMachine.init_order` puts them into Redis."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

TICKET_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-4c1e-8a52-3d0f6b9e2c11")


async def product(session: Any, *, name: str = "Burger", station: str = "grill") -> Any:
    from sqlalchemy import select

    from app.db.models import Category, Product

    category = await session.scalar(select(Category).where(Category.code == "persist"))
    if category is None:
        category = Category(code="persist", name="Persist")
        session.add(category)
        await session.flush()
    row = Product(
        sku=f"SKU-{uuid.uuid4().hex[:8]}",
        name=name,
        category_id=category.id,
        base_unit="piece",
        tax_rate=Decimal("14"),
        station_code=station,
    )
    session.add(row)
    await session.flush()
    return row


async def make_order(
    session: Any,
    runtime: Any,
    *,
    branch: Any,
    products: list[Any],
    channel: str = "counter",
    token: int | None = 1,
    customer: Any = None,
    table_label: str | None = None,
    state: str = "received",
    announce: bool = True,
) -> Any:
    """An order with one line per product and a ticket per station, committed, then put into Redis."""
    from app.db.models import KitchenTicket, Order, OrderLine
    from app.orders.machine import OrderMachine, TicketSpec
    from app.orders.states import State

    order = Order(
        id=uuid.uuid4(),
        branch_id=branch.id,
        channel=channel,
        state=state,
        version=1,
        token=token,
        business_date=dt.date.today(),
        customer_id=customer.id if customer is not None else None,
        payment_status="unpaid",
        subtotal=Decimal("20.00"),
        tax_total=Decimal("2.80"),
        total=Decimal("22.80"),
        table_label=table_label,
        note="no onions",
        request_hash="test",
    )
    session.add(order)
    await session.flush()
    lines = [
        OrderLine(
            order_id=order.id,
            line_no=n,
            product_id=p.id,
            name=p.name,
            qty=Decimal(2),
            unit="piece",
            unit_factor=Decimal(1),
            price_list="counter",
            unit_price=Decimal("5.00"),
            tax_rate=Decimal("14"),
            line_subtotal=Decimal("10.00"),
            line_tax=Decimal("1.40"),
            line_total=Decimal("11.40"),
            station_code=p.station_code,
            note="",
        )
        for n, p in enumerate(products, start=1)
    ]
    session.add_all(lines)
    stations = list(dict.fromkeys(p.station_code for p in products))
    tickets = [
        KitchenTicket(
            id=uuid.uuid5(TICKET_NAMESPACE, f"{order.id}:{s}"),
            order_id=order.id,
            branch_id=branch.id,
            station_code=s,
            state="queued",
            rush=False,
        )
        for s in stations
    ]
    session.add_all(tickets)
    await session.commit()
    if announce:
        machine = OrderMachine(runtime.redis, runtime.keys, runtime.lua, runtime.bus)
        fields = {
            "branch_id": str(branch.id),
            "channel": channel,
            "token": "" if token is None else str(token),
            "payment_status": "unpaid",
            "card": json.dumps({"token": token, "channel": channel, "total": "22.80"}),
        }
        specs = [
            TicketSpec(
                str(t.id),
                t.station_code,
                json.dumps(
                    {"ticket_id": str(t.id), "order_id": str(order.id), "station_code": t.station_code}
                ),
            )
            for t in tickets
        ]
        created = json.dumps({"order_id": str(order.id), "branch_id": branch.id})
        await machine.init_order(
            branch_id=branch.id,
            order_id=str(order.id),
            state=State(state),
            fields=fields,
            created=created,
            tickets=specs,
        )
    return order


async def move(runtime: Any, order: Any, to: str, **guard: Any) -> Any:
    from tests.support.moves import door_move

    return await door_move(runtime, order.branch_id, order.id, to, **guard)

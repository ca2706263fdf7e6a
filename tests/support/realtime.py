"""A shop, and orders made the way the order service makes them (the Lua state machine appending to the
branch stream), for the tests of what live sockets receive."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.support.factory import Factory


async def make_shop(factory: Factory) -> dict[str, Any]:
    """Two branches, stations, one user per role, two couriers with logins."""
    from app.db.models import Courier, Station

    branch = await factory.branch(code="LV", name="Live Branch")
    other = await factory.branch(code="OT", name="Other Branch")
    factory.session.add_all(
        [
            Station(branch_id=branch.id, code="grill", name="Grill"),
            Station(branch_id=branch.id, code="bar", name="Bar"),
            Station(branch_id=other.id, code="grill", name="Grill"),
        ]
    )
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("cass", roles=("cashier",), branches=(branch,))
    await factory.user("kit", roles=("kitchen",), branches=(branch,))
    await factory.user("hal", roles=("hr",), branches=(branch,))
    cody = await factory.user("cody", roles=("courier",), branches=(branch,))
    cleo = await factory.user("cleo", roles=("courier",), branches=(branch,))
    await factory.user("otto", roles=("manager",), branches=(other,))
    couriers = [
        Courier(branch_id=branch.id, user_id=cody.id, name="Cody"),
        Courier(branch_id=branch.id, user_id=cleo.id, name="Cleo"),
    ]
    factory.session.add_all(couriers)
    await factory.commit()
    return {
        "branch": branch.id,
        "other": other.id,
        "cody": couriers[0].id,
        "cleo": couriers[1].id,
    }


async def new_order(
    runtime: Any,
    branch_id: int,
    *,
    channel: str = "counter",
    token: int | None = 7,
    stations: tuple[str, ...] = ("grill",),
) -> tuple[str, list[str]]:
    """An order as the order service makes it: order.created + one ticket.created per station."""
    from app.orders.machine import OrderMachine, TicketSpec
    from app.orders.states import State

    order_id = str(uuid.uuid4())
    delivery = channel in {"delivery", "partner"}
    lines = [
        {
            "line_no": n,
            "product_id": n,
            "name": f"Secret Burger {n}",
            "qty": "1",
            "unit": "piece",
            "station_code": station,
            "note": "allergic, call Sam on +20 100 555 0101",
            "line_total": "120.00",
        }
        for n, station in enumerate(stations, start=1)
    ]
    created = {
        "order_id": order_id,
        "branch_id": branch_id,
        "channel": channel,
        "state": "received",
        "version": 1,
        "token": token,
        "table_label": "T4" if channel == "dine_in" else None,
        "note": "ring twice, Sam Secret",
        "payment_status": "unpaid",
        "totals": {"subtotal": "240.00", "tax": "33.60", "delivery_charge": "0", "total": "273.60"},
        "customer": {"id": 1, "name": "Sam Secret", "phone": "+20 100 555 0101"},
        "delivery": (
            {"address": "12 Hidden St", "territory_id": 1, "slot_start": None, "slot_end": None}
            if delivery
            else None
        ),
        "lines": lines,
        "created_at": "2026-01-01T12:00:00+00:00",
    }
    tickets = []
    for line in lines:
        ticket_id = str(uuid.uuid4())
        ticket = {
            "ticket_id": ticket_id,
            "order_id": order_id,
            "station_code": line["station_code"],
            "token": token,
            "channel": channel,
            "table_label": created["table_label"],
            "rush": False,
            "items": [{k: line[k] for k in ("line_no", "name", "qty", "unit", "note")}],
            "note": "",
        }
        tickets.append(TicketSpec(ticket_id, str(line["station_code"]), json.dumps(ticket)))
    fields = {"channel": channel, "payment_status": "unpaid", "token": "" if token is None else str(token)}
    machine = OrderMachine(runtime.redis, runtime.keys, runtime.lua, runtime.bus)
    new, ids = await machine.init_order(
        branch_id=branch_id,
        order_id=order_id,
        state=State.RECEIVED,
        fields=fields,
        created=json.dumps(created),
        tickets=tickets,
    )
    assert new
    await runtime.redis.sadd(runtime.keys.event_branches(), branch_id)
    return order_id, ids


async def move(runtime: Any, branch_id: int, order_id: str, to: str, **guard: Any) -> str:
    from tests.support.moves import door_move

    moved = await door_move(runtime, branch_id, order_id, to, **guard)
    return str(moved.event_id)

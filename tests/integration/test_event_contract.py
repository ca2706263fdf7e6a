"""Every event on a branch stream is its registered type's payload, exactly (app/events).

The Python writers append through the bus with the payload struct itself; the Lua scripts build theirs
inside Redis. A day's worth of moves is made here over HTTP — tickets started, bumped and recalled, a rush,
a token called, payments, a dispatch settled now and delivered, a cancel — and every entry of the stream is
decoded strictly (unknown fields refused) as the registry's payload for its name.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec
import pytest

from app.events import REGISTRY, decode
from app.events.stream import read_after
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="EV", name="Events")
    await factory.station(branch, "grill")
    await factory.station(branch, "bar")
    burger = await factory.product("Burger", price="50.00", station="grill")
    cola = await factory.product("Cola", price="10.00", station="bar")
    territory = await factory.territory()
    for name, roles in (("cashier", ("cashier",)), ("cook", ("kitchen",)), ("boss", ("manager",))):
        await factory.user(name, roles=roles, branches=(branch,))
    rider_user = await factory.user("rider", roles=("courier",), branches=(branch,))
    rider = await factory.courier(branch, user=rider_user)
    await factory.commit()
    return {
        "branch": branch.id,
        "burger": burger.id,
        "cola": cola.id,
        "territory": territory.id,
        "rider": rider.id,
    }


async def _order(client: httpx.AsyncClient, shop: dict[str, Any], channel: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"],
        "channel": channel,
        "lines": [{"product_id": shop[p], "qty": "1"} for p in ("burger", "cola")],
    }
    if channel == "delivery":
        body["delivery"] = {"address": "1 Nile St", "territory_id": shop["territory"]}
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _ok(response: Any) -> dict[str, Any]:
    result = await response
    assert result.status_code in (200, 201), result.text
    return dict(result.json())


async def test_every_event_a_day_makes_is_its_registered_payload(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    counter = await _order(client, shop, "counter")
    delivery = await _order(client, shop, "delivery")
    doomed = await _order(client, shop, "pickup")
    await _ok(client.post(f"/api/v1/orders/{counter['id']}/rush", json={"rush": True}))

    await login(client, "cook")
    tickets = {t["station_code"]: t["id"] for t in counter["tickets"]}
    for action, station in (("start", "grill"), ("bump", "grill"), ("bump", "bar"), ("recall", "bar")):
        await _ok(client.post(f"/api/v1/tickets/{tickets[station]}/{action}"))
    await _ok(client.post(f"/api/v1/tickets/{tickets['bar']}/bump"))
    for ticket in delivery["tickets"]:
        await _ok(client.post(f"/api/v1/tickets/{ticket['id']}/bump"))

    await login(client, "cashier")
    await _ok(client.post(f"/api/v1/orders/{counter['id']}/call"))
    paid = await _ok(
        client.post(
            f"/api/v1/orders/{counter['id']}/payments",
            json={"id": str(uuid.uuid4()), "method": "cash", "amount": counter["totals"]["total"]},
        )
    )
    assert paid["order"]["payment_status"] == "paid"
    await _ok(client.post(f"/api/v1/orders/{counter['id']}/transitions", json={"to": "completed"}))

    await login(client, "boss")
    await _ok(
        client.post(
            f"/api/v1/orders/{delivery['id']}/transitions",
            json={"to": "out_for_delivery", "courier_id": shop["rider"], "settle_mode": "now"},
        )
    )
    await _ok(client.post(f"/api/v1/orders/{doomed['id']}/cancel", json={"reason": "customer left"}))
    await _ok(client.post(f"/api/v1/orders/{delivery['id']}/transitions", json={"to": "delivered"}))

    entries = await read_after(runtime.redis, runtime.keys, shop["branch"], "0-0")
    seen: set[str] = set()
    for entry in entries:
        assert entry.type in REGISTRY, entry.type
        try:
            decode(entry.type, entry.raw_data)
        except msgspec.ValidationError as exc:  # pragma: no cover - the message is the finding
            pytest.fail(f"{entry.type} does not match its payload: {exc}\n{entry.raw_data!r}")
        seen.add(entry.type)
    assert {
        "order.created",
        "ticket.created",
        "ticket.started",
        "ticket.bumped",
        "ticket.recalled",
        "order.updated",
        "order.state_changed",
        "token.called",
        "payment.collected",
        "courier.assigned",
        "settlement.completed",
    } <= seen

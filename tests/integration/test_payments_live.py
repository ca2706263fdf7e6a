"""Payment events over Socket.IO from a real uvicorn: a payment taken over HTTP reaches the till and the
board after its commit, and never the kitchen or the TV (a later state change both must see is the
barrier: stream order means a payment event would have arrived before it)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.payments import new_order, pay, payments_shop
from tests.support.sockets import LiveClient, connect


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    from app.db.models import Station

    shop = await payments_shop(factory)
    factory.session.add(Station(branch_id=shop["branch"].id, code="grill", name="Grill"))
    await factory.commit()
    return shop


async def test_a_payment_reaches_the_till_and_board_but_not_kitchen_or_tv(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch_id = shop["branch"].id
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await login(http, "boss")
        order = await new_order(http, shop, product="coffee")
        till = await connect(clients, live_server, "/pos", "cashier")
        board = await connect(clients, live_server, "/kanban", "boss")
        expo = await connect(clients, live_server, "/kds", "cook")
        tv = await connect(clients, live_server, "/queue", "cashier", {"branch_id": branch_id})

        taken = await pay(http, order["id"], method="cash", amount="10.05", tendered="20.00")
        assert taken.status_code == 201, taken.text
        moved = await http.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "ready"})
        assert moved.status_code == 200, moved.text
        barrier = moved.json()["event_id"]

    for client in (till, board):
        # The order's creation may still be on its way when the client connects: look from the payment on.
        events = await client.events_until(barrier)
        types = [e["type"] for e in events]
        assert types[types.index("payment.collected") :] == ["payment.collected", "order.state_changed"]
        payment = events[types.index("payment.collected")]
        assert payment["branch_id"] == branch_id
        assert payment["data"] | {"actor": None} == {
            "order_id": order["id"],
            "payment_id": taken.json()["payment"]["id"],
            "method": "cash",
            "amount": "10.03",
            "payment_status": "paid",
            "paid_total": "10.03",
            "balance": "0.00",
            "seq": 1,
            "token": order["token"],
            "rounding": "0.02",
            "change_due": "9.95",
            "actor": None,
        }
    for client in (expo, tv):
        seen = await client.events_until(barrier)
        assert not [e for e in seen if e["type"].startswith("payment.")], seen

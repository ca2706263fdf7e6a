"""The kitchen's events through real web processes: what the queue TV and a station screen receive when
an order is rung up, rushed, started, bumped and called over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.kitchen import make_shop
from tests.support.live import LiveServer
from tests.support.projection import ENVELOPE_KEYS, KDS_FORBIDDEN, QUEUE_FORBIDDEN, keys_in
from tests.support.sockets import LiveClient, client_pool, connect


@pytest.fixture
async def sockets() -> AsyncIterator[list[LiveClient]]:
    async with client_pool() as made:
        yield made


async def test_tv_and_station_screens_follow_the_kitchen(
    live_server: LiveServer, factory: Factory, sockets: list[LiveClient]
) -> None:
    shop = await make_shop(factory)
    branch = shop["branch"]
    tv = await connect(sockets, live_server, "/queue", "cashier", {"branch_id": branch})
    grill_screen = await connect(
        sockets, live_server, "/kds", "cook", {"station": "grill", "branch_id": branch}
    )

    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await login(http, "cashier")
        created = await http.post(
            "/api/v1/orders",
            json={
                "id": "0b7f0c4e-8c1a-4f7e-9a57-1c2d3e4f5a6b",
                "branch_id": branch,
                "channel": "pickup",
                "lines": [
                    {"product_id": shop["burger"], "qty": "1", "note": "no onions"},
                    {"product_id": shop["cola"], "qty": "1"},
                ],
            },
        )
        assert created.status_code == 201, created.text
        order = created.json()
        tickets = {t["station_code"]: t["id"] for t in order["tickets"]}
        rushed = (await http.post(f"/api/v1/orders/{order['id']}/rush", json={"rush": True})).json()
        await login(http, "cook")
        started = (await http.post(f"/api/v1/tickets/{tickets['grill']}/start")).json()
        grill_bumped = (await http.post(f"/api/v1/tickets/{tickets['grill']}/bump")).json()
        bar_bumped = (await http.post(f"/api/v1/tickets/{tickets['bar']}/bump")).json()
        assert bar_bumped["order_state"] == "ready"
        called = await http.post(f"/api/v1/orders/{order['id']}/call")
        assert called.status_code == 200, called.text
        # A barrier for the kitchen screen: anything the call sent it would arrive before this.
        await login(http, "cashier")
        calm = (await http.post(f"/api/v1/orders/{order['id']}/rush", json={"rush": False})).json()

    token = order["token"]
    on_tv = await tv.events_until(called.json()["event_id"])
    assert [(e["type"], e["data"]) for e in on_tv] == [
        (
            "order.created",
            {
                "order_id": order["id"],
                "token": token,
                "state": "received",
                "channel": "pickup",
                # Menu depth: the quoted ready time is token-level news the TV shows.
                "quoted_ready_at": order["quoted_ready_at"].replace("Z", "+00:00"),
            },
        ),
        ("order.updated", {"order_id": order["id"], "token": token, "channel": "pickup", "rush": True}),
        (
            "order.state_changed",
            {
                "order_id": order["id"],
                "token": token,
                "from": "received",
                "to": "preparing",
                "channel": "pickup",
            },
        ),
        (
            "order.state_changed",
            {
                "order_id": order["id"],
                "token": token,
                "from": "preparing",
                "to": "ready",
                "channel": "pickup",
            },
        ),
        ("token.called", {"order_id": order["id"], "token": token, "channel": "pickup"}),
    ]
    assert on_tv[1]["id"] == rushed["event_id"]
    for envelope in on_tv:
        assert set(envelope) == ENVELOPE_KEYS
        assert not set(keys_in(envelope)) & QUEUE_FORBIDDEN, envelope

    # The grill screen: its own new ticket, the rush, every ticket's progress (the bar's via the kitchen
    # room), the order's moves; never the TV's call.
    on_grill = await grill_screen.events_until(bar_bumped["event_id"])
    assert [e["type"] for e in on_grill] == [
        "ticket.created",
        "order.updated",
        "ticket.started",
        "order.state_changed",
        "ticket.bumped",
        "ticket.bumped",
    ]
    assert [
        e["id"] for e in on_grill if e["type"].startswith("ticket.") and e["type"] != "ticket.created"
    ] == [
        started["event_id"],
        grill_bumped["event_id"],
        bar_bumped["event_id"],
    ]
    rush = dict(on_grill[1]["data"])
    assert sorted(rush.pop("ticket_ids")) == sorted(tickets.values())
    assert rush == {"order_id": order["id"], "token": token, "rush": True}
    start = on_grill[2]["data"]
    assert (start["ticket_id"], start["state"], start["rush"], start["token"]) == (
        tickets["grill"],
        "started",
        True,
        token,
    )
    assert start["items"] == [
        {"line_no": 1, "name": "Burger", "qty": "1", "unit": "piece", "note": "no onions"}
    ]
    assert start["started_ms"] == started["started_ms"] == start["at"]
    assert on_grill[5]["data"]["station_code"] == "bar"
    for envelope in on_grill:
        assert "actor" not in envelope["data"]
        assert not set(keys_in(envelope)) & KDS_FORBIDDEN, envelope
    # The ready move follows the last bump; the call never reaches the kitchen.
    ready, unrushed = await grill_screen.events_until(calm["event_id"])
    assert ready["type"] == "order.state_changed" and ready["data"]["to"] == "ready"
    assert unrushed["type"] == "order.updated" and unrushed["data"]["rush"] is False

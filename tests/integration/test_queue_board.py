"""The queue TV's board snapshot and its live events: tokens and numbers, never a customer."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.devices import device_auth, in_process, pair
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.projection import ENVELOPE_KEYS, QUEUE_FORBIDDEN, keys_in
from tests.support.sockets import LiveClient, connect

SECRETS = ("Sam Secret", "+201005550101", "1005550101", "12 Hidden St", "T9", "ring twice")


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(
        code="QB", name="Queue Branch", announce_language="ar-EG", queue_ready_seconds=300
    )
    other = await factory.branch(code="QO", name="Other Branch")
    burger = await factory.product("Burger", price="50.00")
    territory = await factory.territory()
    customer = await factory.customer("Sam Secret", phone="+201005550101")
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("cass", roles=("cashier",), branches=(branch,))
    await factory.user("otto", roles=("manager",), branches=(other,))
    await factory.commit()
    return {
        "branch": branch.id,
        "other": other.id,
        "burger": burger.id,
        "territory": territory.id,
        "customer": customer.id,
    }


@pytest.fixture
async def app(asgi_app: Any, clean_state: None) -> Any:
    # The worker's app (tests/conftest.py): building one a test was ~0.3 s of CPU each. Its state lives
    # in PostgreSQL and Redis, which clean_state empties.
    return asgi_app


@pytest.fixture
async def manager(app: Any, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(app, "10.1.0.9") as http:
        await login(http, "mia")
        yield http


async def order(http: httpx.AsyncClient, shop: dict[str, Any], channel: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"],
        "channel": channel,
        "customer_id": shop["customer"],
        "note": "ring twice",
        "lines": [{"product_id": shop["burger"], "qty": "1", "note": "no onions, Sam Secret"}],
    }
    if channel == "delivery":
        body["delivery"] = {"address": "12 Hidden St", "territory_id": shop["territory"]}
    if channel == "dine_in":
        body["table_label"] = "T9"
    response = await http.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def move(http: httpx.AsyncClient, order_id: str, to: str, **extra: Any) -> dict[str, Any]:
    response = await http.post(f"/api/v1/orders/{order_id}/transitions", json={"to": to, **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_the_board_shows_tokens_preparing_and_ready_and_nothing_else(
    app: Any, manager: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    from app.events.stream import last_id

    received = await order(manager, shop, "dine_in")
    preparing = await order(manager, shop, "counter")
    ready = await order(manager, shop, "pickup")
    stale = await order(manager, shop, "counter")
    gone = await order(manager, shop, "counter")
    delivery = await order(manager, shop, "delivery")
    await move(manager, preparing["id"], "preparing")
    await move(manager, ready["id"], "ready")
    await move(manager, stale["id"], "ready")
    await move(manager, gone["id"], "ready")
    await move(manager, gone["id"], "cancelled", reason="customer left")
    await move(manager, delivery["id"], "preparing")
    # A ready token older than the branch's queue_ready_seconds (300 s) has left the screen.
    await runtime.redis.zadd(runtime.keys.state_index(shop["branch"], "ready"), {stale["id"]: 1_000}, xx=True)
    taken = await manager.post(f"/api/v1/queue/{shop['branch']}/tickets", json={"service": "returns"})
    assert taken.status_code == 201, taken.text
    await manager.post(f"/api/v1/queue/{shop['branch']}/tickets", json={})
    called = await manager.post(f"/api/v1/queue/{shop['branch']}/call-next", json={"counter": "3"})
    assert called.status_code == 200, called.text

    response = await manager.get(f"/api/v1/queue/{shop['branch']}/board")
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["stream_id"] == await last_id(runtime.redis, runtime.keys, shop["branch"])
    assert board["branch_id"] == shop["branch"]
    assert board["language"] == "ar-EG"
    assert board["ready_seconds"] == 300
    assert board["preparing"] == [
        {"order_id": received["id"], "token": received["token"]},
        {"order_id": preparing["id"], "token": preparing["token"]},
    ]
    assert len(board["ready"]) == 1
    (shown,) = board["ready"]
    assert (shown["order_id"], shown["token"]) == (ready["id"], ready["token"])
    assert abs(board["now_ms"] - shown["ready_at_ms"]) < 60_000
    assert board["service"] == [
        {"number": 1, "counter": "3", "state": "called"},
        {"number": 2, "counter": None, "state": "waiting"},
    ]

    # A delivery has a token (its reference) but its customer is not in the shop: not on the TV.
    assert delivery["token"] is not None
    assert delivery["id"] not in {t["order_id"] for t in board["preparing"] + board["ready"]}
    text = response.text
    for secret in SECRETS:
        assert secret not in text
    assert not set(keys_in(board)) & QUEUE_FORBIDDEN


async def test_the_board_is_for_the_branchs_staff_and_its_paired_tv(
    app: Any, manager: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    async with in_process(app, "10.1.0.20") as tv, in_process(app, "10.1.0.21") as stranger:
        device = await pair(tv, manager, branch_id=shop["branch"])
        assert (
            await tv.get(f"/api/v1/queue/{shop['branch']}/board", headers=device_auth(device["token"]))
        ).status_code == 200
        assert (await tv.get(f"/api/v1/queue/{shop['branch']}/board")).status_code == 401
        await login(stranger, "otto")
        assert (await stranger.get(f"/api/v1/queue/{shop['branch']}/board")).status_code == 404
        assert (await manager.get("/api/v1/queue/999999/board")).status_code == 404
        assert (await manager.get(f"/api/v1/queue/{2**70}/board")).status_code == 400


async def test_an_empty_branch_has_an_empty_board(manager: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    board = (await manager.get(f"/api/v1/queue/{shop['branch']}/board")).json()
    assert board["stream_id"] == "0-0"
    assert (board["preparing"], board["ready"], board["service"]) == ([], [], [])


# --------------------------------------------------------------------------- live (real uvicorn)


async def test_the_tv_hears_orders_and_walk_in_numbers_without_customer_data(
    live_server: LiveServer, shop: dict[str, Any], clients: list[LiveClient]
) -> None:
    async with (
        httpx.AsyncClient(base_url=live_server.url) as staff,
        httpx.AsyncClient(base_url=live_server.url) as tv_http,
    ):
        await login(staff, "mia")
        device = await pair(tv_http, staff, branch_id=shop["branch"])
        tv = await connect_tv(clients, live_server, device["token"])
        kanban = await connect(clients, live_server, "/kanban", "mia")

        made = await order(staff, shop, "counter")
        await order(staff, shop, "delivery")  # never on the TV
        ready = await move(staff, made["id"], "ready")
        taken = (
            await staff.post(f"/api/v1/queue/{shop['branch']}/tickets", json={"service": "returns"})
        ).json()
        called = (await staff.post(f"/api/v1/queue/{shop['branch']}/call-next", json={"counter": "2"})).json()
        done = (await staff.post(f"/api/v1/queue/tickets/{called['id']}/done")).json()
        assert done["state"] == "done"

        got = [await tv.next_event() for _ in range(5)]
        assert [e["type"] for e in got] == [
            "order.created",
            "order.state_changed",
            "service.ticket_created",
            "service.ticket_called",
            "service.ticket_updated",
        ]
        assert got[1]["id"] == ready["event_id"]
        assert got[0]["data"] == {
            "order_id": made["id"],
            "token": made["token"],
            "state": "received",
            "channel": "counter",
            # Menu depth: the quoted ready time is token-level news (no customer data).
            "quoted_ready_at": made["quoted_ready_at"].replace("Z", "+00:00"),
        }
        assert got[2]["data"] == {"number": taken["number"], "counter": None, "state": "waiting"}
        assert got[3]["data"] == {"number": taken["number"], "counter": "2", "state": "called"}
        assert got[4]["data"] == {"number": taken["number"], "counter": "2", "state": "done"}
        for envelope in got:
            assert set(envelope) == ENVELOPE_KEYS
            assert not set(keys_in(envelope)) & QUEUE_FORBIDDEN, envelope
            assert not any(secret in json.dumps(envelope) for secret in SECRETS)

        # Staff boards get the whole ticket, service and id included.
        seen = [e for e in await kanban.events_until(got[4]["id"]) if e["type"].startswith("service.")]
        assert [e["data"]["ticket_id"] for e in seen] == [taken["id"]] * 3
        assert seen[0]["data"]["service"] == "returns"
        assert seen[1]["data"]["recall"] is False


async def connect_tv(clients: list[LiveClient], server: LiveServer, token: str) -> LiveClient:
    client = LiveClient("/queue")
    await client.connect(server, None, {"device_token": token})
    clients.append(client)
    name, client.hello = await client.next()
    assert name == "hello"
    return client


async def test_walk_in_numbers_come_back_after_redis_loses_them(
    manager: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    for _ in range(3):
        assert (await manager.post(f"/api/v1/queue/{branch}/tickets", json={})).status_code == 201
    first = (await manager.post(f"/api/v1/queue/{branch}/call-next", json={"counter": "1"})).json()
    second = (await manager.post(f"/api/v1/queue/{branch}/call-next", json={"counter": "2"})).json()
    assert (await manager.post(f"/api/v1/queue/tickets/{first['id']}/done")).status_code == 200
    before = (await manager.get(f"/api/v1/queue/{branch}/board")).json()["service"]
    assert before == [
        {"number": second["number"], "counter": "2", "state": "called"},
        {"number": 3, "counter": None, "state": "waiting"},
    ]

    await runtime.redis.delete(runtime.keys.service_tickets(branch))
    after = (await manager.get(f"/api/v1/queue/{branch}/board")).json()["service"]
    assert after == before

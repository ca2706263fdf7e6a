"""Courier location pings: validation, throttling, the board's snapshot, and who sees `courier.updated`."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from app import events as ev
from app.events.stream import read_after
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.realtime import make_shop, move, new_order
from tests.support.sockets import LiveClient, connect

URL = "/api/v1/couriers/me/location"
CAIRO = {"lat": 30.0444, "lng": 31.2357, "accuracy": 12.5}


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="CL", name="Couriers")
    other = await factory.branch(code="CO", name="Other")
    cody = await factory.user("cody", roles=("courier",), branches=(branch,))
    cleo = await factory.user("cleo", roles=("courier",), branches=(branch,))
    await factory.user("nobody", roles=("courier",), branches=(branch,))  # a login without a courier profile
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("cass", roles=("cashier",), branches=(branch,))
    await factory.user("otto", roles=("manager",), branches=(other,))
    courier = await factory.courier(branch, user=cody, name="Cody")
    second = await factory.courier(branch, user=cleo, name="Cleo")
    await factory.commit()
    return {"branch": branch, "other": other, "cody": courier, "cleo": second}


async def test_a_ping_is_stored_announced_and_listed_for_the_board(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cody")
    response = await client.post(URL, json=CAIRO)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["courier_id"], body["branch_id"], body["lat"], body["lng"], body["accuracy"]) == (
        shop["cody"].id,
        shop["branch"].id,
        30.0444,
        31.2357,
        12.5,
    )
    (entry,) = await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0")
    assert (entry.id, entry.type, entry.order_id) == (body["event_id"], "courier.updated", None)
    data = msgspec.json.decode(entry.raw_data, type=ev.CourierLocation)
    assert (data.courier_id, data.lat, data.lng, data.accuracy, data.at) == (
        shop["cody"].id,
        30.0444,
        31.2357,
        12.5,
        body["at"].replace("Z", "+00:00"),
    )

    await login(client, "mia")
    board = await client.get("/api/v1/couriers/locations", params={"branch_id": shop["branch"].id})
    assert board.status_code == 200, board.text
    assert board.json()["stream_id"] == entry.id
    assert board.json()["couriers"] == [
        {
            "courier_id": shop["cody"].id,
            "name": "Cody",
            "lat": 30.0444,
            "lng": 31.2357,
            "accuracy": 12.5,
            "at": body["at"],
        }
    ]


async def test_one_accepted_ping_per_15_seconds_per_courier(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cody")
    # A refused (invalid) ping does not start the wait.
    assert (await client.post(URL, json={"lat": 91, "lng": 0})).status_code == 422
    assert (await client.post(URL, json=CAIRO)).status_code == 200
    throttled = await client.post(URL, json={"lat": 30.05, "lng": 31.24})
    assert throttled.status_code == 429, throttled.text
    assert 1 <= int(throttled.headers["Retry-After"]) <= 15
    # Another courier has their own allowance.
    await login(client, "cleo")
    assert (await client.post(URL, json={"lat": 29.9, "lng": 31.1})).status_code == 200
    entries = await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0")
    assert [e.type for e in entries] == ["courier.updated", "courier.updated"]
    await login(client, "mia")
    listed = (await client.get("/api/v1/couriers/locations", params={"branch_id": shop["branch"].id})).json()
    assert [(c["courier_id"], c["lat"]) for c in listed["couriers"]] == [
        (shop["cody"].id, 30.0444),  # the throttled ping changed nothing
        (shop["cleo"].id, 29.9),
    ]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"lat": 90.5, "lng": 0}, 422, "lat"),
        ({"lat": -91, "lng": 0}, 422, "lat"),
        ({"lat": 0, "lng": 180.01}, 422, "lng"),
        ({"lat": 0, "lng": -181}, 422, "lng"),
        ({"lat": 0, "lng": 0, "accuracy": -1}, 422, "accuracy"),
        ({"lat": 0, "lng": 0, "accuracy": 1e9}, 422, "accuracy"),
        ({"lat": "north", "lng": 0}, 400, "lat"),
        ({"lng": 0}, 400, "lat"),
        ({"lat": 0, "lng": 0, "speed": 3}, 400, "speed"),
    ],
)
async def test_bad_positions_name_the_field(
    client: httpx.AsyncClient, shop: dict[str, Any], body: dict[str, Any], status: int, field: str
) -> None:
    await login(client, "cody")
    response = await client.post(URL, json=body)
    assert response.status_code == status, response.text
    assert field in response.text
    if status == 422:
        assert response.json()["field"] == field


async def test_extreme_but_valid_positions_are_accepted(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cody")
    assert (await client.post(URL, json={"lat": -90, "lng": 180})).status_code == 200


async def test_who_may_ping_and_who_may_look(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "mia")
    assert (await client.post(URL, json=CAIRO)).status_code == 403  # not a courier
    await login(client, "nobody")
    assert (await client.post(URL, json=CAIRO)).status_code == 403  # a courier login with no profile
    await login(client, "cody")
    assert (
        await client.get("/api/v1/couriers/locations", params={"branch_id": shop["branch"].id})
    ).status_code == 403
    await login(client, "cass")
    assert (
        await client.get("/api/v1/couriers/locations", params={"branch_id": shop["branch"].id})
    ).status_code == 403
    await login(client, "otto")
    assert (
        await client.get("/api/v1/couriers/locations", params={"branch_id": shop["branch"].id})
    ).status_code == 404
    assert (await client.get("/api/v1/couriers/locations")).status_code == 400
    await login(client, "mia")
    assert (await client.get("/api/v1/couriers/locations", params={"branch_id": 999_999})).status_code == 404


async def test_stale_positions_leave_the_board(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    import datetime as dt
    import json

    key = runtime.keys.courier_locations(shop["branch"].id)
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    await runtime.redis.hset(
        key, str(shop["cleo"].id), json.dumps({"lat": 1.0, "lng": 2.0, "accuracy": None, "at": old})
    )
    await login(client, "mia")
    listed = (await client.get("/api/v1/couriers/locations", params={"branch_id": shop["branch"].id})).json()
    assert listed["couriers"] == []
    assert await runtime.redis.hexists(key, str(shop["cleo"].id)) == 0


# --------------------------------------------------------------------------- who gets it


async def test_the_board_sees_a_ping_live_and_the_courier_page_does_not(
    live_server: LiveServer, factory: Factory, runtime: Any, clients: list[LiveClient]
) -> None:
    shop = await make_shop(factory)
    kanban = await connect(clients, live_server, "/kanban", "mia")
    pos = await connect(clients, live_server, "/pos", "cass")
    own_page = await connect(clients, live_server, "/courier", "cody")
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await login(http, "cody")
        ping = await http.post(URL, json=CAIRO)
        assert ping.status_code == 200, ping.text
    event_id = ping.json()["event_id"]

    got = await kanban.events_until(event_id)
    assert got[-1]["type"] == "courier.updated"
    assert got[-1]["data"] == {
        "courier_id": shop["cody"],
        "lat": 30.0444,
        "lng": 31.2357,
        "accuracy": 12.5,
        "at": got[-1]["data"]["at"],
    }
    # Barriers: an order on the POS, and a move naming the courier on their page; stream order means a
    # location would have arrived before either.
    order_id, created_ids = await new_order(runtime, shop["branch"], channel="delivery")
    seen = await pos.events_until(created_ids[0])
    assert "courier.updated" not in [e["type"] for e in seen]
    moved = await move(
        runtime, shop["branch"], order_id, "out_for_delivery", courier_id=shop["cody"], settle_mode="now"
    )
    mine = await own_page.events_until(moved)
    assert [e["type"] for e in mine] == ["order.state_changed"]

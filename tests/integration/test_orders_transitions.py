"""Moving orders through the state machine over HTTP: the table, guards, versions, roles, branches."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import msgspec
import pytest

from app import events as ev
from app.events.stream import read_after
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="TR", name="Transitions")
    other = await factory.branch(code="OX", name="Other")
    burger = await factory.product("Burger", price="50.00")
    territory = await factory.territory()
    courier_user = await factory.user("rider", roles=("courier",), branches=(branch,))
    other_rider = await factory.user("rider2", roles=("courier",), branches=(branch,))
    courier = await factory.courier(branch, user=courier_user)
    courier2 = await factory.courier(branch, user=other_rider, name="Second")
    foreign_courier = await factory.courier(other, name="Elsewhere")
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.user("boss2", roles=("manager",), branches=(branch,))
    await factory.user("cook", roles=("kitchen",), branches=(branch,))
    await factory.user("stranger", roles=("manager",), branches=(other,))
    await factory.commit()
    return {
        "branch": branch,
        "burger": burger,
        "territory": territory,
        "courier": courier,
        "courier2": courier2,
        "foreign_courier": foreign_courier,
    }


async def new_order(
    client: httpx.AsyncClient, shop: dict[str, Any], *, channel: str = "counter"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": channel,
        "lines": [{"product_id": shop["burger"].id, "qty": "1"}],
    }
    if channel == "delivery":
        body["delivery"] = {"address": "3 Nile St", "territory_id": shop["territory"].id}
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def move(client: httpx.AsyncClient, order_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/orders/{order_id}/transitions", json=body)


async def test_kitchen_moves_an_order_and_the_event_carries_the_change(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop)
    await login(client, "cook")
    response = await move(client, order["id"], to="preparing", expected_version=1)
    assert response.status_code == 200, response.text
    assert response.json()["from"] == "received"
    assert response.json()["state"] == "preparing"
    assert response.json()["version"] == 2
    stream = await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0")
    # The move, then its ticket started (a person's move to preparing starts the kitchen's tickets).
    changed, started = stream[-2:]
    assert changed.id == response.json()["event_id"] and changed.type == "order.state_changed"
    assert started.type == "ticket.started"
    data = msgspec.json.decode(changed.raw_data, type=ev.StateChanged)
    assert (data.order_id, data.from_state, data.to, data.version, data.token) == (
        order["id"],
        "received",
        "preparing",
        2,
        order["token"],
    )
    assert (await move(client, order["id"], to="ready")).json()["version"] == 3
    board = (await client.get(f"/api/v1/branches/{shop['branch'].id}/board")).json()
    assert [c["order_id"] for c in board["columns"]["ready"]] == [order["id"]]
    assert board["columns"]["received"] == [] and board["columns"]["preparing"] == []


async def test_stale_version_is_409_with_the_current_state_and_version(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await move(client, order["id"], to="preparing", expected_version=1)).status_code == 200
    stale = await move(client, order["id"], to="ready", expected_version=1)
    assert stale.status_code == 409
    assert stale.json()["state"] == "preparing" and stale.json()["version"] == 2


async def test_illegal_move_is_409(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    response = await move(client, order["id"], to="delivered")
    assert response.status_code == 409
    assert response.json()["reason"] == "illegal" and response.json()["state"] == "received"


async def test_completing_an_unpaid_order_is_refused(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await move(client, order["id"], to="ready")).status_code == 200
    response = await move(client, order["id"], to="completed")
    assert response.status_code == 409
    assert response.json()["reason"] == "unpaid"


async def test_missing_guard_data_is_422_naming_it(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, channel="delivery")
    no_mode = await move(client, order["id"], to="out_for_delivery", courier_id=shop["courier"].id)
    assert no_mode.status_code == 422
    assert no_mode.json()["field"] == "settle_mode"
    no_reason = await move(client, order["id"], to="cancelled")
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"


async def test_dispatch_rules(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    counter = await new_order(client, shop)
    wrong_channel = await move(
        client, counter["id"], to="out_for_delivery", courier_id=shop["courier"].id, settle_mode="now"
    )
    assert wrong_channel.status_code == 422
    delivery = await new_order(client, shop, channel="delivery")
    foreign = await move(
        client,
        delivery["id"],
        to="out_for_delivery",
        courier_id=shop["foreign_courier"].id,
        settle_mode="now",
    )
    assert foreign.status_code == 422 and foreign.json()["field"] == "courier_id"
    ok = await move(
        client, delivery["id"], to="out_for_delivery", courier_id=shop["courier"].id, settle_mode="later"
    )
    assert ok.status_code == 200


async def test_a_courier_moves_only_their_own_delivery(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, channel="delivery")
    await move(client, order["id"], to="out_for_delivery", courier_id=shop["courier"].id, settle_mode="now")
    await login(client, "rider2")
    assert (await move(client, order["id"], to="delivered")).status_code == 404
    assert (await client.get(f"/api/v1/orders/{order['id']}")).status_code == 404
    await login(client, "rider")
    assert (await client.get(f"/api/v1/orders/{order['id']}")).status_code == 200
    delivered = await move(client, order["id"], to="delivered")
    assert delivered.status_code == 200 and delivered.json()["state"] == "delivered"
    # The event names the courier even though the request did not, so their page sees it.
    # (the cash's payment.collected follows it)
    last = [
        e
        for e in await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0")
        if e.type == "order.state_changed"
    ][-1]
    assert msgspec.json.decode(last.raw_data, type=ev.StateChanged).courier_id == shop["courier"].id


async def test_role_that_may_not_move_is_403(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop)
    response = await move(client, order["id"], to="cancelled", reason="customer left")
    assert response.status_code == 403


async def test_another_branchs_order_is_404(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await login(client, "stranger")
    assert (await move(client, order["id"], to="preparing")).status_code == 404
    assert (await client.get(f"/api/v1/orders/{order['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/branches/{shop['branch'].id}/board")).status_code == 404


async def test_two_concurrent_moves_exactly_one_wins(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    results = await asyncio.gather(
        *(move(client, order["id"], to=target, expected_version=1) for target in ["preparing", "ready"] * 5)
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [409] * 9


async def test_manager_corrections_and_cancel(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await move(client, order["id"], to="ready")
    back = await move(client, order["id"], to="received")
    assert back.status_code == 200
    cancelled = await move(client, order["id"], to="cancelled", reason="customer left")
    assert cancelled.status_code == 200
    again = await move(client, order["id"], to="preparing")
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"to": "teleported"}, 400),
        ({"to": "ready", "expected_version": -1}, 400),
        ({"to": "ready", "expected_version": "one"}, 400),
        ({"to": "ready", "mood": "happy"}, 400),
        ({"to": "out_for_delivery", "courier_id": 1, "settle_mode": "whenever"}, 400),
        ({}, 400),
    ],
)
async def test_bad_transition_bodies(
    client: httpx.AsyncClient, shop: dict[str, Any], body: dict[str, Any], status: int
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    response = await client.post(f"/api/v1/orders/{order['id']}/transitions", json=body)
    assert response.status_code == status, response.text


async def test_malformed_and_unknown_order_ids(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    assert (await move(client, "not-a-uuid", to="ready")).status_code in {400, 404}
    assert (await move(client, str(uuid.uuid4()), to="ready")).status_code == 404


async def test_order_read_has_history_and_list_filters(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    from app.orders.persister import persist_once

    await login(client, "boss")
    first = await new_order(client, shop)
    second = await new_order(client, shop, channel="delivery")
    await move(client, first["id"], to="preparing")
    while await persist_once(runtime, consumer="test", block_ms=None):
        pass
    detail = (await client.get(f"/api/v1/orders/{first['id']}")).json()
    assert detail["state"] == "preparing"
    assert [e["type"] for e in detail["events"]] == [
        "order.created",
        "ticket.created",
        "order.state_changed",
        "ticket.started",
    ]
    assert detail["tickets"][0]["station_code"] == "grill"
    listed = (
        await client.get("/api/v1/orders", params={"branch_id": shop["branch"].id, "channel": "delivery"})
    ).json()
    assert [o["id"] for o in listed["items"]] == [second["id"]]
    by_state = (await client.get("/api/v1/orders", params={"state": "preparing"})).json()
    assert [o["id"] for o in by_state["items"]] == [first["id"]]
    assert (await client.get("/api/v1/orders", params={"state": "nonsense"})).status_code == 400

"""HTTP reads of orders as each role's audience sees them (app/events/reads.py), like the sockets do.

A courier reads their own deliveries only; the kitchen reads what to make, never money, payment or
customer; hr reads no orders; managers read everything. Each test asserts what is ABSENT, not only what is
there: a field that leaks is the failure this file exists for.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.dispatch import dispatch, make_shop, new_order
from tests.support.factory import Factory

MONEY = {"totals", "paid_total", "balance", "payment_status", "payments", "discount", "invoice"}
CUSTOMER = {"customer_id", "delivery"}
LINE_PRICES = {"unit_price", "line_total", "line_subtotal", "line_tax", "tax_rate", "discount", "price_list"}


@pytest.fixture
async def shop(factory: Factory, client: httpx.AsyncClient) -> dict[str, Any]:
    """Three open orders: a delivery with each of two riders, and one at the counter."""
    shop = await make_shop(factory)
    await factory.user("cook", roles=("kitchen",), branches=(shop["branch"],))
    await factory.user("hana", roles=("hr",), branches=(shop["branch"],))
    await factory.commit()
    await login(client, "boss")
    mine = await new_order(client, shop)
    theirs = await new_order(client, shop)
    counter = await new_order(client, shop, channel="counter", customer=False)
    for order, rider in ((mine, shop["rider"]), (theirs, shop["rider2"])):
        moved = await dispatch(client, order["id"], rider, "later")
        assert moved.status_code == 200, moved.text
    await client.post("/api/v1/auth/logout")
    client.cookies.clear()
    return shop | {"mine": mine["id"], "theirs": theirs["id"], "counter": counter["id"]}


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    client.cookies.clear()
    await login(client, username)


async def board_cards(client: httpx.AsyncClient, branch_id: int) -> dict[str, dict[str, Any]]:
    response = await client.get(f"/api/v1/branches/{branch_id}/board")
    assert response.status_code == 200, response.text
    return {card["order_id"]: card for column in response.json()["columns"].values() for card in column}


async def listed(client: httpx.AsyncClient, branch_id: int) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/v1/orders", params={"branch_id": branch_id})
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


async def test_a_courier_reads_only_their_own_deliveries(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await as_user(client, "rider")
    branch = shop["branch"].id

    cards = await board_cards(client, branch)
    assert set(cards) == {shop["mine"]}
    card = cards[shop["mine"]]
    assert card["card"]["courier_id"] == shop["rider"].id
    # Where to go and what to collect; the till's and the board's bookkeeping stays behind.
    assert {"total", "customer_name", "items"} <= set(card["card"])
    assert "payment_status" in card

    assert set(await listed(client, branch)) == {shop["mine"]}

    other = await client.get(f"/api/v1/orders/{shop['theirs']}")
    assert other.status_code == 404, other.text
    assert (await client.get(f"/api/v1/orders/{shop['counter']}")).status_code == 404

    own = await client.get(f"/api/v1/orders/{shop['mine']}")
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["delivery"]["address"] == "3 Nile St, Zamalek"
    assert body["delivery"]["courier_id"] == shop["rider"].id
    assert body["balance"] == "134.00"
    assert not ({"payments", "customer_id", "totals", "paid_total", "pos_profile_id", "shift_id"} & set(body))
    assert body.get("events") is None  # the history names other people and other couriers
    assert "tickets" not in body
    for line in body["lines"]:
        assert not (LINE_PRICES & set(line)), line


async def test_the_kitchen_reads_no_money_payment_or_customer(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await as_user(client, "cook")
    branch = shop["branch"].id

    cards = await board_cards(client, branch)
    assert set(cards) == {shop["mine"], shop["theirs"], shop["counter"]}
    for card in cards.values():
        assert "payment_status" not in card
        assert not (
            {"total", "payment_status", "customer_name", "courier_id", "territory_id"} & set(card["card"])
        )
        assert card["card"]["items"][0]["name"] == "Burger"

    rows = await listed(client, branch)
    assert set(rows) == {shop["mine"], shop["theirs"], shop["counter"]}
    for row in rows.values():
        assert not ({"total", "payment_status", "customer_id"} & set(row)), row

    response = await client.get(f"/api/v1/orders/{shop['mine']}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert not ((MONEY | CUSTOMER) & set(body)), sorted(set(body))
    assert body.get("events") is None
    assert body["lines"][0]["name"] == "Burger"
    assert body["lines"][0]["station_code"]
    for line in body["lines"]:
        assert not (LINE_PRICES & set(line)), line


async def test_hr_reads_no_orders(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await as_user(client, "hana")
    branch = shop["branch"].id
    for path in (f"/api/v1/branches/{branch}/board", "/api/v1/orders", f"/api/v1/orders/{shop['mine']}"):
        response = await client.get(path)
        assert response.status_code == 403, (path, response.text)
        assert "not shown to your role" in response.json()["detail"]


async def test_managers_read_everything(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await as_user(client, "boss")
    branch = shop["branch"].id
    cards = await board_cards(client, branch)
    assert set(cards) == {shop["mine"], shop["theirs"], shop["counter"]}
    assert cards[shop["theirs"]]["payment_status"] == "unpaid"
    assert {"total", "customer_name", "courier_id"} <= set(cards[shop["theirs"]]["card"])
    assert {"total", "payment_status", "customer_id"} <= set(
        next(iter((await listed(client, branch)).values()))
    )

    body = (await client.get(f"/api/v1/orders/{shop['theirs']}")).json()
    assert (MONEY - {"invoice"}) <= set(body) and set(body) >= CUSTOMER
    assert body["events"] and {"unit_price", "line_total"} <= set(body["lines"][0])

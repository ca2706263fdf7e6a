"""Creating orders over HTTP: pricing, tokens, tickets, hot state, events, idempotency, bad input."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
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
    inclusive = await factory.branch(code="IN", name="Inclusive", prices_include_tax=True)
    exclusive = await factory.branch(code="EX", name="Exclusive", prices_include_tax=False)
    other = await factory.branch(code="OT", name="Other")
    burger = await factory.product("Burger", price="57.00", tax_rate="14", station="grill")
    fries = await factory.product("Fries", price="20.00", tax_rate="14", station="fryer")
    cola = await factory.product(
        "Cola", price="10.00", tax_rate="5", station="drinks", units={"package": "6"}, wholesale="8.00"
    )
    cheese = await factory.product("Cheese", price="180.00", tax_rate="0", station="cold", base_unit="kg")
    local = await factory.product("Local special", price="30.00", branch_prices={inclusive.id: "25.00"})
    territory = await factory.territory(delivery_charge="20.00", courier_fee="15.00")
    customer = await factory.customer("Dina Customer", phone="+201000000001")
    await factory.user("cashier", roles=("cashier",), branches=(inclusive, exclusive))
    await factory.user("boss", roles=("manager",), branches=(inclusive, exclusive))
    await factory.user("cook", roles=("kitchen",), branches=(inclusive,))
    await factory.commit()
    return {
        "inclusive": inclusive,
        "exclusive": exclusive,
        "other": other,
        "burger": burger,
        "fries": fries,
        "cola": cola,
        "cheese": cheese,
        "local": local,
        "territory": territory,
        "customer": customer,
    }


def order_body(shop: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["inclusive"].id,
        "channel": "counter",
        "lines": [
            {"product_id": shop["burger"].id, "qty": "2"},
            {"product_id": shop["fries"].id, "qty": "1", "note": "no salt"},
            {"product_id": shop["cola"].id, "qty": "1", "unit": "package"},
        ],
    }
    body.update(overrides)
    return body


async def test_counter_order_is_priced_tokened_ticketed_and_announced(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    body = order_body(shop)
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["state"] == "received"
    assert order["version"] == 1
    assert order["token"] == 1
    assert order["payment_status"] == "unpaid"
    # Inclusive branch: 2 x 57 + 20 + 6 x 10 = 194 gross; tax extracted per line: 14.00 + 2.46 + 2.86.
    assert order["totals"] == {
        "subtotal": "174.68",
        "tax": "19.32",
        "delivery_charge": "0.00",
        "total": "194.00",
    }
    cola = order["lines"][2]
    assert cola["unit"] == "package" and cola["unit_factor"] == "6.000" and cola["unit_price"] == "60.00"
    assert {t["station_code"] for t in order["tickets"]} == {"grill", "fryer", "drinks"}

    stream = await read_after(runtime.redis, runtime.keys, shop["inclusive"].id, "0-0")
    assert [e.type for e in stream] == ["order.created", "ticket.created", "ticket.created", "ticket.created"]
    created = msgspec.json.decode(stream[0].raw_data, type=ev.OrderCreated)
    assert created.order_id == body["id"] and created.token == 1 and created.totals.total == "194.00"
    tickets = [msgspec.json.decode(e.raw_data, type=ev.TicketCreated) for e in stream[1:]]
    grill = next(t for t in tickets if t.station_code == "grill")
    assert [(i.name, i.qty) for i in grill.items] == [("Burger", "2")]
    fryer = next(t for t in tickets if t.station_code == "fryer")
    assert fryer.items[0].note == "no salt"

    board = (await client.get(f"/api/v1/branches/{shop['inclusive'].id}/board")).json()
    assert board["stream_id"] == stream[-1].id
    assert [c["order_id"] for c in board["columns"]["received"]] == [body["id"]]
    assert board["columns"]["received"][0]["card"]["total"] == "194.00"


async def test_exclusive_branch_adds_tax_and_tokens_count_up_per_branch_and_day(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cashier")
    first = await client.post("/api/v1/orders", json=order_body(shop, branch_id=shop["exclusive"].id))
    assert first.status_code == 201
    # Exclusive: 114 + 20 + 60 = 194 net; tax 15.96 + 2.80 + 3.00.
    assert first.json()["totals"] == {
        "subtotal": "194.00",
        "tax": "21.76",
        "delivery_charge": "0.00",
        "total": "215.76",
    }
    second = await client.post("/api/v1/orders", json=order_body(shop, branch_id=shop["exclusive"].id))
    elsewhere = await client.post("/api/v1/orders", json=order_body(shop))
    assert (first.json()["token"], second.json()["token"], elsewhere.json()["token"]) == (1, 2, 1)


async def test_concurrent_orders_get_distinct_tokens(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    responses = await asyncio.gather(
        *(client.post("/api/v1/orders", json=order_body(shop)) for _ in range(12))
    )
    assert [r.status_code for r in responses] == [201] * 12
    assert sorted(r.json()["token"] for r in responses) == list(range(1, 13))


async def test_kg_items_wholesale_and_branch_prices(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    body = order_body(
        shop,
        lines=[
            {"product_id": shop["cheese"].id, "qty": "0.375"},
            {"product_id": shop["cola"].id, "qty": "3", "price_list": "wholesale"},
            {"product_id": shop["local"].id, "qty": "1"},
        ],
    )
    lines = (await client.post("/api/v1/orders", json=body)).json()["lines"]
    assert (lines[0]["qty"], lines[0]["line_total"]) == ("0.375", "67.50")
    assert (lines[1]["unit_price"], lines[1]["line_total"]) == ("8.00", "24.00")
    assert lines[2]["unit_price"] == "25.00"  # this branch's own price beats the all-branch one


async def test_delivery_order_charges_the_territory_and_gets_its_token_at_once(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cashier")
    body = order_body(
        shop,
        channel="delivery",
        customer_id=shop["customer"].id,
        delivery={"address": "1 Nile St", "territory_id": shop["territory"].id},
        lines=[{"product_id": shop["burger"].id, "qty": "1"}],
    )
    counter = (await client.post("/api/v1/orders", json=order_body(shop))).json()
    order = (await client.post("/api/v1/orders", json=body)).json()
    # Every order has its reference from the start: the branch's next number of the day, like a sale's.
    assert (counter["token"], order["token"]) == (1, 2)
    assert order["totals"]["delivery_charge"] == "20.00"
    assert order["totals"]["total"] == "77.00"
    assert order["delivery"]["address"] == "1 Nile St"


async def test_far_slot_starts_scheduled_and_the_worker_releases_it(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    from app.lib.deps import provide_services
    from app.orders.release import Release

    await login(client, "cashier")
    start = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    body = order_body(
        shop,
        channel="delivery",
        delivery={
            "address": "2 Nile St",
            "territory_id": shop["territory"].id,
            "slot_start": start.isoformat(),
            "slot_end": (start + dt.timedelta(minutes=30)).isoformat(),
        },
    )
    order = (await client.post("/api/v1/orders", json=body)).json()
    assert order["state"] == "scheduled"
    assert order["tickets"] == []
    # Its reference from the start, from the counter of its slot's day; the release keeps it.
    assert order["token"] == 1

    async with provide_services(runtime) as scope:
        service = scope.get(Release)
        assert await service.release_due(now=dt.datetime.now(dt.UTC)) == 0
        assert await service.release_due(now=start - dt.timedelta(minutes=30)) == 1
        assert await service.release_due(now=start - dt.timedelta(minutes=30)) == 0
    released = (await client.get(f"/api/v1/orders/{body['id']}")).json()
    assert released["state"] == "received"
    assert released["token"] == 1
    assert {t["station_code"] for t in released["tickets"]} == {"grill", "fryer", "drinks"}
    stream = await read_after(runtime.redis, runtime.keys, shop["inclusive"].id, "0-0")
    assert [e.type for e in stream].count("ticket.created") == 3


async def test_same_id_same_body_is_the_same_order_and_another_body_is_409(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    body = order_body(shop)
    first = await client.post("/api/v1/orders", json=body)
    again = await client.post("/api/v1/orders", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["token"] == first.json()["token"]
    # Numbers that are equal are the same body.
    equal = {**body, "lines": [{**line, "qty": line["qty"] + ".0"} for line in body["lines"]]}
    assert (await client.post("/api/v1/orders", json=equal)).status_code == 200
    changed = {**body, "note": "extra ketchup"}
    clash = await client.post("/api/v1/orders", json=changed)
    assert clash.status_code == 409
    stream = await read_after(runtime.redis, runtime.keys, shop["inclusive"].id, "0-0")
    assert [e.type for e in stream].count("order.created") == 1


async def test_a_lost_redis_announcement_is_completed_by_the_retry(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    body = order_body(shop)
    assert (await client.post("/api/v1/orders", json=body)).status_code == 201
    branch = shop["inclusive"].id
    # Simulate the process dying after the commit: the hot state and the stream never got the order.
    await runtime.redis.delete(runtime.keys.order(branch, body["id"]), runtime.keys.events(branch))
    assert (await client.post("/api/v1/orders", json=body)).status_code == 200
    stream = await read_after(runtime.redis, runtime.keys, branch, "0-0")
    assert stream[0].type == "order.created"


async def test_offline_sync_reports_per_order(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    good = order_body(shop)
    bad_product = order_body(shop, lines=[{"product_id": 999999, "qty": "1"}])
    malformed = {"id": "not-a-uuid", "branch_id": shop["inclusive"].id, "channel": "counter", "lines": []}
    response = await client.post("/api/v1/orders/sync", json={"orders": [good, bad_product, malformed, good]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["result"] for r in results] == ["created", "rejected", "rejected", "existed"]
    assert results[1]["status"] == 422 and "999999" in results[1]["reason"]
    assert results[2]["status"] == 422 and "id" in results[2]["reason"]
    assert results[0]["order"]["token"] == results[3]["order"]["token"]


async def test_sync_batch_limit(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    response = await client.post("/api/v1/orders/sync", json={"orders": [order_body(shop)] * 101})
    assert response.status_code == 400, response.text
    assert "orders" in response.text


async def test_manual_price_needs_a_manager(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    body = order_body(shop, lines=[{"product_id": shop["burger"].id, "qty": "1", "unit_price": "50.00"}])
    await login(client, "cashier")
    assert (await client.post("/api/v1/orders", json=body)).status_code == 403
    await login(client, "boss")
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201
    assert response.json()["lines"][0]["unit_price"] == "50.00"


async def test_kitchen_cannot_ring_up_orders(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cook")
    assert (await client.post("/api/v1/orders", json=order_body(shop))).status_code == 403


def _line(shop: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"product_id": shop["burger"].id, "qty": "1", **fields}


@pytest.mark.parametrize(
    ("mutate", "status", "needle"),
    [
        (lambda s, b: b.update(lines=[_line(s, product_id=424242)]), 422, "424242"),
        (lambda s, b: b.update(branch_id=999999), 422, "branch_id"),
        (lambda s, b: b.update(branch_id=s["other"].id), 422, "branch_id"),
        (lambda s, b: b.update(customer_id=999999), 422, "customer_id"),
        (
            lambda s, b: b.update(channel="delivery", delivery={"address": "x", "territory_id": 999999}),
            422,
            "territory_id",
        ),
        (lambda s, b: b.update(lines=[_line(s, qty="0")]), 422, "qty"),
        (lambda s, b: b.update(lines=[_line(s, qty="-2")]), 422, "qty"),
        (lambda s, b: b.update(lines=[_line(s, qty="1e9")]), 422, "qty"),
        (lambda s, b: b.update(lines=[_line(s, qty="1.5")]), 422, "whole"),
        (lambda s, b: b.update(lines=[_line(s, qty="1", unit="crate")]), 422, "unit"),
        (lambda s, b: b.update(lines=[_line(s)] * 201), 400, "lines"),
        (lambda s, b: b.update(lines=[]), 400, "lines"),
        (lambda s, b: b.update(id="12345"), 400, "id"),
        (lambda s, b: b.update(channel="drive_thru"), 400, "channel"),
        (lambda s, b: b.update(surprise=True), 400, "surprise"),
        (lambda s, b: b.update(lines=[_line(s, qty="abc")]), 400, "qty"),
        (lambda s, b: b.update(channel="delivery"), 422, "delivery"),
        (lambda s, b: b.update(table_label="T4"), 422, "table_label"),
        (lambda s, b: b.update(lines=[_line(s, price_list="customer")]), 422, "customer"),
    ],
    ids=[
        "unknown-product",
        "unknown-branch",
        "foreign-branch",
        "unknown-customer",
        "unknown-territory",
        "zero-qty",
        "negative-qty",
        "absurd-qty",
        "fractional-pieces",
        "unknown-unit",
        "too-many-lines",
        "no-lines",
        "malformed-uuid",
        "unknown-channel",
        "unknown-field",
        "non-numeric-qty",
        "delivery-without-address",
        "table-on-counter",
        "customer-price-without-customer",
    ],
)
async def test_bad_orders_get_a_4xx_naming_the_problem(
    client: httpx.AsyncClient, shop: dict[str, Any], mutate: Any, status: int, needle: str
) -> None:
    await login(client, "boss")
    body = order_body(shop)
    mutate(shop, body)
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == status, response.text
    assert needle in response.text


async def test_manual_price_with_too_many_decimals_is_422(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    body = order_body(shop, lines=[_line(shop, unit_price="10.123")])
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 422
    assert "decimal places" in response.json()["detail"]
    assert response.json()["field"] == "lines[0].unit_price"


async def test_decimal_totals_add_up(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    order = (await client.post("/api/v1/orders", json=order_body(shop))).json()
    lines = order["lines"]
    assert sum(Decimal(line["line_total"]) for line in lines) == Decimal(order["totals"]["total"])
    assert sum(Decimal(line["line_tax"]) for line in lines) == Decimal(order["totals"]["tax"])

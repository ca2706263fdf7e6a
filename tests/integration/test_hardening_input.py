"""Bad input an adversarial run sent, each answered with a 4xx naming the problem (it was a 500 or silence):
deeply nested JSON, non-finite and huge decimals, NUL in text, ids past int64, a NUL in a static path, a
settlement id reused with another body, a cross-site or non-JSON sign-in, cash collected beyond reason."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from app.db.models import Order
from tests.support import sales as build
from tests.support.auth import login
from tests.support.dispatch import dispatch, make_shop, new_order, set_payment
from tests.support.factory import Factory

DEEP_ARRAY = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
BAD_DECIMALS = ["sNaN", "NaN", "Infinity", "1E+999999999", "1e30", "-1"]


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    made = await make_shop(factory)
    await build.stock(factory, made["branch"], made["burger"], "5")
    await factory.commit()
    return made


def order(shop: dict[str, Any], **line: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": "counter",
        "lines": [{"product_id": shop["burger"].id, "qty": "1"} | line],
    }


def problem(response: httpx.Response) -> str:
    """What the answer says is wrong: `detail`, and the messages and keys of a validation error."""
    body = response.json()
    parts = [str(body.get("detail", ""))]
    parts += [f"{item.get('key')}: {item.get('message')}" for item in body.get("extra") or []]
    return " | ".join(parts)


async def orders_stored(factory: Factory) -> int:
    return int(await factory.session.scalar(select(func.count()).select_from(Order)) or 0)


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
async def test_deep_json_is_a_400_on_login_queue_and_orders(
    client: httpx.AsyncClient, shop: dict[str, Any], body: str
) -> None:
    json = {"content-type": "application/json"}
    for path in ("/api/v1/auth/login", f"/api/v1/queue/{shop['branch'].id}/tickets"):
        response = await client.post(path, content=body, headers=json)
        assert response.status_code == 400, (path, response.text)
        assert "nests deeper than 32 levels" in problem(response)
    await login(client, "boss")
    for path in ("/api/v1/orders", "/api/v1/orders/sync", "/api/v1/customers"):
        response = await client.post(path, content=body, headers=json)
        assert response.status_code == 400, (path, response.text)
        assert "nests deeper" in problem(response)


@pytest.mark.parametrize("value", BAD_DECIMALS)
@pytest.mark.parametrize("field", ["qty", "unit_price", "discount"])
async def test_bad_decimals_on_an_order_line_name_the_field(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory, field: str, value: str
) -> None:
    await login(client, "boss")
    line = {field: value} | ({"discount_reason": "regular"} if field == "discount" else {})
    response = await client.post("/api/v1/orders", json=order(shop, **line))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == f"lines[0].{field}"
    assert response.json()["detail"].startswith(f"lines[0].{field}: must")
    assert await orders_stored(factory) == 0


@pytest.mark.parametrize("value", ["sNaN", "1E+999999999", "1e30"])
async def test_bad_order_discount_and_stock_counts_are_refused(
    client: httpx.AsyncClient, shop: dict[str, Any], value: str
) -> None:
    await login(client, "boss")
    body = order(shop) | {"discount": value, "discount_reason": "regular"}
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "discount" and "discount: must" in problem(response)
    stock = f"/api/v1/branches/{shop['branch'].id}/stock/{shop['burger'].id}"
    response = await client.put(stock, json={"qty": value})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "qty" and "qty: must" in problem(response)
    response = await client.post(f"{stock}/adjustments", json={"delta": value, "reason": "count"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "delta" and "delta: must" in problem(response)


async def test_a_line_or_order_past_what_the_books_hold_is_a_422(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory
) -> None:
    await login(client, "boss")
    response = await client.post("/api/v1/orders", json=order(shop, qty="10000", unit_price="9999999999"))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "lines[0]" and "more than 9999999999.9999" in response.json()["detail"]
    response = await client.post("/api/v1/orders", json=order(shop, unit_price="99999999999999"))
    assert response.status_code == 422, response.text
    assert "lines[0].unit_price: must be at most 9999999999.9999" in problem(response)
    assert await orders_stored(factory) == 0


async def test_nul_in_notes_labels_and_any_text_is_a_422_naming_it(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory
) -> None:
    await login(client, "boss")
    cases = [
        (order(shop, note="no\x00onions"), "lines[0].note"),
        (order(shop) | {"note": "ring\x00bell"}, "note"),
        (order(shop) | {"channel": "dine_in", "table_label": "T\x001"}, "table_label"),
    ]
    for body, field in cases:
        response = await client.post("/api/v1/orders", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field and "NUL" in response.json()["detail"]
    # Text of any other body (here a customer's name) is refused the same way, before any handler.
    response = await client.post("/api/v1/customers", json={"name": "Na\x00dia", "phone": "+201001234999"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "name"
    # The six characters `\u0000` typed as text are harmless, and kept.
    response = await client.post("/api/v1/orders", json=order(shop, note="\\u0000 is fine"))
    assert response.status_code == 201, response.text
    assert response.json()["lines"][0]["note"] == "\\u0000 is fine"
    assert await orders_stored(factory) == 1


async def test_ids_past_int64_are_refused(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    courier = shop["rider"].id
    huge = 2**64 + 1
    response = await client.post(
        f"/api/v1/couriers/{courier}/settlements", json={"id": str(uuid.uuid4()), "transaction_ids": [huge]}
    )
    assert response.status_code == 400, response.text
    assert "transaction_ids" in problem(response)
    response = await client.get(
        f"/api/v1/couriers/{courier}/settlements/preview", params={"transaction_ids": str(huge)}
    )
    assert response.status_code == 400, response.text
    assert "transaction_ids" in problem(response)
    response = await client.get(f"/api/v1/orders?branch_id={huge}")
    assert response.status_code in (400, 404), response.text


async def test_a_nul_in_a_static_path_is_a_404(client: httpx.AsyncClient) -> None:
    for path in ("/static/%00", "/static/js/pos%00.js"):
        response = await client.get(path)
        assert response.status_code == 404, (path, response.text)


async def test_a_settlement_id_reused_with_another_body_is_a_409(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    for _ in range(2):
        placed = await new_order(client, shop, territory="far")
        await set_payment(runtime, placed["id"], "paid")
        assert (await dispatch(client, placed["id"], shop["rider"], "later")).status_code == 200
    courier = shop["rider"].id
    preview = (await client.get(f"/api/v1/couriers/{courier}/settlements/preview")).json()
    first, second = sorted(t["id"] for t in preview["transactions"])
    body = {"id": str(uuid.uuid4()), "transaction_ids": [first], "note": "evening"}
    made = await client.post(f"/api/v1/couriers/{courier}/settlements", json=body)
    assert made.status_code == 201, made.text
    again = await client.post(f"/api/v1/couriers/{courier}/settlements", json=body)
    assert again.status_code == 200 and again.json() == made.json()
    for other in ({**body, "transaction_ids": [second]}, {**body, "note": "morning"}):
        response = await client.post(f"/api/v1/couriers/{courier}/settlements", json=other)
        assert response.status_code == 409, response.text
        assert response.json()["reason"] == "id_reused"
    left = (await client.get(f"/api/v1/couriers/{courier}/settlements/preview")).json()
    assert [t["id"] for t in left["transactions"]] == [second]


async def test_sign_in_needs_json_from_our_own_origin(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    credentials = msgspec.json.encode({"username": "cashier", "password": Factory.PASSWORD})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {} if content_type is None else {"content-type": content_type}
        response = await client.post("/api/v1/auth/login", content=credentials, headers=headers)
        assert response.status_code == 415, response.text
        assert "application/json" in response.json()["detail"]
    json = {"content-type": "application/json"}
    for origin in ("https://evil.example", "null", "http://testserver.evil.example"):
        response = await client.post(
            "/api/v1/auth/login", content=credentials, headers=json | {"origin": origin}
        )
        assert response.status_code == 403, response.text
        assert "another site" in response.json()["detail"]
        assert "set-cookie" not in response.headers
    response = await client.post(
        "/api/v1/auth/login", content=credentials, headers=json | {"origin": "http://testserver"}
    )
    assert response.status_code == 200, response.text
    response = await client.post(
        "/api/v1/auth/login/totp", content="{}", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415


@pytest.mark.parametrize("cash", ["1e30", "99999999999", "9999999999", "sNaN"])
async def test_cash_collected_has_an_upper_bound(
    client: httpx.AsyncClient, shop: dict[str, Any], cash: str
) -> None:
    await login(client, "boss")
    placed = await new_order(client, shop)
    assert (await dispatch(client, placed["id"], shop["rider"], "later")).status_code == 200
    response = await client.post(
        f"/api/v1/orders/{placed['id']}/transitions",
        json={"to": "delivered", "cash_collected": cash},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "cash_collected"


async def test_an_int_path_id_past_int64_is_a_400(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    for path in (
        "/api/v1/branches/71046209488039520188328050688",
        f"/api/v1/couriers/{2**63}/balance",
        f"/api/v1/branches/{2**64 + 5}/board",
    ):
        response = await client.get(path)
        assert response.status_code == 400, (path, response.text)
        assert "ids are at most" in problem(response)


@pytest.mark.parametrize(
    ("sql", "value", "said"),
    [
        ("SELECT CAST(:v AS bigint)", 2**64, "out of int64 range"),
        ("SELECT CAST(:v AS text)", "a\x00b", "0x00"),
        ("SELECT CAST(CAST(:v AS text) AS numeric(14, 4))", "99999999999", "numeric field overflow"),
    ],
)
async def test_a_value_postgresql_refuses_is_named_not_a_500(
    runtime: Any, sql: str, value: Any, said: str
) -> None:
    """The last net under every bound: PostgreSQL's data errors (SQLSTATE class 22) are the client's 422."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from app.lib.errors import refused_value

    async with runtime.engine.connect() as conn:
        with pytest.raises(DBAPIError) as raised:
            await conn.execute(text(sql), {"v": value})
    sentence = refused_value(raised.value)
    assert sentence is not None and said in sentence
    assert refused_value(RuntimeError("a bug")) is None


async def test_lenient_types_and_duplicate_keys_behave_as_decided(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    """docs/decisions.md: digits as text for an integer are taken (and bounded like any integer); of a
    duplicated key the last one wins."""
    await login(client, "boss")
    body = order(shop) | {"branch_id": str(shop["branch"].id)}
    body["lines"][0]["product_id"] = str(shop["burger"].id)
    made = await client.post("/api/v1/orders", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["branch_id"] == shop["branch"].id
    too_big = order(shop) | {"branch_id": str(2**63)}
    assert (await client.post("/api/v1/orders", json=too_big)).status_code == 400
    raw = (
        f'{{"id": "{uuid.uuid4()}", "branch_id": {shop["branch"].id}, "channel": "counter",'
        f' "lines": [{{"product_id": {shop["burger"].id}, "qty": "1", "qty": "2"}}]}}'
    )
    twice = await client.post("/api/v1/orders", content=raw, headers={"content-type": "application/json"})
    assert twice.status_code == 201, twice.text
    assert twice.json()["lines"][0]["qty"] == "2"


@pytest.mark.parametrize("value", ["sNaN", "NaN", "-Infinity", "1E+999999999", "1e30", 1e308])
async def test_bad_amounts_on_payments_and_shifts_are_422_naming_the_field(
    client: httpx.AsyncClient, factory: Factory, value: Any
) -> None:
    """Amounts that arrive as text or a number (payments, shifts) go through the one parser of client
    amounts: each of these is a 422 naming its field, never a 500."""
    from tests.support.payments import new_order as sale
    from tests.support.payments import payments_shop, pos_profile

    money_shop = await payments_shop(factory)
    till = await pos_profile(factory, money_shop["branch"], require_shift=False)
    await login(client, "cashier")
    placed = await sale(client, money_shop)
    paid = await client.post(
        f"/api/v1/orders/{placed['id']}/payments",
        json={"id": str(uuid.uuid4()), "method": "cash", "amount": value},
    )
    assert paid.status_code == 422 and paid.json()["field"] == "amount", paid.text
    opened = await client.post(
        "/api/v1/shifts", json={"id": str(uuid.uuid4()), "pos_profile_id": till.id, "opening_cash": value}
    )
    assert opened.status_code == 422 and opened.json()["field"] == "opening_cash", opened.text
    shift = await client.post(
        "/api/v1/shifts", json={"id": str(uuid.uuid4()), "pos_profile_id": till.id, "opening_cash": "0"}
    )
    assert shift.status_code in (200, 201), shift.text
    moved = await client.post(
        f"/api/v1/shifts/{shift.json()['id']}/cash-movements",
        json={"id": str(uuid.uuid4()), "kind": "in", "amount": value, "reason": "float"},
    )
    assert moved.status_code == 422 and moved.json()["field"] == "amount", moved.text
    closed = await client.post(
        f"/api/v1/shifts/{shift.json()['id']}/close", json={"counted": {"cash": value}}
    )
    assert closed.status_code == 422, closed.text
    assert "counted" in closed.json()["field"]

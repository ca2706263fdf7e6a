"""A till's offline batch (`POST /orders/sync`) with bad sales among good ones: each bad one gets its own
422 naming the field at fault, every good one is stored (it was a 500 for the whole batch, which the till
took for "offline" and retried forever)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.db.models import Order
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="SY", name="Sync")
    burger = await factory.product("Burger", price="57.00", tax_rate="14", station="grill")
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "burger": burger.id}


def sale(shop: dict[str, Any], **line: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"],
        "channel": "counter",
        "lines": [{"product_id": shop["burger"], "qty": "1"} | line],
    }


async def test_each_bad_sale_is_refused_alone_and_the_rest_are_stored(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory
) -> None:
    await login(client, "cashier")
    good = [sale(shop), sale(shop, qty="2", note="no onions")]
    bad_note = sale(shop, note="no\x00onions")
    bad_qty = sale(shop, qty="sNaN")
    bad_price = sale(shop, unit_price="99999999999999")
    huge_qty = sale(shop, qty="1E+999999999")
    order_note = sale(shop) | {"note": "x\x00"}
    batch = [good[0], bad_note, bad_qty, 42, bad_price, huge_qty, order_note, good[1]]
    response = await client.post("/api/v1/orders/sync", json={"orders": batch})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(len(batch)))
    outcome = {r["index"]: (r["result"], r["status"], r.get("field")) for r in results}
    assert outcome == {
        0: ("created", 201, None),
        1: ("rejected", 422, "lines[0].note"),
        2: ("rejected", 422, "lines[0].qty"),
        3: ("rejected", 422, None),
        4: ("rejected", 422, "lines[0].unit_price"),
        5: ("rejected", 422, "lines[0].qty"),
        6: ("rejected", 422, "note"),
        7: ("created", 201, None),
    }
    reasons = {r["index"]: r.get("reason", "") for r in results}
    assert reasons[1] == "lines[0].note: must not contain NUL characters (U+0000)"
    assert reasons[2] == "lines[0].qty: must be a number such as 12.50 (not NaN or Infinity)"
    assert reasons[4] == "lines[0].unit_price: must be at most 9999999999.9999"
    assert "Expected `object`" in reasons[3]
    assert [r["id"] for r in results if r["index"] in (1, 2, 4)] == [
        bad_note["id"],
        bad_qty["id"],
        bad_price["id"],
    ]

    stored = set((await factory.session.scalars(select(Order.id))).all())
    assert {str(i) for i in stored} == {good[0]["id"], good[1]["id"]}

    # The till replays the same batch (it never got the answer): the good ones exist, the bad ones are
    # refused the same way again, nothing is stored twice.
    again = (await client.post("/api/v1/orders/sync", json={"orders": batch})).json()["results"]
    assert [(r["result"], r["status"]) for r in again] == [
        ("existed", 200),
        *[("rejected", 422)] * 6,
        ("existed", 200),
    ]
    assert len((await factory.session.scalars(select(Order.id))).all()) == 2


async def test_a_sale_past_what_the_books_hold_is_refused_alone(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")  # a manual price is a manager's
    batch = [sale(shop, qty="10000", unit_price="9999999999"), sale(shop)]
    results = (await client.post("/api/v1/orders/sync", json={"orders": batch})).json()["results"]
    assert (results[0]["result"], results[0]["status"], results[0]["field"]) == ("rejected", 422, "lines[0]")
    assert "more than 9999999999.9999" in results[0]["reason"]
    assert results[1]["result"] == "created"

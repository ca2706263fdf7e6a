"""The stock ledger: every movement a row with the on-hand it left, the moving average cost, sales and
cancels writing their rows in their own transactions, tills racing receipts and waste without the ledger
and the on-hand ever parting, and the nightly proof raising one alert when they do."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from app.db.models import Alert
from app.events.stream import read_after
from app.inventory import low_stock
from app.lib.deps import provide_services
from tests.support import inventory as inv
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    main = await factory.branch(code="MAIN", name="Main")
    other = await factory.branch(code="MALL", name="Mall")
    cola = await factory.product("Cola", price="15.00", station="drinks")
    rice = await factory.product("Rice", price="30.00", base_unit="kg")
    cashiers = [await factory.user(f"till{i}", roles=("cashier",), branches=(main,)) for i in range(8)]
    await factory.user("boss", roles=("manager",), branches=(main, other))
    await factory.commit()
    return locals()


async def test_sale_and_cancel_write_their_ledger_rows(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    main, cola = shop["main"], shop["cola"]
    await login(client, "boss")
    await inv.receive(client, main, cola, "10", "2.00")
    sold = await inv.sell(client, main, [(cola, "3")])
    assert sold.status_code == 201, sold.text
    assert await inv.on_hand(runtime, main, cola) == 7
    cancelled = await client.post(f"/api/v1/orders/{sold.json()['id']}/cancel", json={"reason": "mistake"})
    assert cancelled.status_code == 200, cancelled.text
    rows = await inv.moves(runtime, main, cola)
    assert [(r.kind, r.qty, r.unit_cost, r.on_hand_after) for r in rows] == [
        ("adjustment", 10, Decimal("2.0000"), 10),
        ("sale", -3, Decimal("2.0000"), 7),
        ("cancel", 3, Decimal("2.0000"), 10),
    ]
    assert str(rows[1].order_id) == sold.json()["id"] == str(rows[2].order_id)
    check = await client.get("/api/v1/inventory/check")
    assert check.json() == {"ok": True, "mismatches": []}
    ledger = (
        await client.get(f"/api/v1/inventory/stock/{cola.id}/ledger", params={"branch_id": main.id})
    ).json()
    assert [m["kind"] for m in ledger["items"]] == ["cancel", "sale", "adjustment"]
    assert ledger["on_hand"] == "10.000"


async def test_moving_average_cost_and_bad_movements(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    main, cola, rice = shop["main"], shop["cola"], shop["rice"]
    await login(client, "boss")
    await inv.receive(client, main, cola, "10", "2.00")
    await inv.receive(client, main, cola, "30", "4.00")
    waste = await client.post(
        "/api/v1/inventory/moves",
        json={"branch_id": main.id, "product_id": cola.id, "kind": "waste", "qty": "4", "reason": "dented"},
    )
    assert waste.status_code == 201, waste.text
    assert waste.json()["unit_cost"] == "3.5000"  # (10 x 2 + 30 x 4) / 40
    assert waste.json()["qty"] == "-4.000"
    stock = (await client.get("/api/v1/inventory/stock", params={"branch_id": main.id})).json()
    assert stock["items"][0]["qty"] == "36.000"
    assert stock["items"][0]["value"] == "126.0000"
    base = {"branch_id": main.id, "product_id": cola.id, "kind": "adjustment", "reason": "count"}
    cases = [
        (base | {"qty": "-37"}, "qty", "only 36 on hand of Cola"),
        (base | {"qty": "1.5"}, "qty", "whole"),
        (base | {"qty": "0"}, "qty", "zero"),
        (base | {"qty": "1", "reason": " "}, "reason", "reason"),
        (base | {"qty": "-1", "unit_cost": "1"}, "unit_cost", "cost"),
        (base | {"kind": "waste", "qty": "-1"}, "qty", "above zero"),
        (base | {"product_id": 999999, "qty": "1"}, "product_id", "unknown product"),
        ({**base, "product_id": rice.id, "qty": "0.0005"}, "qty", "3 decimal"),
    ]
    for payload, field, words in cases:
        response = await client.post("/api/v1/inventory/moves", json=payload)
        assert response.status_code == 422, (payload, response.text)
        assert response.json()["field"] == field
        assert words in response.json()["detail"], response.json()
    assert await inv.on_hand(runtime, main, cola) == 36
    await inv.assert_ledger_whole(runtime)


async def test_eight_tills_a_receipt_and_a_transfer_at_once_never_part_ledger_and_on_hand(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, asgi_app: Any
) -> None:
    main, other, cola, rice = shop["main"], shop["other"], shop["cola"], shop["rice"]
    await login(client, "boss")
    await inv.receive(client, main, cola, "60", "2.00")
    await inv.receive(client, main, rice, "50", "10.00")

    async def till(i: int) -> int:
        transport = httpx.ASGITransport(app=asgi_app, client=("127.0.0.1", 41000 + i))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            await login(http, f"till{i}")
            sold = 0
            for _ in range(12):
                response = await inv.sell(http, main, [(cola, "1"), (rice, "0.250")])
                while response.status_code == 409:  # stock came in while the refusal was explained: retry
                    response = await inv.sell(http, main, [(cola, "1"), (rice, "0.250")])
                if response.status_code == 201:
                    sold += 1
                else:  # the last colas: refused whole, nothing taken
                    assert response.status_code == 422, response.text
            return sold

    nile = await client.post(
        "/api/v1/inventory/suppliers",
        json={"name": "Nile Drinks", "items": [{"product_id": cola.id, "price": "3.00"}]},
    )
    po = await client.post(
        "/api/v1/inventory/purchase-orders",
        json={
            "branch_id": main.id,
            "supplier_id": nile.json()["id"],
            "lines": [{"product_id": cola.id, "qty": "30"}],
        },
    )
    await client.post(f"/api/v1/inventory/purchase-orders/{po.json()['id']}/send")
    line_id = po.json()["lines"][0]["id"]

    async def manager() -> None:
        # A delivery received in six scans, and rice sent to the mall, while the tills sell.
        for n in range(6):
            got = await client.post(
                f"/api/v1/inventory/purchase-orders/{po.json()['id']}/receive",
                json={"lines": [{"line_id": line_id, "qty": "5"}], "note": f"box {n}"},
            )
            assert got.status_code == 201, got.text
            sent = await client.post(
                "/api/v1/inventory/transfers",
                json={
                    "from_branch_id": main.id,
                    "to_branch_id": other.id,
                    "lines": [{"product_id": rice.id, "qty": "0.5"}],
                },
            )
            assert sent.status_code == 201, sent.text
            taken = await client.post(f"/api/v1/inventory/transfers/{sent.json()['id']}/receive", json={})
            assert taken.status_code == 200, taken.text

    *sold, _ = await asyncio.gather(*(till(i) for i in range(8)), manager())
    total = sum(sold)
    # 96 tried against 60 + 6 x 5 colas; how many sold depends on when the boxes came in.
    assert 60 <= total <= 90
    assert await inv.on_hand(runtime, main, cola) == 90 - total
    assert await inv.on_hand(runtime, main, rice) == Decimal(50) - Decimal("0.250") * total - 3
    assert await inv.on_hand(runtime, other, rice) == 3
    await inv.assert_ledger_whole(runtime)


async def test_the_nightly_proof_raises_one_alert_on_a_mismatch(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    main, cola = shop["main"], shop["cola"]
    await login(client, "boss")
    await inv.receive(client, main, cola, "10", "2.00")
    async with provide_services(runtime) as scope:
        assert await low_stock.alert_mismatches(scope) == 0
    async with runtime.engine.begin() as conn:  # someone edits the stock behind the ledger's back
        await conn.execute(text("UPDATE product_stock SET qty = 12 WHERE product_id = :p"), {"p": cola.id})
    async with provide_services(runtime) as scope:
        assert await low_stock.alert_mismatches(scope) == 1
    check = (await client.get("/api/v1/inventory/check")).json()
    assert check["ok"] is False
    assert check["mismatches"] == [
        {"branch_id": main.id, "product_id": cola.id, "on_hand": "12.000", "ledger": "10.000"}
    ]
    async with runtime.sessionmaker() as session:
        alerts = list(await session.scalars(select(Alert)))
    assert [(a.kind, a.branch_id, a.product_id) for a in alerts] == [("ledger_mismatch", main.id, cola.id)]
    assert "Cola (on hand 12.000, ledger 10.000)" in alerts[0].message
    events = [
        e for e in await read_after(runtime.redis, runtime.keys, main.id, "0") if e.type == "alert.raised"
    ]
    assert len(events) == 1


async def test_the_catalogs_stock_endpoints_and_the_demo_shop_keep_the_ledger_whole(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    from app.demo.seed import seed_demo

    main, cola = shop["main"], shop["cola"]
    await login(client, "boss")
    made = await client.put(
        f"/api/v1/branches/{main.id}/stock/{cola.id}", json={"qty": "40", "reason": "count"}
    )
    assert made.status_code == 200, made.text
    taken = await client.post(
        f"/api/v1/branches/{main.id}/stock/{cola.id}/adjustments", json={"delta": "-5", "reason": "broken"}
    )
    assert taken.status_code == 200, taken.text
    assert [(r.kind, r.qty, r.on_hand_after) for r in await inv.moves(runtime, main, cola)] == [
        ("count", 40, 40),
        ("adjustment", -5, 35),
    ]
    async with runtime.sessionmaker() as session:
        await seed_demo(session)
        await session.commit()
    await inv.assert_ledger_whole(runtime)

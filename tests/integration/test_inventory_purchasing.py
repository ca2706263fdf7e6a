"""Suppliers and purchase orders: draft -> sent (printable) -> partially received by barcode scans with
quantity and cost differences -> received -> closed; the receipt moves stock at cost into the ledger;
over-receiving needs a confirmation; an inactive supplier gets no order; invoices say what is owed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update

from app.db.models import Product, ProductUnit
from app.inventory.forecast import ForecastService, naive_forecast, order_qty, seasonal_forecast
from app.lib.deps import provide_services
from tests.support import inventory as inv
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def trade(factory: Factory) -> dict[str, Any]:
    main = await factory.branch(code="MAIN", name="Main")
    cola = await factory.product("Cola", price="15.00", station="drinks", units={"case": "24"})
    flour = await factory.product("Flour", price="0", base_unit="kg")
    await factory.session.execute(
        update(Product).where(Product.id == cola.id).values(barcode="5449000000996")
    )
    await factory.session.execute(
        update(ProductUnit)
        .where(ProductUnit.product_id == cola.id, ProductUnit.unit == "case")
        .values(barcode="15449000000993")
    )
    await factory.user("boss", roles=("manager",), branches=(main,))
    await factory.commit()
    return locals()


async def supplier(client: httpx.AsyncClient, trade: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/inventory/suppliers",
        json={
            "name": "Nile Drinks",
            "contact_name": "Mona",
            "phone": "+20 100 000 0000",
            "lead_time_days": 2,
            "items": [
                {"product_id": trade["cola"].id, "unit": "case", "price": "240.00"},
                {"product_id": trade["flour"].id, "price": "12.50"},
            ],
        }
        | extra,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_order_from_draft_to_closed_received_by_scanning(
    client: httpx.AsyncClient, trade: dict[str, Any], runtime: Any
) -> None:
    main, cola, flour = trade["main"], trade["cola"], trade["flour"]
    await login(client, "boss")
    nile = await supplier(client, trade)
    made = await client.post(
        "/api/v1/inventory/purchase-orders",
        json={
            "branch_id": main.id,
            "supplier_id": nile["id"],
            "lines": [
                {"product_id": cola.id, "unit": "case", "qty": "2"},
                {"product_id": flour.id, "qty": "10"},
            ],
        },
    )
    assert made.status_code == 201, made.text
    po = made.json()
    assert (po["state"], po["total"]) == ("draft", "605.0000")
    early = await client.post(
        f"/api/v1/inventory/purchase-orders/{po['id']}/receive",
        json={"lines": [{"line_id": po["lines"][0]["id"], "qty": "1"}]},
    )
    assert early.status_code == 409
    sent = await client.post(f"/api/v1/inventory/purchase-orders/{po['id']}/send")
    assert sent.json()["state"] == "sent"
    printed = await client.get(f"/api/v1/inventory/purchase-orders/{po['id']}/print")
    assert printed.status_code == 200
    assert "Nile Drinks" in printed.text and "Purchase order #" in printed.text and "605.0000" in printed.text

    # The back door: one case scanned, cheaper than ordered; flour typed with its line.
    first = await client.post(
        f"/api/v1/inventory/purchase-orders/{po['id']}/receive",
        json={
            "lines": [
                {"barcode": "15449000000993", "qty": "1", "unit_cost": "228.00"},
                {"line_id": po["lines"][1]["id"], "qty": "10"},
            ]
        },
    )
    assert first.status_code == 201, first.text
    assert first.json()["state"] == "partial"
    assert [(x["qty_difference"], x["cost_difference"]) for x in first.json()["lines"]] == [
        ("-1.000", "-12.0000"),
        ("0.000", "0.0000"),
    ]
    assert await inv.on_hand(runtime, main, cola) == 24
    rows = await inv.moves(runtime, main, cola)
    assert [(r.kind, r.qty, r.unit_cost) for r in rows] == [("receipt", 24, Decimal("9.5000"))]  # 228 / 24

    # Two more cases when one is outstanding: refused until confirmed.
    over = {"lines": [{"barcode": "15449000000993", "qty": "2", "unit_cost": "240"}]}
    refused = await client.post(f"/api/v1/inventory/purchase-orders/{po['id']}/receive", json=over)
    assert refused.status_code == 422
    assert refused.json()["field"] == "lines[0].qty"
    assert "confirm" in refused.json()["detail"]
    assert refused.json()["code"] == "confirm_over"
    assert await inv.on_hand(runtime, main, cola) == 24
    confirmed = await client.post(
        f"/api/v1/inventory/purchase-orders/{po['id']}/receive", json=over | {"confirm_over": True}
    )
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["state"] == "received"
    assert confirmed.json()["lines"][0]["qty_difference"] == "1.000"
    assert await inv.on_hand(runtime, main, cola) == 72
    stock = (await client.get("/api/v1/inventory/stock", params={"branch_id": main.id, "q": "cola"})).json()
    assert stock["items"][0]["avg_cost"] == "9.8333"  # (24 x 9.5 + 48 x 10) / 72
    closed = await client.post(f"/api/v1/inventory/purchase-orders/{po['id']}/close")
    assert closed.json()["state"] == "closed"
    await inv.assert_ledger_whole(runtime)

    # The supplier's invoice, paid in part: what is owed.
    invoice = await client.post(
        "/api/v1/inventory/supplier-invoices",
        json={
            "supplier_id": nile["id"],
            "branch_id": main.id,
            "purchase_order_id": po["id"],
            "number": "INV-77",
            "invoice_date": "2026-12-05",
            "due_date": "2026-12-20",
            "amount": "833.00",
        },
    )
    assert invoice.status_code == 201, invoice.text
    paid = await client.post(
        f"/api/v1/inventory/supplier-invoices/{invoice.json()['id']}/payments", json={"amount": "500"}
    )
    assert paid.json()["owed"] == "333.0000"
    too_much = await client.post(
        f"/api/v1/inventory/supplier-invoices/{invoice.json()['id']}/payments", json={"amount": "334"}
    )
    assert too_much.status_code == 422
    assert too_much.json()["field"] == "amount"
    payables = (await client.get("/api/v1/inventory/supplier-invoices", params={"branch_id": main.id})).json()
    assert payables["owed"] == "333.0000"
    suppliers = (await client.get("/api/v1/inventory/suppliers")).json()
    assert suppliers[0]["owed"] == "333.0000"


async def test_bad_purchase_orders_are_refused_naming_the_field(
    client: httpx.AsyncClient, trade: dict[str, Any]
) -> None:
    main, cola, flour = trade["main"], trade["cola"], trade["flour"]
    await login(client, "boss")
    nile = await supplier(client, trade)
    sleepy = await supplier(client, trade, name="Sleepy Foods", active=False, items=[])
    base = {"branch_id": main.id, "supplier_id": nile["id"]}
    cases = [
        (
            base
            | {
                "supplier_id": sleepy["id"],
                "lines": [{"product_id": cola.id, "qty": "1", "unit_price": "1"}],
            },
            "supplier_id",
            "inactive",
        ),
        (
            base | {"supplier_id": 99999, "lines": [{"product_id": cola.id, "qty": "1"}]},
            "supplier_id",
            "unknown",
        ),
        (
            base | {"lines": [{"product_id": cola.id, "unit": "crate", "qty": "1"}]},
            "lines[0].unit",
            "no unit",
        ),
        (base | {"lines": [{"product_id": cola.id, "qty": "1"}]}, "lines[0].unit_price", "no price"),
        (base | {"lines": [{"product_id": flour.id, "qty": "0"}]}, "lines[0].qty", "above 0"),
        (
            base | {"lines": [{"product_id": flour.id, "qty": "1"}, {"product_id": flour.id, "qty": "2"}]},
            "lines[1].product_id",
            "twice",
        ),
    ]
    for body, field, words in cases:
        response = await client.post("/api/v1/inventory/purchase-orders", json=body)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
        assert words in response.json()["detail"], response.json()
    dup = await client.post("/api/v1/inventory/suppliers", json={"name": "Nile Drinks"})
    assert dup.status_code == 422
    assert dup.json()["field"] == "name"


async def test_suggested_orders_follow_the_weekly_rhythm(
    client: httpx.AsyncClient, trade: dict[str, Any], runtime: Any
) -> None:
    main, cola = trade["main"], trade["cola"]
    await login(client, "boss")
    await supplier(client, trade)  # Nile: cola by the case of 24, lead time 2 days
    await inv.receive(client, main, cola, "30", "10.00")
    await client.put(
        f"/api/v1/inventory/stock/{cola.id}/levels",
        json={"branch_id": main.id, "reorder_point": "20", "par_level": "60"},
    )
    # Eight weeks of sales: 10 a weekday, 20 on Saturdays and Sundays (noon, branch time).
    today = dt.date(2026, 12, 3)  # a Thursday
    async with runtime.engine.begin() as conn:
        for n in range(56):
            day = today - dt.timedelta(days=n)
            qty = 20 if day.weekday() >= 5 else 10
            await conn.execute(
                text(
                    "INSERT INTO stock_moves (branch_id, product_id, kind, qty, unit_cost, on_hand_after, created_at) "
                    "VALUES (:b, :p, 'sale', :q, 10, 0, :at)"
                ),
                {"b": main.id, "p": cola.id, "q": -qty, "at": dt.datetime.combine(day, dt.time(12), dt.UTC)},
            )
    async with provide_services(runtime) as scope:
        out = await scope.get(ForecastService).suggestions(branch_id=main.id, today=today)
    [nile] = out.suppliers
    [line] = nile.lines
    # Friday 10 + Saturday 20 before the delivery; 30 - 30 is under the reorder point: up to 60 + 30.
    assert (line.forecast, line.suggested, line.unit, line.suggested_units) == (
        Decimal("30.000"),
        Decimal("60.000"),
        "case",
        Decimal(3),
    )
    answer = await client.get("/api/v1/inventory/suggestions", params={"branch_id": main.id})
    assert answer.status_code == 200


def test_the_forecast_and_the_order_rule() -> None:
    today = dt.date(2026, 12, 3)
    history = {
        today - dt.timedelta(days=n): Decimal(20 if (today - dt.timedelta(days=n)).weekday() >= 5 else 10)
        for n in range(56)
    }
    week = seasonal_forecast(history, today=today, days=7)
    assert [round(x, 6) for x in week] == [10, 20, 20, 10, 10, 10, 10]
    assert naive_forecast(history, today=today, days=2) == [Decimal(90) / 7] * 2
    assert seasonal_forecast({}, today=today, days=2) == [0, 0]
    assert (
        order_qty(
            on_hand=Decimal(50), lead_demand=Decimal(20), reorder_point=Decimal(20), par_level=Decimal(60)
        )
        == 0
    )
    assert (
        order_qty(
            on_hand=Decimal(40), lead_demand=Decimal(20), reorder_point=Decimal(20), par_level=Decimal(60)
        )
        == 40
    )

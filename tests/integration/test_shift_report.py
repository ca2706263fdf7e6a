"""The Z report's sales: gross, discounts, net, tax per rate, delivery, total, orders by channel, items sold,
refunds, voided payments and cancelled orders of the orders rung up on the shift; and a branch's list of
shifts for managers.

A tax-exclusive branch (tax on top): a burger at 50.00 taxed 14 %, water at 10.00 taxed 5 %, delivery 20.00.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.payments import pos_profile


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="ZR", name="Report Branch")
    other = await factory.branch(code="ZZ", name="Elsewhere")
    burger = await factory.product("Burger", price="50.00", tax_rate="14")
    water = await factory.product("Water", price="10.00", tax_rate="5")
    territory = await factory.territory(delivery_charge="20.00", courier_fee="15.00")
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("stranger", roles=("manager",), branches=(other,))
    await factory.commit()
    till = await pos_profile(factory, branch, code="front")
    return {"branch": branch, "burger": burger, "water": water, "territory": territory, "till": till}


async def sell(
    client: httpx.AsyncClient, shop: dict[str, Any], shift_id: str, lines: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": "counter",
        "pos_profile_id": shop["till"].id,
        "shift_id": shift_id,
        "lines": lines,
        **extra,
    }
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def pay(client: httpx.AsyncClient, order: dict[str, Any], method: str, amount: str) -> dict[str, Any]:
    body: dict[str, Any] = {"id": str(uuid.uuid4()), "method": method, "amount": amount}
    if method == "card":
        body["reference"] = "T-1"
    response = await client.post(f"/api/v1/orders/{order['id']}/payments", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json()["payment"])


async def test_the_z_report_says_what_the_shift_sold_and_gave_back(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    opened = await client.post(
        "/api/v1/shifts",
        json={"id": str(uuid.uuid4()), "pos_profile_id": shop["till"].id, "opening_cash": "100.00"},
    )
    shift_id = opened.json()["id"]
    burger, water = shop["burger"].id, shop["water"].id
    # Two burgers with 10.00 off: 100.00 - 10.00 + 14 % = 102.60, cash.
    regular = await sell(
        client,
        shop,
        shift_id,
        [{"product_id": burger, "qty": "2", "discount": "10.00", "discount_reason": "regular"}],
    )
    await pay(client, regular, "cash", "102.60")
    # A delivery left to the courier: 10.50 + 57.00 + 20.00 = 87.50.
    await sell(
        client,
        shop,
        shift_id,
        [{"product_id": water, "qty": "1"}, {"product_id": burger, "qty": "1"}],
        channel="delivery",
        delivery={"address": "1 Nile St", "territory_id": shop["territory"].id},
    )
    # Water at a table, paid, then cancelled with the money back: a void, and a refund from the drawer.
    table = await sell(client, shop, shift_id, [{"product_id": water, "qty": "1"}], channel="dine_in")
    await pay(client, table, "cash", "10.50")
    cancelled = await client.post(
        f"/api/v1/orders/{table['id']}/cancel", json={"reason": "spilt", "refund": True}
    )
    assert cancelled.status_code == 200, cancelled.text
    # A card payment keyed by mistake and voided, then cash.
    mistake = await sell(client, shop, shift_id, [{"product_id": burger, "qty": "1"}])
    wrong = await pay(client, mistake, "card", "57.00")
    assert (
        await client.post(f"/api/v1/payments/{wrong['id']}/void", json={"reason": "wrong button"})
    ).status_code == 200
    await pay(client, mistake, "cash", "57.00")

    report = await client.get(f"/api/v1/shifts/{shift_id}/report", params={"format": "json"})
    assert report.status_code == 200, report.text
    sales = report.json()["sales"]
    assert {
        k: sales[k] for k in ("orders", "gross", "discounts", "net", "tax_total", "delivery_charges", "total")
    } == {
        "orders": 3,
        "gross": "210.00",
        "discounts": "10.00",
        "net": "200.00",
        "tax_total": "27.10",
        "delivery_charges": "20.00",
        "total": "247.10",
    }
    assert sales["taxes"] == [
        {"rate": "5", "taxable": "10.00", "tax": "0.50"},
        {"rate": "14", "taxable": "190.00", "tax": "26.60"},
    ]
    assert sales["by_channel"] == [
        {"channel": "counter", "orders": 2, "total": "159.60"},
        {"channel": "delivery", "orders": 1, "total": "87.50"},
    ]
    assert [(i["name"], Decimal(i["qty"]), i["amount"]) for i in sales["items"]] == [
        ("Burger", Decimal(4), "190.00"),
        ("Water", Decimal(1), "10.00"),
    ]
    [refund] = sales["refunds"]
    assert (refund["method"], refund["amount"], refund["token"]) == ("cash", "10.50", table["token"])
    assert (sales["refunded"], sales["voided_payments"], sales["voided_amount"]) == ("10.50", 1, "57.00")
    assert (sales["cancelled_orders"], sales["cancelled_total"]) == (1, "10.50")

    # The printed slip carries the same figures.
    html = (await client.get(f"/api/v1/shifts/{shift_id}/report")).text
    for text in (
        "Gross sales",
        "210.00",
        "Tax 14% on 190.00",
        "Delivery (1)",
        "Items sold",
        "Cancelled orders (1)",
    ):
        assert text in html, text

    # The managers' list of the branch's shifts: what each sold, and its over/short once closed.
    listed = (await client.get("/api/v1/shifts", params={"branch_id": shop["branch"].id})).json()
    [row] = listed["items"]
    assert (
        row["id"],
        row["till_name"],
        row["status"],
        row["orders"],
        row["sales_total"],
        row["difference"],
    ) == (
        shift_id,
        "Front",
        "open",
        3,
        "247.10",
        None,
    )
    # Expected cash: 100.00 + 102.60 + 10.50 + 57.00 - 10.50 = 259.60; counted 259.00.
    closed = await client.post(f"/api/v1/shifts/{shift_id}/close", json={"counted": {"cash": "259.00"}})
    assert closed.status_code == 200, closed.text
    [row] = (await client.get("/api/v1/shifts", params={"branch_id": shop["branch"].id})).json()["items"]
    assert (row["status"], row["difference"], row["closed_by_name"]) == (
        "closed",
        "-0.60",
        row["opened_by_name"],
    )


async def test_the_list_of_shifts_is_for_managers_of_the_branch(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cashier")
    assert (await client.get("/api/v1/shifts", params={"branch_id": shop["branch"].id})).status_code == 403
    await login(client, "stranger")
    assert (await client.get("/api/v1/shifts", params={"branch_id": shop["branch"].id})).status_code == 404

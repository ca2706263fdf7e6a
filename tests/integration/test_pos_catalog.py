"""The till's side of the catalog over HTTP: POS profiles, the POS catalog document, bundle definitions and
stock counts (manager edits, audited), on the demo shop."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditLog, Branch, PosProfile, Product
from app.demo import DEMO_PASSWORD, seed_demo
from app.demo import _shop as shop
from tests.support.auth import login

BY_SKU = {p.sku: p for p in shop.PRODUCTS}


@pytest.fixture
async def demo(db_session: AsyncSession) -> dict[str, Any]:
    await seed_demo(db_session)
    branches = dict((await db_session.execute(select(Branch.code, Branch.id))).all())
    products = dict((await db_session.execute(select(Product.sku, Product.id))).all())
    tills = dict((await db_session.execute(select(PosProfile.branch_id, PosProfile.id))).all())
    return {"branch": branches, "product": products, "till": tills}


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    await login(client, username, DEMO_PASSWORD)


async def catalog(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/pos/catalog", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def audit_actions(session: AsyncSession, entity_type: str) -> list[str]:
    rows = await session.scalars(
        select(AuditLog.action).where(AuditLog.entity_type == entity_type).order_by(AuditLog.id)
    )
    return list(rows)


# ---------------------------------------------------------------- the catalog document


async def test_catalog_document_carries_branch_till_prices_barcodes_bundles_and_stock(
    client: httpx.AsyncClient, demo: dict[str, Any], runtime: Any
) -> None:
    await as_user(client, "cashier")
    dt_id = demo["branch"]["DT"]
    body = await catalog(client, branch_id=dt_id, pos_profile_id=demo["till"][dt_id])

    epoch = await runtime.redis.get(runtime.keys.catalog_epoch())
    assert body["catalog_version"] == epoch.decode()
    assert body["branch"] == {
        "id": dt_id,
        "code": "DT",
        "name": "Downtown",
        "timezone": "Africa/Cairo",
        "currency": "EGP",
        "currency_exponent": 2,
        "prices_include_tax": True,
        "cash_rounding": "0.50",
    }
    assert body["profile"]["code"] == "till-1"
    assert body["profile"]["require_shift"] is True
    assert "cash" in body["profile"]["payment_methods"]
    assert len(body["categories"]) == 10
    assert len(body["territories"]) == 3
    products = {p["sku"]: p for p in body["products"]}
    assert len(products) == len(shop.PRODUCTS)

    can = products["CLD-001"]
    spec = BY_SKU["CLD-001"]
    assert can["kind"] == "item"
    assert can["stock_tracked"] is True
    assert Decimal(can["stock"]) == shop.OPENING_STOCK
    assert can["barcodes"] == [
        {"code": spec.barcode, "unit": "piece"},
        {"code": spec.package_barcode, "unit": "package"},
    ]
    assert {(p["price_list"], p["unit"]): p["price"] for p in can["prices"]} == {
        ("counter", "piece"): str(spec.counter_price),
        ("counter", "package"): str(spec.package_counter_price),
        ("wholesale", "piece"): str(spec.wholesale_price),
        ("wholesale", "package"): str(spec.package_wholesale_price),
    }
    assert products["GRL-001"]["stock_tracked"] is False
    assert products["GRL-001"]["stock"] is None

    combo = products["CMB-001"]
    assert combo["kind"] == "bundle"
    assert [(g["code"], g["kind"], g["choose"]) for g in combo["bundle_groups"]] == [
        ("main", "fixed", 1),
        ("drink", "choice", 1),
    ]
    main, drink = combo["bundle_groups"]
    assert [i["product_id"] for i in main["items"]] == [
        demo["product"]["GRL-001"],
        demo["product"]["FRY-002"],
    ]
    assert {i["station_code"] for i in main["items"]} == {"grill", "fryer"}
    assert [i["extra_price"] for i in drink["items"]] == ["0.00", "0.00", "0.00", "10.00"]


async def test_catalog_applies_the_branch_price_override(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    await as_user(client, "manager")
    spec = next(p for p in shop.PRODUCTS if p.category == "hot_drinks")
    at = {}
    for code in ("DT", "RS"):
        products = {p["sku"]: p for p in (await catalog(client, branch_id=demo["branch"][code]))["products"]}
        at[code] = {(p["price_list"], p["unit"]): p["price"] for p in products[spec.sku]["prices"]}
    assert at["DT"][("counter", "piece")] == str(spec.counter_price)
    assert at["RS"][("counter", "piece")] == str(shop.override_price(spec.counter_price, Decimal("1.10")))


async def test_catalog_is_for_the_branch_staff_only(client: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    dt_id, rs_id = demo["branch"]["DT"], demo["branch"]["RS"]
    await as_user(client, "cashier")  # a Downtown cashier
    assert (await client.get("/api/v1/pos/catalog", params={"branch_id": rs_id})).status_code == 404
    assert (await client.get("/api/v1/pos/profiles", params={"branch_id": rs_id})).status_code == 404
    # Riverside's till named with Downtown's branch: not found either.
    wrong_till = {"branch_id": dt_id, "pos_profile_id": demo["till"][rs_id]}
    assert (await client.get("/api/v1/pos/catalog", params=wrong_till)).status_code == 404
    assert (await client.get("/api/v1/pos/catalog", params={"branch_id": 0})).status_code == 400

    await as_user(client, "kitchen")
    assert (await client.get("/api/v1/pos/catalog", params={"branch_id": dt_id})).status_code == 403


# ---------------------------------------------------------------- profiles


async def test_managers_set_up_tills_and_the_catalog_version_moves(
    client: httpx.AsyncClient, demo: dict[str, Any], db_session: AsyncSession
) -> None:
    dt_id = demo["branch"]["DT"]
    new_till = {"branch_id": dt_id, "code": "kiosk", "name": "Kiosk", "require_shift": False}

    await as_user(client, "cashier")
    listed = await client.get("/api/v1/pos/profiles", params={"branch_id": dt_id})
    assert [p["code"] for p in listed.json()] == ["till-1"]
    assert (await client.post("/api/v1/pos/profiles", json=new_till)).status_code == 403

    await as_user(client, "manager")
    before = (await catalog(client, branch_id=dt_id))["catalog_version"]
    created = await client.post("/api/v1/pos/profiles", json=new_till | {"payment_methods": ["cash", "card"]})
    assert created.status_code == 201, created.text
    till = created.json()
    assert (till["require_shift"], till["payment_methods"], till["default_price_list"]) == (
        False,
        ["cash", "card"],
        "counter",
    )
    assert (await client.post("/api/v1/pos/profiles", json=new_till)).status_code == 409
    bad = await client.post("/api/v1/pos/profiles", json=new_till | {"code": "Kiosk!"})
    assert bad.status_code == 400

    patched = await client.patch(
        f"/api/v1/pos/profiles/{till['id']}", json={"require_shift": True, "default_price_list": "wholesale"}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["require_shift"], patched.json()["default_price_list"]) == (True, "wholesale")
    assert (await catalog(client, branch_id=dt_id))["catalog_version"] != before
    assert await audit_actions(db_session, "pos_profile") == ["pos_profile.create", "pos_profile.update"]


async def test_a_tills_sanity_limits_are_set_by_its_manager(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    dt_id = demo["branch"]["DT"]
    await as_user(client, "manager")
    created = await client.post(
        "/api/v1/pos/profiles",
        json={"branch_id": dt_id, "code": "bar", "name": "Bar", "require_shift": False},
    )
    till = created.json()
    # A line over 20 asks by default; a total has no default (it depends on the currency).
    assert (till["confirm_line_qty"], till["confirm_order_total"]) == ("20", None)
    url = f"/api/v1/pos/profiles/{till['id']}"
    patched = await client.patch(url, json={"confirm_line_qty": "12.5", "confirm_order_total": "750.00"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["confirm_line_qty"], patched.json()["confirm_order_total"]) == ("12.5", "750")
    doc = await catalog(client, branch_id=dt_id, pos_profile_id=till["id"])
    assert doc["profile"]["confirm_order_total"] == "750"
    for body, field in [
        ({"confirm_line_qty": "0"}, "confirm_line_qty"),
        ({"confirm_line_qty": "ten"}, "confirm_line_qty"),
        ({"confirm_line_qty": "1.2345"}, "confirm_line_qty"),
        ({"confirm_order_total": "-5"}, "confirm_order_total"),
        ({"confirm_order_total": "10.005"}, "confirm_order_total"),
        ({"confirm_order_total": "1e20"}, "confirm_order_total"),
    ]:
        bad = await client.patch(url, json=body)
        assert (bad.status_code, bad.json().get("field")) == (422, field), (body, bad.text)
    # null: this till never asks.
    off = await client.patch(url, json={"confirm_line_qty": None, "confirm_order_total": None})
    assert (off.json()["confirm_line_qty"], off.json()["confirm_order_total"]) == (None, None)


# ---------------------------------------------------------------- bundles


async def test_bundle_definitions_are_checked_and_reach_the_catalog(
    client: httpx.AsyncClient, demo: dict[str, Any], db_session: AsyncSession
) -> None:
    ids = demo["product"]
    platter = ids["SND-001"]
    groups = [
        {"code": "main", "name": "Sandwich", "kind": "fixed", "items": [{"product_id": ids["SND-004"]}]},
        {
            "code": "side",
            "name": "A side",
            "kind": "choice",
            "choose": 1,
            "items": [{"product_id": ids["FRY-002"]}, {"product_id": ids["SLD-002"], "extra_price": "5"}],
        },
    ]
    url = f"/api/v1/products/{platter}/bundle"
    await as_user(client, "cashier")
    assert (await client.put(url, json={"groups": groups})).status_code == 403

    await as_user(client, "manager")
    refusals = {
        "groups[1].choose": [groups[0], groups[1] | {"choose": 3}],
        "groups[0].items[0].product_id": [
            groups[0] | {"items": [{"product_id": ids["CMB-001"]}]},  # a bundle in a bundle
        ],
        "groups[0].items[0].unit": [groups[0] | {"items": [{"product_id": ids["SND-004"], "unit": "kg"}]}],
        "groups[1].code": [groups[0], groups[0] | {"kind": "choice"}],
    }
    for field, body in refusals.items():
        response = await client.put(url, json={"groups": body})
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
    # A product that is part of a bundle cannot become one.
    part = await client.put(f"/api/v1/products/{ids['GRL-001']}/bundle", json={"groups": groups})
    assert part.status_code == 422

    ok = await client.put(url, json={"groups": groups})
    assert ok.status_code == 200, ok.text
    products = {p["id"]: p for p in (await catalog(client, branch_id=demo["branch"]["DT"]))["products"]}
    assert products[platter]["kind"] == "bundle"
    assert [g["code"] for g in products[platter]["bundle_groups"]] == ["main", "side"]
    assert products[platter]["bundle_groups"][1]["items"][1]["extra_price"] == "5.00"

    cleared = await client.put(url, json={"groups": []})
    assert cleared.json()["kind"] == "item"
    products = {p["id"]: p for p in (await catalog(client, branch_id=demo["branch"]["DT"]))["products"]}
    assert (products[platter]["kind"], products[platter]["bundle_groups"]) == ("item", [])
    assert await audit_actions(db_session, "product") == ["product.bundle_set", "product.bundle_set"]
    assert (await client.put("/api/v1/products/999999/bundle", json={"groups": []})).status_code == 404


# ---------------------------------------------------------------- stock


async def test_stock_counts_and_adjustments(
    client: httpx.AsyncClient, demo: dict[str, Any], db_session: AsyncSession
) -> None:
    dt_id, rs_id = demo["branch"]["DT"], demo["branch"]["RS"]
    bread = demo["product"]["BAK-001"]  # not tracked yet
    url = f"/api/v1/branches/{dt_id}/stock/{bread}"

    await as_user(client, "cashier")
    assert (await client.put(url, json={"qty": "5"})).status_code == 403

    await as_user(client, "manager")
    counted = await client.put(url, json={"qty": "50", "reason": "morning delivery"})
    assert counted.status_code == 200, counted.text
    assert counted.json() == {"branch_id": dt_id, "product_id": bread, "stock_tracked": True, "qty": "50"}
    products = {p["id"]: p for p in (await catalog(client, branch_id=dt_id))["products"]}
    assert (products[bread]["stock_tracked"], Decimal(products[bread]["stock"])) == (True, 50)

    taken = await client.post(f"{url}/adjustments", json={"delta": "-8", "reason": "burnt"})
    assert taken.json()["qty"] == "42"
    too_many = await client.post(f"{url}/adjustments", json={"delta": "-43", "reason": "?"})
    assert too_many.status_code == 422
    assert too_many.json()["field"] == "delta"
    assert "only 42 on hand" in too_many.json()["detail"]
    for body in ({"qty": "-1"}, {"qty": "1.5"}, {"qty": "NaN"}):
        response = await client.put(url, json=body)
        assert response.status_code == 422, body
        assert response.json()["field"] == "qty"
    no_reason = await client.post(f"{url}/adjustments", json={"delta": "1"})
    assert no_reason.status_code == 400
    combo = demo["product"]["CMB-001"]
    assert (await client.put(f"/api/v1/branches/{dt_id}/stock/{combo}", json={"qty": "1"})).status_code == 422

    rs_other = await client.put(f"/api/v1/branches/{rs_id}/stock/{bread}", json={"qty": "3"})
    assert rs_other.status_code == 200
    assert await audit_actions(db_session, "product_stock") == ["stock.set", "stock.adjust", "stock.set"]

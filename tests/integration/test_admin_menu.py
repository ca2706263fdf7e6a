"""The menu editor over HTTP on the demo shop: categories, products with units and prices, pictures, bulk prices,
deletes that refuse with a reason; each change audited and announced as `catalog.changed` after its commit."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
import msgspec
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditLog, Branch, Category, Product, ProductPrice
from app.demo import DEMO_PASSWORD, seed_demo
from tests.support.auth import login


@pytest.fixture
async def demo(db_session: AsyncSession) -> dict[str, Any]:
    await seed_demo(db_session)
    branches = dict((await db_session.execute(select(Branch.code, Branch.id))).all())
    categories = dict((await db_session.execute(select(Category.code, Category.id))).all())
    products = dict((await db_session.execute(select(Product.sku, Product.id))).all())
    return {"branch": branches, "category": categories, "product": products}


async def as_manager(client: httpx.AsyncClient) -> None:
    await login(client, "manager", DEMO_PASSWORD)


def new_product(demo: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "sku": "TST-001",
        "name": "Test Lemonade",
        "category_id": demo["category"]["cold_drinks"],
        "base_unit": "piece",
        "barcode": "2990000000011",
        "tax_rate": "14",
        "station_code": "drinks",
        "units": [{"unit": "package", "factor": "6", "barcode": "2990000000028"}],
        "prices": [
            {"price_list": "counter", "unit": "piece", "price": "20.00"},
            {"price_list": "counter", "unit": "package", "price": "110.00"},
            {"price_list": "wholesale", "unit": "piece", "price": "17.50"},
            {"price_list": "wholesale", "unit": "package", "price": "95.00"},
        ],
    } | extra


async def catalog_events(runtime: Any, branch_id: int) -> list[dict[str, Any]]:
    entries = await runtime.redis.xrange(runtime.keys.events(branch_id))
    return [
        msgspec.json.decode(fields[b"data"]) for _, fields in entries if fields[b"type"] == b"catalog.changed"
    ]


async def test_a_product_with_two_units_and_two_lists_reaches_the_till_catalog_and_is_announced(
    client: httpx.AsyncClient, demo: dict[str, Any], db_session: AsyncSession, runtime: Any
) -> None:
    await as_manager(client)
    response = await client.post("/api/v1/admin/products", json=new_product(demo))
    assert response.status_code == 201, response.text
    made = response.json()
    assert [(u["unit"], u["factor"], u["barcode"]) for u in made["units"]] == [
        ("piece", "1", None),
        ("package", "6", "2990000000028"),
    ]
    assert {(p["price_list"], p["unit"], p["price"]) for p in made["prices"]} == {
        ("counter", "piece", "20.00"),
        ("counter", "package", "110.00"),
        ("wholesale", "piece", "17.50"),
        ("wholesale", "package", "95.00"),
    }
    # Every branch's till hears of it, naming the product.
    for branch_id in demo["branch"].values():
        events = await catalog_events(runtime, branch_id)
        assert events == [{"kind": "products", "product_ids": [str(made["id"])]}]
    till = await client.get("/api/v1/pos/catalog", params={"branch_id": demo["branch"]["DT"]})
    sold = next(p for p in till.json()["products"] if p["sku"] == "TST-001")
    assert {"code": "2990000000028", "unit": "package"} in sold["barcodes"]
    row = await db_session.scalar(
        select(AuditLog).where(AuditLog.action == "product.create", AuditLog.entity_id == str(made["id"]))
    )
    assert row is not None
    assert row.data["before"] is None
    assert row.data["after"]["sku"] == "TST-001"


async def test_an_edit_is_audited_with_before_and_after(
    client: httpx.AsyncClient, demo: dict[str, Any], db_session: AsyncSession
) -> None:
    await as_manager(client)
    made = (await client.post("/api/v1/admin/products", json=new_product(demo))).json()
    changed = new_product(demo, name="Test Lemonade XL")
    changed["prices"][0]["price"] = "22.50"
    changed["units"] = []
    changed["prices"] = [p for p in changed["prices"] if p["unit"] == "piece"]
    response = await client.put(f"/api/v1/admin/products/{made['id']}", json=changed)
    assert response.status_code == 200, response.text
    assert [u["unit"] for u in response.json()["units"]] == ["piece"]
    row = await db_session.scalar(select(AuditLog).where(AuditLog.action == "product.update"))
    assert row is not None
    assert row.data["before"]["name"] == "Test Lemonade"
    assert row.data["after"]["name"] == "Test Lemonade XL"
    assert ["counter", "piece", None, "20"] in row.data["before"]["prices"]
    assert ["counter", "piece", None, "22.50"] in row.data["after"]["prices"]
    assert row.data["before"]["units"] == [["package", "6", "2990000000028"]]


async def test_a_duplicate_sku_or_barcode_is_a_409_naming_the_other_product(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    await as_manager(client)
    cola = demo["product"]["CLD-001"]
    response = await client.post("/api/v1/admin/products", json=new_product(demo, sku="CLD-001"))
    assert response.status_code == 409
    assert response.json()["product_id"] == cola
    assert "Cola Can 330ml" in response.json()["detail"]

    cola_pack = (await client.get(f"/api/v1/admin/products/{cola}")).json()["units"][1]["barcode"]
    body = new_product(demo)
    body["units"][0]["barcode"] = cola_pack
    response = await client.post("/api/v1/admin/products", json=body)
    assert response.status_code == 409
    assert response.json()["field"] == "units[0].barcode"
    assert response.json()["product_id"] == cola


@pytest.mark.parametrize(
    ("price", "problem"), [("-1.00", "must not be negative"), ("20.005", "more than 2 decimal places")]
)
async def test_a_negative_or_over_precise_price_is_a_422(
    client: httpx.AsyncClient, demo: dict[str, Any], price: str, problem: str
) -> None:
    await as_manager(client)
    body = new_product(demo)
    body["prices"][1]["price"] = price
    response = await client.post("/api/v1/admin/products", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "prices[1].price"
    assert problem in response.json()["detail"]
    assert await client.get("/api/v1/admin/products", params={"q": "TST-001"}) is not None
    assert (await client.get("/api/v1/admin/products", params={"q": "TST-001"})).json()["total"] == 0


async def test_a_price_for_a_unit_the_product_lacks_is_a_422(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    await as_manager(client)
    body = new_product(demo, units=[])
    response = await client.post("/api/v1/admin/products", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "prices[1].unit"


async def test_delete_refuses_with_the_reason_and_deletes_what_nothing_needs(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    await as_manager(client)
    stocked = demo["product"]["CLD-001"]
    response = await client.delete(f"/api/v1/admin/products/{stocked}")
    assert response.status_code == 409
    assert response.json()["reason"] == "in_stock"
    assert "deactivate" in response.json()["detail"]

    burger = demo["product"]["GRL-001"]
    response = await client.delete(f"/api/v1/admin/products/{burger}")
    assert response.status_code == 409
    assert response.json()["reason"] == "in_combo"

    fries_large = demo["product"]["FRY-003"]
    order = {
        "id": str(uuid.uuid4()),
        "branch_id": demo["branch"]["DT"],
        "channel": "counter",
        "lines": [{"product_id": fries_large, "qty": "1"}],
    }
    made = await client.post("/api/v1/orders", json=order)
    assert made.status_code in {200, 201}, made.text
    response = await client.delete(f"/api/v1/admin/products/{fries_large}")
    assert response.status_code == 409
    assert response.json()["reason"] == "open_orders"

    fresh = (await client.post("/api/v1/admin/products", json=new_product(demo))).json()
    assert (await client.delete(f"/api/v1/admin/products/{fresh['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/admin/products/{fresh['id']}")).status_code == 404


def picture(fmt: str = "PNG", size: tuple[int, int] = (1200, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=fmt)
    return out.getvalue()


async def test_a_picture_is_checked_reencoded_and_served(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    await as_manager(client)
    product = demo["product"]["GRL-002"]
    response = await client.put(
        f"/api/v1/admin/products/{product}/image", content=picture(), headers={"Content-Type": "image/png"}
    )
    assert response.status_code == 200, response.text
    url = response.json()["image_url"]
    served = await client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.format == "WEBP"
        assert image.size == (800, 400)

    not_image = await client.put(f"/api/v1/admin/products/{product}/image", content=b"GIF89a" + b"x" * 500)
    assert not_image.status_code == 422
    assert "not a picture" in not_image.json()["detail"]
    too_big = await client.put(
        f"/api/v1/admin/products/{product}/image", content=b"\xff" * (2 * 1024 * 1024 + 10)
    )
    assert too_big.status_code == 422
    assert "2 MB" in too_big.json()["detail"]
    # The refused uploads left the first picture in place.
    assert (await client.get(f"/api/v1/admin/products/{product}")).json()["image_url"] == url


async def test_bulk_price_preview_writes_nothing_and_apply_writes_every_row(
    client: httpx.AsyncClient, demo: dict[str, Any], db_session: AsyncSession
) -> None:
    await as_manager(client)
    body = {
        "mode": "percent",
        "value": "10",
        "category_id": demo["category"]["hot_drinks"],
        "price_list": "counter",
    }
    preview = await client.post("/api/v1/admin/prices/bulk", json=body)
    assert preview.status_code == 200, preview.text
    rows = preview.json()["rows"]
    # 24 hot drinks, each with an all-branch counter price and Riverside's own.
    assert len(rows) == 48
    espresso = next(r for r in rows if r["sku"] == "HOT-002" and r["branch_id"] is None)
    assert (espresso["before"], espresso["after"]) == ("35.00", "38.50")
    stored = await db_session.scalar(
        select(ProductPrice.price).where(
            ProductPrice.product_id == espresso["product_id"],
            ProductPrice.price_list == "counter",
            ProductPrice.branch_id.is_(None),
        )
    )
    assert str(stored) == "35.0000"

    applied = await client.post("/api/v1/admin/prices/bulk", json=body | {"apply": True})
    assert applied.json()["applied"] is True
    db_session.expire_all()
    stored = await db_session.scalar(
        select(ProductPrice.price).where(
            ProductPrice.product_id == espresso["product_id"],
            ProductPrice.price_list == "counter",
            ProductPrice.branch_id.is_(None),
        )
    )
    assert str(stored) == "38.5000"
    assert await db_session.scalar(select(func.count()).where(AuditLog.action == "price.bulk_edit")) == 1

    lower = await client.post(
        "/api/v1/admin/prices/bulk",
        json={"mode": "fixed", "value": "-1000", "product_ids": [espresso["product_id"]]},
    )
    assert lower.status_code == 422
    assert "must not be negative" in lower.json()["detail"]


async def test_categories_are_created_coloured_reordered_and_kept_while_they_hold_products(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    await as_manager(client)
    made = await client.post(
        "/api/v1/admin/categories", json={"code": "soups", "name": "Soups", "color": "#aa5500"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["sort_order"] == len(demo["category"])
    bad = await client.post("/api/v1/admin/categories", json={"code": "x", "name": "X", "color": "red"})
    assert bad.status_code == 400
    ids = [c["id"] for c in (await client.get("/api/v1/admin/categories")).json()]
    reordered = await client.put("/api/v1/admin/categories/order", json={"ids": ids[::-1]})
    assert [c["id"] for c in reordered.json()] == ids[::-1]
    coloured = await client.patch(
        f"/api/v1/admin/categories/{demo['category']['grill']}", json={"color": "#1f7a4d"}
    )
    assert coloured.json()["color"] == "#1f7a4d"
    till = await client.get("/api/v1/pos/catalog", params={"branch_id": demo["branch"]["DT"]})
    assert {"code": "grill", "color": "#1f7a4d"}.items() <= next(
        c for c in till.json()["categories"] if c["code"] == "grill"
    ).items()
    refused = await client.delete(f"/api/v1/admin/categories/{demo['category']['grill']}")
    assert refused.status_code == 409
    assert refused.json()["reason"] == "has_products"
    assert (await client.delete(f"/api/v1/admin/categories/{made.json()['id']}")).status_code == 204


async def test_the_menu_editor_is_for_managers(client: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    await login(client, "cashier", DEMO_PASSWORD)
    assert (await client.get("/api/v1/admin/products")).status_code == 403
    assert (await client.post("/api/v1/admin/products", json=new_product(demo))).status_code == 403


async def test_a_combo_definition_is_announced_to_the_tills(
    client: httpx.AsyncClient, demo: dict[str, Any], runtime: Any
) -> None:
    await as_manager(client)
    combo = demo["product"]["CMB-001"]
    body = {
        "groups": [
            {
                "code": "main",
                "name": "Burger",
                "kind": "fixed",
                "items": [{"product_id": demo["product"]["GRL-001"]}],
            }
        ]
    }
    response = await client.put(f"/api/v1/products/{combo}/bundle", json=body)
    assert response.status_code == 200, response.text
    for branch_id in demo["branch"].values():
        assert await catalog_events(runtime, branch_id) == [{"kind": "combos", "product_ids": [str(combo)]}]

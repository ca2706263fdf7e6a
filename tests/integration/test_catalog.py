"""Catalog reads over HTTP on the demo shop: paging, search, barcodes, branch prices, scoping, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Branch, Product, ProductPrice
from app.demo import DEMO_PASSWORD, seed_demo
from app.demo import _shop as shop
from tests.support.auth import login
from tests.support.factory import Factory

ACTIVE_PRODUCTS = len(shop.PRODUCTS)
BY_SKU = {p.sku: p for p in shop.PRODUCTS}


@pytest.fixture
async def demo(db_session: AsyncSession) -> dict[str, int]:
    """The demo shop; returns branch ids by code."""
    await seed_demo(db_session)
    return dict((await db_session.execute(select(Branch.code, Branch.id))).all())


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    await login(client, username, DEMO_PASSWORD)


async def products(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/products", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# ---------------------------------------------------------------- products


async def test_product_item_carries_units_prices_and_money_as_strings(
    client: httpx.AsyncClient, demo: dict[str, int]
) -> None:
    await as_user(client, "cashier")
    spec = next(p for p in shop.PRODUCTS if p.package_size == 6)
    body = await products(client, branch_id=demo["DT"], q=spec.sku)
    assert body["total"] == 1
    item = body["items"][0]
    assert item == {
        "id": item["id"],
        "sku": spec.sku,
        "barcode": spec.barcode,
        "name": spec.name,
        "category": {"code": "cold_drinks", "name": "Cold drinks"},
        "base_unit": "piece",
        "tax_rate": "14.00",
        "station_code": "drinks",
        "stock_tracked": True,
        "units": [
            {"unit": "piece", "factor": "1.000", "barcode": None},
            {"unit": "package", "factor": "6.000", "barcode": spec.package_barcode},
        ],
        "prices": [
            {"price_list": "counter", "unit": "piece", "price": str(spec.counter_price)},
            {"price_list": "counter", "unit": "package", "price": str(spec.package_counter_price)},
            {"price_list": "wholesale", "unit": "piece", "price": str(spec.wholesale_price)},
            {"price_list": "wholesale", "unit": "package", "price": str(spec.package_wholesale_price)},
        ],
        "matched_unit": None,
    }


async def test_products_are_paged_without_gaps_or_repeats(
    client: httpx.AsyncClient, demo: dict[str, int]
) -> None:
    await as_user(client, "cashier")
    first = await products(client, branch_id=demo["DT"])
    assert (first["page"], first["page_size"], first["total"]) == (1, 50, ACTIVE_PRODUCTS)
    assert len(first["items"]) == 50

    seen: list[int] = []
    page = 1
    while True:
        body = await products(client, branch_id=demo["DT"], page=page, page_size=200)
        if not body["items"]:
            break
        seen += [item["id"] for item in body["items"]]
        page += 1
    assert page == 3  # 240 products: 200 + 40, then an empty page
    assert len(seen) == len(set(seen)) == ACTIVE_PRODUCTS

    past_the_end = await products(client, branch_id=demo["DT"], page=99)
    assert past_the_end["items"] == []
    assert past_the_end["total"] == ACTIVE_PRODUCTS


async def test_search_matches_name_or_sku_case_insensitively(
    client: httpx.AsyncClient, demo: dict[str, int]
) -> None:
    await as_user(client, "cashier")
    mango = await products(client, branch_id=demo["DT"], q="mANGO")
    assert sorted(i["name"] for i in mango["items"]) == [
        "Mango Juice Bottle 1L",
        "Mango Juice Bottle 500ml",
        "Mango Juice Can 330ml",
    ]
    by_sku = await products(client, branch_id=demo["DT"], q="cld-01")
    assert sorted(i["sku"] for i in by_sku["items"]) == [f"CLD-{n:03d}" for n in range(10, 20)]
    # LIKE wildcards are matched literally, not as patterns.
    assert (await products(client, branch_id=demo["DT"], q="%"))["total"] == 0
    assert (await products(client, branch_id=demo["DT"], q="GRL_001"))["total"] == 0
    # A blank search is no search.
    assert (await products(client, branch_id=demo["DT"], q="  "))["total"] == ACTIVE_PRODUCTS


async def test_category_filter(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "cashier")
    deli = await products(client, branch_id=demo["DT"], category="deli", page_size=200)
    assert deli["total"] == 24
    assert {i["base_unit"] for i in deli["items"]} == {"kg"}
    assert {i["tax_rate"] for i in deli["items"]} == {"0.00"}
    assert (await products(client, branch_id=demo["DT"], category="nope"))["total"] == 0


async def test_scanning_a_package_barcode_finds_the_product_and_names_the_unit(
    client: httpx.AsyncClient, demo: dict[str, int]
) -> None:
    await as_user(client, "cashier")
    spec = next(p for p in shop.PRODUCTS if p.package_size == 12)
    assert spec.package_barcode is not None

    package = await products(client, branch_id=demo["DT"], barcode=spec.package_barcode)
    assert [(i["sku"], i["matched_unit"]) for i in package["items"]] == [(spec.sku, "package")]
    unit = next(u for u in package["items"][0]["units"] if u["unit"] == "package")
    assert unit == {"unit": "package", "factor": "12.000", "barcode": spec.package_barcode}

    single = await products(client, branch_id=demo["DT"], barcode=spec.barcode)
    assert [(i["sku"], i["matched_unit"]) for i in single["items"]] == [(spec.sku, "piece")]

    unknown = await products(client, branch_id=demo["DT"], barcode="2999999999999")
    assert (unknown["total"], unknown["items"]) == (0, [])


async def test_branch_price_overrides_the_all_branches_price(
    client: httpx.AsyncClient, demo: dict[str, int]
) -> None:
    await as_user(client, "manager")
    spec = BY_SKU["HOT-002"]  # Espresso: Riverside charges 10 % more at the counter
    override = shop.override_price(spec.counter_price, shop.BRANCH_PRICE_OVERRIDES[0][2])
    assert override != spec.counter_price

    def prices(body: dict[str, Any]) -> dict[tuple[str, str], str]:
        [item] = body["items"]
        return {(p["price_list"], p["unit"]): p["price"] for p in item["prices"]}

    downtown = prices(await products(client, branch_id=demo["DT"], q="HOT-002"))
    riverside = prices(await products(client, branch_id=demo["RS"], q="HOT-002"))
    assert downtown == {
        ("counter", "piece"): str(spec.counter_price),
        ("wholesale", "piece"): str(spec.wholesale_price),
    }
    # Only the overridden (list, unit) changes; the wholesale price falls back to the all-branches row.
    assert riverside == {
        ("counter", "piece"): str(override),
        ("wholesale", "piece"): str(spec.wholesale_price),
    }


async def test_a_price_only_set_for_another_branch_does_not_leak(
    client: httpx.AsyncClient, demo: dict[str, int], db_session: AsyncSession
) -> None:
    product_id = await db_session.scalar(select(Product.id).where(Product.sku == "GRL-001"))
    await db_session.execute(
        update(ProductPrice)
        .where(ProductPrice.product_id == product_id, ProductPrice.price_list == "wholesale")
        .values(branch_id=demo["RS"])
    )
    await db_session.commit()
    await as_user(client, "manager")
    [downtown] = (await products(client, branch_id=demo["DT"], q="GRL-001"))["items"]
    [riverside] = (await products(client, branch_id=demo["RS"], q="GRL-001"))["items"]
    assert [p["price_list"] for p in downtown["prices"]] == ["counter"]
    assert [p["price_list"] for p in riverside["prices"]] == ["counter", "wholesale"]


async def test_inactive_products_are_not_offered(
    client: httpx.AsyncClient, demo: dict[str, int], db_session: AsyncSession
) -> None:
    await db_session.execute(update(Product).where(Product.sku == "GRL-001").values(active=False))
    await db_session.commit()
    await as_user(client, "cashier")
    assert (await products(client, branch_id=demo["DT"]))["total"] == ACTIVE_PRODUCTS - 1
    assert (await products(client, branch_id=demo["DT"], q="GRL-001"))["total"] == 0
    assert (await products(client, branch_id=demo["DT"], barcode=BY_SKU["GRL-001"].barcode))["total"] == 0


@contextmanager
def counting_statements(runtime: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_page_costs_the_same_few_queries_whatever_its_size(
    client: httpx.AsyncClient, demo: dict[str, int], runtime: Any
) -> None:
    await as_user(client, "cashier")
    with counting_statements(runtime) as small:
        await products(client, branch_id=demo["DT"], page_size=2)
    with counting_statements(runtime) as large:
        body = await products(client, branch_id=demo["DT"], page_size=200)
    assert len(body["items"]) == 200
    assert len(small) == len(large) <= 6, large


# ---------------------------------------------------------------- branch scoping and access


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/stations", "/api/v1/couriers"])
async def test_another_branch_is_a_404_like_a_missing_one(
    client: httpx.AsyncClient, demo: dict[str, int], path: str
) -> None:
    await as_user(client, "cashier")  # Downtown only
    assert (await client.get(path, params={"branch_id": demo["DT"]})).status_code == 200
    hidden = await client.get(path, params={"branch_id": demo["RS"]})
    missing = await client.get(path, params={"branch_id": 999_999})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


async def test_admin_gets_404_for_a_branch_that_does_not_exist(
    client: httpx.AsyncClient, demo: dict[str, int]
) -> None:
    await as_user(client, "admin")
    assert (await client.get("/api/v1/products", params={"branch_id": demo["RS"]})).status_code == 200
    assert (await client.get("/api/v1/products", params={"branch_id": 999_999})).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products?branch_id=1",
        "/api/v1/categories",
        "/api/v1/stations?branch_id=1",
        "/api/v1/territories",
        "/api/v1/couriers?branch_id=1",
    ],
)
async def test_catalog_needs_a_login(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "key"),
    [
        ("/api/v1/products", {}, "branch_id"),
        ("/api/v1/products", {"branch_id": "abc"}, "branch_id"),
        ("/api/v1/products", {"branch_id": "0"}, "branch_id"),
        ("/api/v1/products", {"branch_id": str(2**70)}, "branch_id"),
        ("/api/v1/products", {"branch_id": "1", "page": "0"}, "page"),
        ("/api/v1/products", {"branch_id": "1", "page": "x"}, "page"),
        ("/api/v1/products", {"branch_id": "1", "page": str(2**64)}, "page"),
        ("/api/v1/products", {"branch_id": "1", "page_size": "1000"}, "page_size"),
        ("/api/v1/products", {"branch_id": "1", "page_size": "0"}, "page_size"),
        ("/api/v1/products", {"branch_id": "1", "q": "x" * 101}, "q"),
        ("/api/v1/products", {"branch_id": "1", "q": "bur\x00ger"}, "q"),
        ("/api/v1/products", {"branch_id": "1", "barcode": "2000\n"}, "barcode"),
        ("/api/v1/stations", {"branch_id": "1.5"}, "branch_id"),
        ("/api/v1/stations", {}, "branch_id"),
        ("/api/v1/couriers", {"branch_id": "-3"}, "branch_id"),
        ("/api/v1/couriers", {"branch_id": ""}, "branch_id"),
    ],
)
async def test_bad_query_parameters_are_a_400_naming_the_parameter(
    client: httpx.AsyncClient, factory: Factory, path: str, params: dict[str, str], key: str
) -> None:
    await factory.user("root", roles=("admin",))
    await factory.commit()
    await login(client, "root")
    response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert key in body["detail"] or key in [e.get("key") for e in body.get("extra", [])], body


async def test_unknown_query_parameters_are_ignored(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "cashier")
    body = await products(client, branch_id=demo["DT"], colour="blue", page_size=1)
    assert body["total"] == ACTIVE_PRODUCTS


# ---------------------------------------------------------------- the other lists


async def test_categories_in_menu_order(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "kitchen")
    body = (await client.get("/api/v1/categories")).json()
    assert [c["code"] for c in body] == [c.code for c in shop.CATEGORIES]
    assert body[0] == {"id": body[0]["id"], "code": "grill", "name": "Grill", "sort_order": 0}


async def test_stations_of_a_branch(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "kitchen")
    body = (await client.get("/api/v1/stations", params={"branch_id": demo["DT"]})).json()
    assert [(s["code"], s["warn_after_seconds"], s["late_after_seconds"]) for s in body] == [
        (code, warn, late) for code, _, warn, late in shop.STATIONS
    ]
    assert {s["branch_id"] for s in body} == {demo["DT"]}
    assert set(body[0]) == {"id", "branch_id", "code", "name", "warn_after_seconds", "late_after_seconds"}


async def test_territories_with_money_as_strings(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "cashier")
    body = (await client.get("/api/v1/territories")).json()
    by_code = {t["code"]: t for t in body}
    assert by_code["NCA"] == {
        "id": by_code["NCA"]["id"],
        "code": "NCA",
        "name": "New Cairo",
        "delivery_charge": "40.00",
        "courier_fee": "55.00",
        "active": True,
    }
    assert len(body) == len(shop.TERRITORIES)


async def test_couriers_of_a_branch(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "manager")
    downtown = (await client.get("/api/v1/couriers", params={"branch_id": demo["DT"]})).json()
    riverside = (await client.get("/api/v1/couriers", params={"branch_id": demo["RS"]})).json()
    assert [c["name"] for c in downtown] == sorted(name for _, name, _, _ in shop.COURIERS[:3])
    assert [c["name"] for c in riverside] == sorted(name for _, name, _, _ in shop.COURIERS[3:])
    omar = next(c for c in downtown if c["name"] == "Omar Said")
    assert omar == {
        "id": omar["id"],
        "branch_id": demo["DT"],
        "name": "Omar Said",
        "phone": "+201001110001",
        "vehicle": "motorbike",
        "active": True,
        "user_id": omar["user_id"],
    }
    assert isinstance(omar["user_id"], int)


async def test_catalog_on_a_minimal_shop(client: httpx.AsyncClient, factory: Factory) -> None:
    """Nothing in the catalog yet: empty pages and lists, not errors."""
    branch = await factory.branch()
    await factory.user("solo", roles=("cashier",), branches=(branch,))
    await factory.commit()
    await login(client, "solo")
    body = await products(client, branch_id=branch.id, q="anything", barcode="123")
    assert body == {"items": [], "page": 1, "page_size": 50, "total": 0}
    for path in ("/api/v1/categories", "/api/v1/territories", f"/api/v1/stations?branch_id={branch.id}"):
        response = await client.get(path)
        assert (response.status_code, response.json()) == (200, [])

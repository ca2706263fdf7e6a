"""The menu as CSV: the demo's 240 products and its combo round-trip exactly; an import with any bad row writes
nothing and names every problem with its line and column; a wrong header, bad encoding or huge file is a 422."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditLog, BundleGroup, Category, CustomerPrice, Product, ProductPrice, ProductStock
from app.demo import DEMO_PASSWORD, seed_demo
from app.demo import _shop as shop
from tests.support.auth import login


@pytest.fixture
async def manager(client: httpx.AsyncClient, db_session: AsyncSession) -> httpx.AsyncClient:
    await seed_demo(db_session)
    await login(client, "manager", DEMO_PASSWORD)
    return client


async def export(client: httpx.AsyncClient) -> str:
    response = await client.get("/api/v1/admin/catalog.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return response.text


async def upload(client: httpx.AsyncClient, raw: bytes, *, apply: bool = True) -> httpx.Response:
    return await client.post(
        "/api/v1/admin/catalog/import",
        params={"apply": str(apply).lower()},
        content=raw,
        headers={"Content-Type": "text/csv"},
    )


async def count(db_session: AsyncSession, model: Any) -> int:
    return int(await db_session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_demo_menu_round_trips_exactly(
    manager: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    first = await export(manager)
    rows = list(csv.DictReader(io.StringIO(first)))
    assert len(rows) == len(shop.PRODUCTS) == 241
    cola = next(r for r in rows if r["sku"] == "CLD-001")
    assert cola["units"].startswith("package:6:20100")
    assert "counter:piece=15.00" in cola["prices"]
    espresso = next(r for r in rows if r["sku"] == "HOT-002")
    assert "counter:piece@RS=" in espresso["prices"]
    combo = next(r for r in rows if r["sku"] == "CMB-001")
    assert '"code":"drink"' in combo["bundle"]

    # Importing the export into the same menu changes nothing and says so.
    same = await upload(manager, first.encode())
    assert same.status_code == 200, same.text
    assert same.json() | {"rows": 0} == {
        "applied": True,
        "rows": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 241,
        "categories_created": 0,
    }

    # Into an empty menu: the same file builds the same menu, and exports to the same bytes.
    await db_session.execute(delete(CustomerPrice))
    await db_session.execute(delete(ProductStock))
    await db_session.execute(delete(BundleGroup))
    await db_session.execute(delete(Product))
    await db_session.execute(delete(Category))
    await db_session.commit()
    built = await upload(manager, first.encode())
    assert built.status_code == 200, built.text
    assert built.json()["created"] == 241
    assert built.json()["categories_created"] == len(shop.CATEGORIES)
    assert await export(manager) == first
    assert await count(db_session, ProductPrice) == sum(len(r["prices"].split(";")) for r in rows)


async def test_an_import_with_one_bad_row_writes_nothing_and_names_the_problem(
    manager: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    original = await export(manager)
    lines = original.splitlines()
    # A new product (which would be created) and a price change on line 3, then one bad price on line 6.
    lines.append("NEW-001,Fresh Lime,cold_drinks,Cold drinks,piece,,14,drinks,yes,no,,,counter:piece=18.00,")
    lines[2] = lines[2].replace("counter:piece=", "counter:piece=1", 1)
    lines[5] = lines[5].replace("counter:piece=", "counter:piece=-", 1)
    audits = await count(db_session, AuditLog)
    response = await upload(manager, ("\n".join(lines) + "\n").encode())
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"] == [{"line": 6, "column": "prices", "message": "must not be negative"}]
    assert "nothing was imported" in body["detail"]
    assert await export(manager) == original
    assert await db_session.scalar(select(Product.id).where(Product.sku == "NEW-001")) is None
    assert await count(db_session, AuditLog) == audits


async def test_every_bad_row_is_reported_with_line_and_column(manager: httpx.AsyncClient) -> None:
    header = (await export(manager)).splitlines()[0]
    good = "NEW-001,Fresh Lime,cold_drinks,,piece,,14,drinks,yes,no,,,counter:piece=18.00,"
    rows = [
        header,
        good,
        good.replace("NEW-001", "NEW-002").replace("counter:piece=18.00", "counter:piece=18.001"),
        good.replace("NEW-001", "NEW-003").replace(",14,", ",abc,"),
        good.replace("NEW-001", "NEW-004").replace("piece,,", "litre,,"),
        good.replace("NEW-001", "NEW-005").replace(",,counter", ",box:x,counter"),
        good,  # the same SKU again
        good.replace("NEW-001", "NEW-007").replace("piece,,", f"piece,{shop.PRODUCTS[0].barcode},"),
        good.replace("NEW-001", "NEW-008").replace("cold_drinks,", "soups,"),
    ]
    response = await upload(manager, ("\n".join(rows) + "\n").encode())
    assert response.status_code == 422, response.text
    found = [(e["line"], e["column"]) for e in response.json()["errors"]]
    assert found == [
        (3, "prices"),
        (4, "tax_rate"),
        (5, "base_unit"),
        (6, "units"),
        (7, "sku"),
        (8, "barcode"),
        (9, "category_name"),
    ]
    messages = {e["line"]: e["message"] for e in response.json()["errors"]}
    assert "more than 2 decimal places" in messages[3]
    assert shop.PRODUCTS[0].sku in messages[8]


@pytest.mark.parametrize(
    ("raw", "line", "words"),
    [
        (b"sku,name,price\nA,B,1\n", 1, "header must be exactly"),
        (b"", 1, "empty"),
        (b"sku,name\n" + b"ok\nbad \xe9 byte\n", 3, "not UTF-8"),
    ],
)
async def test_a_broken_file_is_a_422_with_the_line(
    manager: httpx.AsyncClient, raw: bytes, line: int, words: str
) -> None:
    response = await upload(manager, raw)
    assert response.status_code == 422, response.text
    assert response.json()["line"] == line
    assert words in response.json()["detail"]


async def test_a_50_mb_file_is_a_422_not_a_crash(
    manager: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    header = (await export(manager)).splitlines()[0]
    row = b"X-1,Big,grill,Grill,piece,,14,grill,yes,no," + b"d" * 900 + b",,counter:piece=1.00,\n"
    raw = header.encode() + b"\n" + row * (50 * 1024 * 1024 // len(row))
    response = await upload(manager, raw)
    assert response.status_code == 422
    assert "10 MB" in response.json()["detail"]
    assert response.json()["line"] > 10_000
    assert await db_session.scalar(select(Product.id).where(Product.sku == "X-1")) is None


async def test_a_dry_run_reports_and_writes_nothing(
    manager: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    original = await export(manager)
    changed = original.replace("Beef Burger,", "Beef Burger Deluxe,", 1)
    response = await upload(manager, changed.encode(), apply=False)
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    assert response.json()["applied"] is False
    assert await export(manager) == original

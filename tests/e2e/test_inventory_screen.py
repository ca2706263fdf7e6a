"""/inventory on a 1280 x 800 tablet, driven in Chromium: stock added and written off with its ledger, a
purchase order received by scanning (with the over-receipt question), a blind count approved, a transfer
sent and taken in, a pending expense approved; the till's expense form; the page in Arabic, right to left.
Screenshots go to /tmp/shots/inventory/."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.db.models import Product, ProductUnit
from tests.e2e.ui import TABLET, assert_no_axe_violations, assert_nothing_overflows, shoot
from tests.support import sales as build
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 10_000


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    main = await factory.branch(code="MAIN", name="Main Street")
    mall = await factory.branch(code="MALL", name="City Mall")
    cola = await factory.product("Cola", price="15.00", station="drinks", units={"case": "24"})
    rice = await factory.product("Rice", price="30.00", base_unit="kg")
    await factory.session.execute(
        update(Product).where(Product.id == cola.id).values(barcode="5449000000996")
    )
    await factory.session.execute(
        update(ProductUnit)
        .where(ProductUnit.product_id == cola.id, ProductUnit.unit == "case")
        .values(barcode="15449000000993")
    )
    await factory.user("mona", roles=("manager",), branches=(main, mall))
    cashier = await factory.user("cashier", roles=("cashier",), branches=(main,))
    front = await build.till(factory, main, "front")
    shift = await build.shift(factory, front, cashier)
    await factory.commit()
    return {"main": main.id, "mall": mall.id, "cola": cola.id, "rice": rice.id, "shift": str(shift.id)}


@asynccontextmanager
async def tablet(browser: Any, server: LiveServer, username: str) -> AsyncIterator[tuple[Any, list[str]]]:
    context = await browser.new_context(viewport=TABLET, has_touch=True)
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, username)
        await context.add_cookies(
            [{"name": k, "value": v, "url": server.url} for k, v in http.cookies.items()]
        )
    problems: list[str] = []
    page = await context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        yield page, problems
    finally:
        await context.close()


@asynccontextmanager
async def api(server: LiveServer, username: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, username)
        yield http


async def test_stock_ledger_and_a_write_off_on_the_tablet(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with tablet(browser, live_server, "mona") as (page, problems):
        await page.goto(f"{live_server.url}/inventory")
        await page.get_by_text("No stock recorded in this branch yet.").wait_for(timeout=WAIT_MS)
        await page.get_by_role("button", name="Add stock").click()
        await page.get_by_placeholder("Type a name or scan").fill("5449000000996")
        await page.get_by_placeholder("Type a name or scan").press("Enter")
        await page.locator(".inv-detail p strong", has_text="Cola").wait_for(timeout=WAIT_MS)
        await page.get_by_label("Quantity").fill("24")
        await page.get_by_label("Unit cost").fill("2.50")
        await page.get_by_role("button", name="Record").click()
        await page.get_by_role("heading", name="Cola").wait_for(timeout=WAIT_MS)
        await page.get_by_label("What").select_option("waste")
        await page.locator(".inv-detail [name=qty]").fill("2")
        await page.locator(".inv-detail [name=reason]").fill("dropped")
        await page.get_by_role("button", name="Record").click()
        ledger = page.locator(".inv-detail table")
        await ledger.get_by_role("cell", name="Waste").wait_for(timeout=WAIT_MS)
        assert "Waste" in await ledger.inner_text()
        assert "dropped" in await ledger.inner_text()
        await page.locator(".inv-detail [name=reorder_point]").fill("30")
        await page.locator(".inv-detail [name=par_level]").fill("48")
        await page.get_by_role("button", name="Save levels").click()
        await page.locator(".badge-warn", has_text="Low").wait_for(timeout=WAIT_MS)
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await shoot(page, "inventory/stock-tablet")
    assert problems == [], problems


async def test_a_purchase_order_received_by_scanning_the_boxes(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with api(live_server, "mona") as http:
        nile = await http.post(
            "/api/v1/inventory/suppliers",
            json={
                "name": "Nile Drinks",
                "lead_time_days": 2,
                "items": [{"product_id": shop["cola"], "unit": "case", "price": "240"}],
            },
        )
        po = await http.post(
            "/api/v1/inventory/purchase-orders",
            json={
                "branch_id": shop["main"],
                "supplier_id": nile.json()["id"],
                "lines": [{"product_id": shop["cola"], "unit": "case", "qty": "2"}],
            },
        )
        assert po.status_code == 201, po.text
    async with tablet(browser, live_server, "mona") as (page, problems):
        await page.goto(f"{live_server.url}/inventory#orders")
        await page.get_by_role("cell", name="Nile Drinks").click()
        await page.get_by_role("button", name="Send to supplier").click()
        scan = page.get_by_placeholder("Scan a box or type a barcode")
        for _ in range(3):  # three cases arrive for two ordered
            await scan.fill("15449000000993")
            await scan.press("Enter")
        await page.get_by_role("button", name="Receive", exact=True).click()
        await page.get_by_role("dialog").get_by_text("more than the 2").wait_for(timeout=WAIT_MS)
        await shoot(page, "inventory/po-over-receipt")
        await page.get_by_role("button", name="Receive the extra").click()
        await page.get_by_text("Received: the stock is in.").wait_for(timeout=WAIT_MS)
        await page.locator(".inv-detail .badge", has_text="Received").wait_for(timeout=WAIT_MS)
        await shoot(page, "inventory/po-received")
        await page.get_by_role("tab", name="Stock").click()
        # 3 cases of 24 (numbers come wrapped in bidi isolates)
        await page.locator("td.num", has_text=re.compile(r"^\W*72\W*$")).wait_for(timeout=WAIT_MS)
    assert problems == [] or all("422" in p for p in problems), problems


async def test_a_blind_count_and_a_transfer(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with api(live_server, "mona") as http:
        for product, qty in ((shop["cola"], "30"), (shop["rice"], "10")):
            made = await http.post(
                "/api/v1/inventory/moves",
                json={
                    "branch_id": shop["main"],
                    "product_id": product,
                    "kind": "adjustment",
                    "qty": qty,
                    "unit_cost": "2",
                    "reason": "opening",
                },
            )
            assert made.status_code == 201, made.text
    async with tablet(browser, live_server, "mona") as (page, problems):
        await page.goto(f"{live_server.url}/inventory#counts")
        await page.get_by_label("Blind count (hide expected figures)").check()
        await page.get_by_role("button", name="Start a count").click()
        scan = page.get_by_placeholder("Type a name or scan")
        await scan.fill("15449000000993")  # a case of 24
        await scan.press("Enter")
        await page.locator(".inv-count-entry strong", has_text="counted in case").wait_for(timeout=WAIT_MS)
        await page.get_by_label("Counted").fill("1")
        await page.get_by_role("button", name="Save count").click()
        table = page.locator(".inv-detail table")
        await table.locator("td", has_text=re.compile(r"^\W*24\W*$")).wait_for(timeout=WAIT_MS)
        await scan.fill("5449000000996")  # single cans on the shelf: recounted as 25
        await scan.press("Enter")
        await page.locator(".inv-count-entry strong", has_text=re.compile("^Cola$")).wait_for(timeout=WAIT_MS)
        await page.get_by_label("Counted").fill("25")
        await page.get_by_role("button", name="Save count").click()
        await table.locator("td", has_text=re.compile(r"^\W*25\W*$")).wait_for(timeout=WAIT_MS)
        assert "—" in await table.inner_text()  # blind: nothing expected shown
        await page.get_by_role("button", name="Approve and post variances").click()
        await page.get_by_role("dialog").get_by_role("button", name="Approve").click()
        await page.get_by_text("Variances posted.").wait_for(timeout=WAIT_MS)
        assert "-5" in await table.inner_text()
        await shoot(page, "inventory/count-approved")

        await page.get_by_role("tab", name="Transfers").click()
        await page.get_by_role("button", name="Send stock to a branch").click()
        await page.get_by_placeholder("Type a name or scan").fill("Rice")
        await page.get_by_role("button", name="Rice · ").click()
        await page.get_by_label("Rice: quantity (kg)").fill("2.5")
        await page.get_by_role("button", name="Dispatch").click()
        await page.get_by_text("In transit").first.wait_for(timeout=WAIT_MS)
        await page.get_by_label("Branch").select_option(str(shop["mall"]))
        await page.get_by_role("cell", name="Main Street").first.click()
        await page.get_by_role("button", name="Take in").click()
        await page.get_by_text("Taken in.").wait_for(timeout=WAIT_MS)
        await shoot(page, "inventory/transfer-received")
    assert problems == [], problems


async def test_a_till_pays_an_expense_and_a_manager_approves_it(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with api(live_server, "cashier") as http:
        recorded = await http.post(
            "/api/v1/expenses",
            json={
                "id": str(uuid.uuid4()),
                "shift_id": shop["shift"],
                "category": "cleaning",
                "amount": "35",
                "note": "mop",
            },
        )
        assert recorded.json()["state"] == "pending"
    async with tablet(browser, live_server, "mona") as (page, problems):
        await page.goto(f"{live_server.url}/inventory#expenses")
        await page.get_by_role("cell", name="mop").wait_for(timeout=WAIT_MS)
        await shoot(page, "inventory/expenses-pending")
        await page.get_by_role("button", name="Approve").click()
        await page.get_by_text("Approved: paid out of the drawer.").wait_for(timeout=WAIT_MS)
        await page.get_by_label("Show").select_option("")
        await page.locator(".inv-list .badge", has_text="Paid out").wait_for(timeout=WAIT_MS)
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await shoot(page, "inventory/expenses-approved")
    assert problems == [], problems
    async with api(live_server, "cashier") as http:
        summary = await http.get(f"/api/v1/shifts/{shop['shift']}/summary")
        assert summary.json()["cash"]["expenses"] == "35.00"


async def test_the_inventory_in_arabic_right_to_left(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with tablet(browser, live_server, "mona") as (page, problems):
        await page.goto(f"{live_server.url}/inventory?lang=ar")
        await page.get_by_role("tab", name="المخزون").wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == "rtl"
        await page.get_by_role("tab", name="المصروفات").click()
        await page.get_by_text("لا شيء بانتظار المدير.").wait_for(timeout=WAIT_MS)
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await shoot(page, "inventory/expenses-ar")
    assert problems == [], problems


async def test_low_stock_shows_on_the_board_once(
    live_server: LiveServer, shop: dict[str, Any], browser: Any, runtime: Any
) -> None:
    from app.inventory import low_stock
    from app.lib.deps import provide_services
    from tests.support.kanban import signed_in

    async with api(live_server, "mona") as http:
        await http.post(
            "/api/v1/inventory/moves",
            json={
                "branch_id": shop["main"],
                "product_id": shop["cola"],
                "kind": "adjustment",
                "qty": "11",
                "unit_cost": "2",
                "reason": "opening",
            },
        )
        await http.put(
            f"/api/v1/inventory/stock/{shop['cola']}/levels",
            json={"branch_id": shop["main"], "reorder_point": "10"},
        )
        person = await signed_in(browser, live_server, "mona", viewport={"width": 1280, "height": 800})
        try:
            page = await person.open(live_server, "/kanban")
            for _ in range(2):  # 11 -> 10 -> 9: the second sale crosses
                sold = await http.post(
                    "/api/v1/orders",
                    json={
                        "id": str(uuid.uuid4()),
                        "branch_id": shop["main"],
                        "channel": "counter",
                        "lines": [{"product_id": shop["cola"], "qty": "1"}],
                    },
                )
                assert sold.status_code == 201, sold.text
            async with provide_services(runtime) as scope:  # the sale's job, as the worker runs it
                await low_stock.raise_for_branch(scope, None)
                await low_stock.raise_for_branch(scope, None)
            await page.locator("#alerts-toggle").wait_for(timeout=WAIT_MS)
            assert await page.locator("#alerts-count").inner_text() == "1"
            await page.click("#alerts-toggle")
            assert (
                "Cola is low: 9 left (reorder point 10)" in await page.locator("#alerts-panel").inner_text()
            )
            await shoot(page, "inventory/board-low-stock")
        finally:
            await person.close()
        assert not person.errors, person.errors


async def test_the_cashier_pays_an_expense_from_the_tills_shift_panel(
    live_server: LiveServer, shop: dict[str, Any], browser: Any, tmp_path: Any
) -> None:
    import io

    from PIL import Image

    receipt = tmp_path / "receipt.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 480), (240, 240, 230)).save(buffer, format="JPEG")
    receipt.write_bytes(buffer.getvalue())
    async with tablet(browser, live_server, "cashier") as (page, problems):
        await page.goto(f"{live_server.url}/pos")
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        await page.click("#shift-button")
        entry = page.locator("#expense-entry")
        await entry.get_by_role("button", name="Pay out").wait_for(timeout=WAIT_MS)
        await entry.get_by_label("Category").select_option("cleaning")
        await entry.get_by_label("Amount").fill("12.50")
        await entry.get_by_label("Note").fill("bin bags")
        await entry.get_by_label("Receipt photo").set_input_files(str(receipt))
        await entry.get_by_role("button", name="Pay out").click()
        await entry.get_by_text("Waiting for a manager to approve: do not pay yet.").wait_for(timeout=WAIT_MS)
        await shoot(page, "inventory/till-expense")
    assert problems == [], problems
    async with api(live_server, "mona") as http:
        listed = (await http.get("/api/v1/expenses", params={"branch_id": shop["main"]})).json()
        assert [(x["note"], x["amount"], x["has_receipt"], x["state"]) for x in listed["items"]] == [
            ("bin bags", "12.5000", True, "pending")
        ]


async def test_a_supplier_and_a_recipe_made_on_the_tablet(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with tablet(browser, live_server, "mona") as (page, problems):
        await page.goto(f"{live_server.url}/inventory#suppliers")
        await page.get_by_role("button", name="New supplier").click()
        await page.get_by_label("Name", exact=True).fill("Delta Grains")
        await page.get_by_label("Lead time (days)").fill("3")
        await page.get_by_placeholder("Type a name or scan").fill("Rice")
        await page.get_by_role("button", name="Rice · ").click()
        await page.locator("[name='items[0].price']").fill("21.50")
        await page.get_by_role("button", name="Save supplier").click()
        await page.get_by_role("cell", name="Delta Grains").wait_for(timeout=WAIT_MS)
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await shoot(page, "inventory/supplier-saved")

        await page.get_by_role("tab", name="Recipes").click()
        await page.get_by_placeholder("Type a name or scan").first.fill("Cola")
        await page.get_by_role("button", name="Cola · ").click()
        await page.get_by_role("heading", name="Recipe of Cola").wait_for(timeout=WAIT_MS)
        picker = page.locator(".inv-form").get_by_placeholder("Type a name or scan")
        await picker.fill("Rice")
        await page.get_by_role("button", name="Rice · ").click()
        await page.get_by_label("Quantity (kg)").fill("0.150")
        await page.get_by_label("Yield %").fill("90")
        await page.get_by_role("button", name="Save recipe").click()
        await page.get_by_role("cell", name=re.compile(r"0\.167")).wait_for(timeout=WAIT_MS)
        await assert_no_axe_violations(page)
        await shoot(page, "inventory/recipe-saved")
    assert problems == [], problems


async def test_a_suggested_order_becomes_a_draft(
    live_server: LiveServer, shop: dict[str, Any], browser: Any, runtime: Any
) -> None:
    import datetime as dt

    from sqlalchemy import text

    async with api(live_server, "mona") as http:
        await http.post(
            "/api/v1/inventory/suppliers",
            json={
                "name": "Nile Drinks",
                "lead_time_days": 2,
                "items": [{"product_id": shop["cola"], "unit": "case", "price": "240"}],
            },
        )
        await http.post(
            "/api/v1/inventory/moves",
            json={
                "branch_id": shop["main"],
                "product_id": shop["cola"],
                "kind": "adjustment",
                "qty": "30",
                "unit_cost": "10",
                "reason": "opening",
            },
        )
        await http.put(
            f"/api/v1/inventory/stock/{shop['cola']}/levels",
            json={"branch_id": shop["main"], "reorder_point": "20", "par_level": "60"},
        )
    today = dt.datetime.now(dt.UTC).date()
    async with runtime.engine.begin() as conn:  # eight weeks of cola sales, 10 a day
        for n in range(1, 57):
            await conn.execute(
                text(
                    "INSERT INTO stock_moves (branch_id, product_id, kind, qty, unit_cost, on_hand_after, created_at) "
                    "VALUES (:b, :p, 'sale', -10, 10, 0, :at)"
                ),
                {
                    "b": shop["main"],
                    "p": shop["cola"],
                    "at": dt.datetime.combine(today - dt.timedelta(days=n), dt.time(10), dt.UTC),
                },
            )
    async with tablet(browser, live_server, "mona") as (page, problems):
        await page.goto(f"{live_server.url}/inventory#orders")
        await page.get_by_role("button", name="Suggested orders").click()
        await page.get_by_role("heading", name=re.compile("Nile Drinks")).wait_for(timeout=WAIT_MS)
        await shoot(page, "inventory/suggestions")
        await page.get_by_role("button", name="Draft this order").click()
        await page.locator(".inv-line legend", has_text="Cola").wait_for(timeout=WAIT_MS)
        assert await page.locator("[name='lines[0].unit']").input_value() == "case"
        assert (
            await page.locator("[name='lines[0].qty']").input_value() == "3"
        )  # par 60 + about 20 sold before delivery - 30 on hand, in cases of 24, rounded up
        await page.get_by_role("button", name="Save draft").click()
        await page.get_by_text("Draft saved.").wait_for(timeout=WAIT_MS)
        await page.locator(".inv-detail .badge", has_text="Draft").wait_for(timeout=WAIT_MS)
    assert problems == [], problems

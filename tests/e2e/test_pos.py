"""The cashier's till (/pos) in headless Chromium against a real server.

A cashier sells with a split payment (card + cash with change) and the order is paid on the server; a
scanner's unknown code says so and adds nothing; with the network cut the till keeps selling into its
offline queue, survives a reload served by its service worker, and when the network returns the queue
drains into exactly the sales that were made, however often it is replayed.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.e2e.ui import plain, text_of
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.till import bundle, till_profile, with_barcode, with_stock

pytestmark = pytest.mark.browser

WAIT_MS = 15_000


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="PS", name="Till Branch")
    await factory.station(branch, "grill")
    # 50.00 + 14 % tax on top (the branch's prices exclude tax) = 57.00 a burger.
    burger = await factory.product("Burger", price="50.00", station="grill")
    await with_barcode(factory, burger, "6221000000017")
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "burger": burger.id}


@pytest.fixture
async def api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "cashier")
        yield http


@asynccontextmanager
async def tablet(browser: Any, server: LiveServer, http: httpx.AsyncClient) -> AsyncIterator[Any]:
    """A signed-in tablet (the cookies of `http`'s login) on /pos; fails on any script error."""
    context = await browser.new_context()
    await context.add_cookies(
        [
            {"name": name, "value": value, "url": server.url}
            for name, value in http.cookies.items()
            if name in ("passline_session", "passline_csrf")
        ]
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await page.goto(f"{server.url}/pos")
        yield page
    finally:
        await context.close()
    assert not errors, errors


@pytest.fixture
async def till(browser: Any, live_server: LiveServer, api: httpx.AsyncClient) -> AsyncIterator[Any]:
    """The cashier's tablet on /pos, ready to sell."""
    async with tablet(browser, live_server, api) as page:
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        yield page


async def orders_of(api: httpx.AsyncClient, branch: int) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/orders", params={"branch_id": branch})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def add_burger(page: Any, times: int = 1) -> None:
    for _ in range(times):
        await page.locator('.pos-product[data-product-id]:has-text("Burger")').click()


async def tender(page: Any, method: str, amount: str, *, tendered: str = "", reference: str = "") -> None:
    await page.locator(f'#pay-methods [data-method="{method}"]').click()
    await page.fill("#pay-amount", amount)
    if tendered:
        await page.fill("#pay-tendered", tendered)
    if reference:
        await page.fill("#pay-reference", reference)
    await page.click("#pay-add")


async def test_split_payment_sale(till: Any, api: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    page = till
    await add_burger(page, 2)
    await page.locator("#t-total", has_text="114.00").wait_for(timeout=WAIT_MS)
    await page.click("#checkout")
    await tender(page, "card", "100.00", reference="TERM-42")
    await page.locator("#pay-remaining", has_text="14.00").wait_for(timeout=WAIT_MS)
    await tender(page, "cash", "14.00", tendered="20.00")
    await page.locator("#pay-change", has_text="6.00").wait_for(timeout=WAIT_MS)
    await page.click("#pay-confirm")

    success = page.locator("#success")
    await success.wait_for(state="visible", timeout=WAIT_MS)
    token = await text_of(page, "#s-token")
    assert re.fullmatch(r"#\d+", token), token
    assert "6.00" in await text_of(page, "#s-change")
    assert "114.00" in await text_of(page, "#s-paid")
    assert "TERM-42" in await text_of(page, "#s-payments")
    assert "Burger" in await text_of(page, "#s-items")
    assert await page.locator("#s-offline").is_hidden()

    order_id = await success.get_attribute("data-order-id")
    response = await api.get(f"/api/v1/orders/{order_id}")
    assert response.status_code == 200, response.text
    order = response.json()
    assert f"#{order['token']}" == token
    assert order["totals"]["total"] == "114.00"
    assert order["payment_status"] == "paid"
    assert sorted(p["method"] for p in order["payments"]) == ["card", "cash"]
    receipt = await api.get(await page.get_attribute("#s-receipt", "href"))
    assert receipt.status_code == 200, receipt.text
    assert "Burger" in receipt.text


async def test_refused_tender_then_pay_again_is_one_order(
    till: Any, api: httpx.AsyncClient, factory: Factory, shop: dict[str, Any]
) -> None:
    """The order goes to the kitchen before its tenders: a refused tender leaves the sale bound to that
    order (cart locked, a banner with its token and balance), and paying again pays it, not a second one."""
    from decimal import Decimal

    customer = await factory.customer("Acme Canteen", phone="+201000000555")
    customer.credit_limit = Decimal("20.00")
    await factory.commit()
    page = till
    await page.click("#customer-button")
    await page.fill("#customer-q", "+201000000555")
    await page.locator("#customer-results [data-customer-id]").click()
    await page.locator("#customer-name", has_text="Acme Canteen").wait_for(timeout=WAIT_MS)
    await add_burger(page)
    await page.locator("#t-total", has_text="57.00").wait_for(timeout=WAIT_MS)

    await page.click("#checkout")
    await tender(page, "card", "30.00", reference="TERM-7")
    await tender(page, "on_account", "27.00")
    await page.click("#pay-confirm")
    await page.locator("#pay-error", has_text="credit limit").wait_for(timeout=WAIT_MS)
    await page.locator("#pay [data-close]").click()

    (order,) = await orders_of(api, shop["branch"])
    banner = page.locator("#made")
    await banner.wait_for(state="visible", timeout=WAIT_MS)
    assert f"as #{order['token']}" in plain(await banner.inner_text())
    assert "27.00" in plain(await banner.inner_text())
    assert await page.locator("#pos[data-locked]").count() == 1
    for control in ("#cart .pos-line button >> nth=0", ".pos-product >> nth=0", "#clear", "#channel"):
        assert await page.is_disabled(control), control

    await page.click("#checkout")
    await page.locator("#pay-remaining", has_text="27.00").wait_for(timeout=WAIT_MS)
    assert "TERM-7" in await text_of(page, "#pay-list")
    await tender(page, "cash", "27.00", tendered="30.00")
    await page.click("#pay-confirm")
    await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
    assert await page.locator("#success").get_attribute("data-order-id") == order["id"]
    await page.click("#s-new")
    await banner.wait_for(state="hidden", timeout=WAIT_MS)
    assert await page.locator("#pos[data-locked]").count() == 0

    (again,) = await orders_of(api, shop["branch"])
    assert again["id"] == order["id"]
    paid = (await api.get(f"/api/v1/orders/{order['id']}")).json()
    assert paid["payment_status"] == "paid"
    assert sorted((p["method"], p["amount"]) for p in paid["payments"]) == [
        ("card", "30.00"),
        ("cash", "27.00"),
    ]


async def test_unknown_barcode_adds_nothing(till: Any) -> None:
    page = till
    await page.fill("#barcode", "4000000000000")
    await page.press("#barcode", "Enter")
    message = page.locator("#scan-msg")
    await message.wait_for(state="visible", timeout=WAIT_MS)
    assert "Unknown barcode 4000000000000" in plain(await message.inner_text())
    assert await page.locator("#cart .pos-line").count() == 0
    assert await page.is_disabled("#checkout")

    # The same field with a known code does add: the refusal above was about the code.
    await page.fill("#barcode", "6221000000017")
    await page.press("#barcode", "Enter")
    await page.locator("#cart .pos-line").wait_for(timeout=WAIT_MS)
    assert await message.is_hidden()


READ_QUEUE = """() => new Promise((resolve, reject) => {
  const req = indexedDB.open("passline-pos", 1);
  req.onsuccess = () => {
    const all = req.result.transaction("sales").objectStore("sales").getAll();
    all.onsuccess = () => resolve(all.result);
    all.onerror = () => reject(all.error);
  };
  req.onerror = () => reject(req.error);
})"""

WRITE_QUEUE = """(entries) => new Promise((resolve, reject) => {
  const req = indexedDB.open("passline-pos", 1);
  req.onsuccess = () => {
    const tx = req.result.transaction("sales", "readwrite");
    for (const entry of entries) tx.objectStore("sales").put(entry);
    tx.oncomplete = () => resolve(true);
    tx.onerror = () => reject(tx.error);
  };
  req.onerror = () => reject(req.error);
})"""

FETCH = "(url) => fetch(url, {cache: 'no-store'}).then(() => 'reached', () => 'blocked')"


async def sell_offline(page: Any, *, next_sale: bool = True) -> None:
    await add_burger(page)
    await page.click("#checkout")
    await tender(page, "cash", "57.00", tendered="60.00")
    await page.click("#pay-confirm")
    await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
    assert await page.locator("#s-offline").is_visible()
    assert "3.00" in await text_of(page, "#s-change")
    # No reference yet: the server gives it when the sale reaches it.
    assert "#" not in await text_of(page, "#s-token")
    if next_sale:
        await page.click("#s-new")


async def test_offline_sales_replay_once(
    till: Any, api: httpx.AsyncClient, shop: dict[str, Any], live_server: LiveServer
) -> None:
    page = till
    context = page.context
    await page.locator("#pos[data-offline-ready]").wait_for(timeout=WAIT_MS)
    assert await orders_of(api, shop["branch"]) == []

    await context.set_offline(True)
    # The cut reaches both the page and its service worker, or this test would prove nothing.
    assert await page.evaluate(FETCH, f"{live_server.url}/health/live") == "blocked"
    (worker,) = context.service_workers
    assert await worker.evaluate(FETCH, f"{live_server.url}/health/live") == "blocked"

    await sell_offline(page)
    await sell_offline(page)
    await page.locator("#queue-count", has_text="2").wait_for(timeout=WAIT_MS)

    # A reload with no network: the service worker serves the page, its scripts and the catalog.
    await page.reload()
    await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
    await page.locator("#queue-count", has_text="2").wait_for(timeout=WAIT_MS)
    await page.locator('.pos-product:has-text("Burger")').wait_for(timeout=WAIT_MS)
    # A third one whose success screen the cashier still shows when the network returns.
    await sell_offline(page, next_sale=False)
    saved = await page.evaluate(READ_QUEUE)
    assert len(saved) == 3
    assert await orders_of(api, shop["branch"]) == []
    shown = await page.get_attribute("#success", "data-order-id")

    await context.set_offline(False)
    await page.locator("#queue-badge").wait_for(state="hidden", timeout=WAIT_MS)
    assert await page.evaluate(READ_QUEUE) == []
    orders = await orders_of(api, shop["branch"])
    assert sorted(o["id"] for o in orders) == sorted(e["id"] for e in saved)
    assert all(o["payment_status"] == "paid" for o in orders)
    # Replayed, each sale has its reference: on the screen still showing it, and named for the others.
    token = next(o["token"] for o in orders if o["id"] == shown)
    await page.locator("#s-token", has_text=f"#{token}").wait_for(timeout=WAIT_MS)
    assert await page.locator("#s-offline").is_hidden()
    told = await text_of(page, ".toasts")
    assert all(f"#{o['token']}" in told for o in orders), told

    # A replay the tablet could not record as finished (a crash between the server's answer and the
    # delete) runs again in full: the server answers "existed" and takes nothing twice.
    await page.evaluate(WRITE_QUEUE, saved)
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    # Polled from here: wait_for_function takes a returned Promise as truthy and would not wait at all.
    for _ in range(WAIT_MS // 100):
        if await page.evaluate(READ_QUEUE) == []:
            break
        await asyncio.sleep(0.1)
    assert await page.evaluate(READ_QUEUE) == []
    again = await orders_of(api, shop["branch"])
    assert sorted(o["id"] for o in again) == sorted(o["id"] for o in orders)
    for order in again:
        full = (await api.get(f"/api/v1/orders/{order['id']}")).json()
        assert full["payment_status"] == "paid"
        assert len(full["payments"]) == 1


async def test_bundle_choice_and_stock_limit(
    browser: Any, live_server: LiveServer, factory: Factory, api: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    """A combo asks which drink; the drink's stock caps what the cart may hold, the combo's included."""
    from app.db.models import Branch

    branch = await factory.session.get(Branch, shop["branch"])
    cola = await factory.product("Cola", price="10.00", station="bar")
    await with_stock(factory, cola, branch, "2")
    water = await factory.product("Water", price="8.00", station="bar")
    combo = await factory.product("Burger Combo", price="70.00", station="grill")
    burger = await factory.session.get(type(combo), shop["burger"])
    await bundle(factory, combo, code="main", name="Main", kind="fixed", items=[burger])
    await bundle(factory, combo, code="drink", name="Pick a drink", kind="choice", items=[cola, water])
    await factory.commit()
    if (await api.get("/api/v1/pos/catalog", params={"branch_id": shop["branch"]})).status_code == 404:
        pytest.skip("the POS catalog API (bundles, stock) is not on this branch yet")

    async with tablet(browser, live_server, api) as page:
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        await page.locator('.pos-product:has-text("Cola") .pos-stock', has_text="2 left").wait_for(
            timeout=WAIT_MS
        )
        await page.locator('.pos-product:has-text("Burger Combo")').click()
        dialog = page.locator("#bundle")
        await dialog.wait_for(state="visible", timeout=WAIT_MS)
        await dialog.locator("label", has_text="Cola").click()
        await dialog.locator('button[type="submit"]').click()
        line = page.locator("#cart .pos-line", has_text="Burger Combo")
        await line.wait_for(timeout=WAIT_MS)
        assert "Cola" in plain(await line.inner_text())
        assert "Burger" in plain(await line.locator(".pos-parts").inner_text())
        await page.locator('.pos-product:has-text("Cola") .pos-stock', has_text="1 left").wait_for(
            timeout=WAIT_MS
        )

        await page.locator('.pos-product:has-text("Cola")').first.click()
        await page.locator('.pos-product:has-text("Cola") .pos-stock', has_text="0 left").wait_for(
            timeout=WAIT_MS
        )
        await page.locator('.pos-product:has-text("Cola")').first.click()
        await page.locator(".toasts", has_text="no Cola left").wait_for(timeout=WAIT_MS)
        assert await page.locator("#cart .pos-line").count() == 2
        # 70.00 + 10.00 (+14 % tax on each) for the combo and the cola.
        assert await text_of(page, "#t-total") == "91.20"

        await page.click("#checkout")
        await tender(page, "cash", "91.20", tendered="100.00")
        await page.click("#pay-confirm")
        await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
        assert "8.80" in await text_of(page, "#s-change")
        order_id = await page.locator("#success").get_attribute("data-order-id")
        # Both colas are gone from the till's stock.
        await page.click("#s-new")
        await page.locator('.pos-product:has-text("Cola") .pos-stock', has_text="0 left").wait_for(
            timeout=WAIT_MS
        )

    order = (await api.get(f"/api/v1/orders/{order_id}")).json()
    lines = {(line["name"], line["parent_line_no"]) for line in order["lines"]}
    assert lines == {("Burger Combo", None), ("Burger", 1), ("Cola", 1), ("Cola", None)}
    assert order["totals"]["total"] == "91.20"
    assert order["payment_status"] == "paid"


async def test_shift_open_sell_cash_out_close_short(
    browser: Any, live_server: LiveServer, factory: Factory, api: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    """A till that needs a shift asks for the opening count; the close shows cash short by what is missing."""
    from app.db.models import Branch

    branch = await factory.session.get(Branch, shop["branch"])
    profile = await till_profile(factory, branch, require_shift=True)
    await factory.commit()
    if (await api.post("/api/v1/shifts", json={})).status_code in (404, 405):
        pytest.skip("the shifts API is not on this branch yet")

    async with tablet(browser, live_server, api) as page:
        dialog = page.locator("#shift")
        await dialog.wait_for(state="visible", timeout=WAIT_MS)
        await page.fill("#shift-opening", "100.00")
        await page.click("#shift-open")
        await dialog.wait_for(state="hidden", timeout=WAIT_MS)
        await page.locator('#shift-state[data-state="open"]').wait_for(timeout=WAIT_MS)

        await add_burger(page)
        await page.click("#checkout")
        await tender(page, "cash", "57.00", tendered="60.00")
        await page.click("#pay-confirm")
        await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
        order_id = await page.locator("#success").get_attribute("data-order-id")
        await page.click("#s-new")

        await page.click("#shift-button")
        await dialog.wait_for(state="visible", timeout=WAIT_MS)
        await page.locator("#shift-summary", has_text="157.00").wait_for(timeout=WAIT_MS)
        await page.select_option("#cm-kind", "out")
        await page.fill("#cm-amount", "20.00")
        await page.fill("#cm-reason", "bank drop")
        await page.click("#cm-save")
        await page.locator("#shift-summary", has_text="137.00").wait_for(timeout=WAIT_MS)
        await page.fill('#close-counts input[data-method="cash"]', "135.00")
        # Closing is final: the till asks once more, showing the counts. Kept open, nothing is closed.
        await page.click("#shift-close")
        confirm = page.locator("#confirm")
        await confirm.wait_for(state="visible", timeout=WAIT_MS)
        assert "Cash counted: 135.00" in await text_of(page, "#confirm-list")
        await page.click("#confirm-no")
        await confirm.wait_for(state="hidden", timeout=WAIT_MS)
        assert await page.locator('#shift-state[data-state="open"]').count() == 1
        await page.click("#shift-close")
        await page.click("#confirm-yes")
        cash = page.locator('#close-result tr[data-method="cash"]')
        await cash.wait_for(timeout=WAIT_MS)
        assert "137.00" in plain(await cash.inner_text())
        assert "short 2.00" in plain(await cash.inner_text())
        report = await page.get_attribute("#z-report", "href")
        assert report is not None
        assert (await api.get(report)).status_code == 200
        await page.locator('#shift-state[data-state="none"]').wait_for(timeout=WAIT_MS)

    order = (await api.get(f"/api/v1/orders/{order_id}")).json()
    assert order["pos_profile_id"] == profile.id
    assert order["payment_status"] == "paid"


async def test_weighed_item_and_cashier_limits(
    browser: Any, live_server: LiveServer, factory: Factory, api: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    """A kg item asks for its weight (priced to the cent); wholesale prices and discounts are a manager's."""
    await factory.product("Cheese", price="120.00", base_unit="kg", tax_rate="5", station="deli")
    await factory.commit()
    async with tablet(browser, live_server, api) as page:
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        assert await page.is_disabled("#price-list")
        assert await page.locator("#order-discount").is_hidden()

        await page.locator('.pos-product:has-text("Cheese")').wait_for(timeout=WAIT_MS)
        await page.fill("#search", "chee")
        await page.press("#search", "Enter")
        await page.locator("#line").wait_for(state="visible", timeout=WAIT_MS)
        assert "Weight" in await text_of(page, "#line-qty-label")
        assert await page.locator("#line-discount-row").is_hidden()
        await page.fill("#line-qty", "0.1234")
        await page.locator("#line-form button[type=submit]").click()
        await page.locator("#line-error", has_text="3 decimal places").wait_for(timeout=WAIT_MS)
        await page.fill("#line-qty", "0.355")
        await page.locator("#line-form button[type=submit]").click()
        line = page.locator("#cart .pos-line", has_text="Cheese")
        await line.wait_for(timeout=WAIT_MS)
        assert "0.355 kg" in plain(await line.inner_text())
        # 0.355 kg x 120.00 = 42.60, + 5 % tax 2.13 = 44.73.
        assert await text_of(page, "#t-subtotal") == "42.60"
        assert await text_of(page, "#t-total") == "44.73"


async def test_manager_discounts_with_reasons(
    browser: Any, live_server: LiveServer, factory: Factory, shop: dict[str, Any]
) -> None:
    """A manager takes 5.00 off a line and 5.00 off the order, each with its reason; the server agrees."""
    from app.db.models import Branch

    branch = await factory.session.get(Branch, shop["branch"])
    await factory.user("mona", roles=("manager",), branches=(branch,))
    await factory.commit()
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as manager:
        await login(manager, "mona")
        async with tablet(browser, live_server, manager) as page:
            await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
            await add_burger(page)
            await page.locator("#cart .pos-line-name").click()
            await page.fill("#line-discount", "5.00")
            await page.locator("#line-form button[type=submit]").click()
            await page.locator("#line-error", has_text="needs a reason").wait_for(timeout=WAIT_MS)
            await page.fill("#line-discount-reason", "dented box")
            await page.locator("#line-form button[type=submit]").click()
            await page.click("#order-discount")
            await page.fill("#discount-amount", "5.00")
            await page.fill("#discount-reason", "regular")
            await page.locator("#discount-form button[type=submit]").click()
            # (50.00 - 5.00 - 5.00) + 14 % tax = 45.60.
            await page.locator("#t-total", has_text="45.60").wait_for(timeout=WAIT_MS)

            await page.click("#checkout")
            await tender(page, "cash", "45.60", tendered="50.00")
            await page.click("#pay-confirm")
            await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
            order_id = await page.locator("#success").get_attribute("data-order-id")
        order = (await manager.get(f"/api/v1/orders/{order_id}")).json()
    assert order["totals"]["total"] == "45.60"
    assert order["discount"] == "5.00"
    assert order["discount_reason"] == "regular"
    assert order["lines"][0]["discount"] == "10.00"
    assert order["lines"][0]["discount_reason"] == "dented box"


async def test_an_unusual_sale_asks_the_cashier_to_confirm(
    browser: Any, live_server: LiveServer, factory: Factory, api: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    """A line over the till's quantity, or a total over its limit, is shown back before any payment."""
    from decimal import Decimal

    from app.db.models import Branch

    branch = await factory.session.get(Branch, shop["branch"])
    profile = await till_profile(factory, branch, require_shift=False)
    profile.confirm_line_qty = Decimal(10)
    profile.confirm_order_total = Decimal(500)
    await factory.commit()

    async with tablet(browser, live_server, api) as page:
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        await add_burger(page, 9)
        await page.locator("#t-total", has_text="513.00").wait_for(timeout=WAIT_MS)
        # Nine burgers: under the line's limit, over the sale's.
        await page.click("#checkout")
        confirm = page.locator("#confirm")
        await confirm.wait_for(state="visible", timeout=WAIT_MS)
        assert await text_of(page, "#confirm-list") == "Total EGP 513.00 (more than EGP 500.00)"
        await page.click("#confirm-no")
        await confirm.wait_for(state="hidden", timeout=WAIT_MS)
        assert await page.locator("#pay").is_hidden()

        await add_burger(page, 2)
        await page.locator("#t-total", has_text="627.00").wait_for(timeout=WAIT_MS)
        await page.click("#checkout")
        await confirm.wait_for(state="visible", timeout=WAIT_MS)
        doubts = await text_of(page, "#confirm-list")
        assert "Burger: 11 (more than 10)" in doubts and "Total EGP 627.00" in doubts
        await page.click("#confirm-yes")
        await page.locator("#pay").wait_for(state="visible", timeout=WAIT_MS)
    # Nothing was sold while the cashier looked again.
    assert await orders_of(api, shop["branch"]) == []

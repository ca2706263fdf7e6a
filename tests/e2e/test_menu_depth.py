"""Menu depth in headless Chromium against a real server, at the tablet's size (1280x800): the till's
modifier picker sells a burger with its modifiers and allergy flag at the server's price; the station
screen shows them under the item (the allergy in red and in words); an item 86'd from the station's 86
board leaves an open till without a reload."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.ui import plain, text_of
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.menu import burger_order, menu_shop, put_groups

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
TABLET = {"width": 1280, "height": 800}
SHOTS = "/tmp/shots/h-menu"


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await menu_shop(factory)


@pytest.fixture
async def menu(live_server: LiveServer, shop: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        return await put_groups(http, shop)


async def _signed_in(browser: Any, server: LiveServer, username: str, errors: list[str]) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, username)
        cookies = [
            {"name": name, "value": value, "url": server.url}
            for name, value in http.cookies.items()
            if name in ("passline_session", "passline_csrf")
        ]
    context = await browser.new_context(viewport=TABLET)
    await context.add_cookies(cookies)
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


@pytest.fixture
async def till(browser: Any, live_server: LiveServer, menu: dict[str, Any]) -> AsyncIterator[Any]:
    errors: list[str] = []
    page = await _signed_in(browser, live_server, "cashier", errors)
    await page.goto(f"{live_server.url}/pos")
    await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    yield page
    await page.context.close()
    assert not errors, errors


@pytest.fixture
async def station(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Any]:
    errors: list[str] = []
    page = await _signed_in(browser, live_server, "cook", errors)
    await page.goto(f"{live_server.url}/kds/grill?branch={shop['branch'].id}")
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    await page.click("#sound-overlay")
    yield page
    await page.context.close()
    assert not errors, errors


async def test_the_modifier_picker_sells_at_the_servers_price_and_the_kitchen_sees_it(
    till: Any, station: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    page = till
    await page.locator('.pos-product[data-product-id]:has-text("Burger")').click()
    dialog = page.locator("#modifiers")
    await dialog.wait_for(state="visible", timeout=WAIT_MS)
    # A required group left empty is said before anything is sent.
    await page.click("#modifiers-add")
    assert "Cook: choose one" in await text_of(page, "#modifiers-error")
    for name in ("Medium", "Bacon", "Extra cheese", "no onion"):
        await dialog.locator("button.pos-mod", has_text=name).click()
    await page.fill("#modifiers-allergy", "sesame - severe")
    box = await dialog.locator("button.pos-mod", has_text="Bacon").bounding_box()
    assert box is not None and box["height"] >= 44
    await page.screenshot(path=f"{SHOTS}/pos-modifier-picker.png")
    await page.click("#modifiers-add")
    line = page.locator(".pos-line", has_text="Burger")
    await line.locator(".pos-allergy").wait_for(timeout=WAIT_MS)
    assert "+ Bacon" in plain(await line.inner_text()) and "\u2013 no onion" in plain(await line.inner_text())
    # Inclusive branch: 50 + 12 (bacon; the cheese is the free topping).
    await page.locator("#t-total", has_text="62.00").wait_for(timeout=WAIT_MS)
    await page.screenshot(path=f"{SHOTS}/pos-cart-with-modifiers.png")
    await page.click("#checkout")
    await page.locator('#pay-methods [data-method="cash"]').click()
    await page.fill("#pay-amount", "62.00")
    await page.fill("#pay-tendered", "62.00")
    await page.click("#pay-add")
    await page.click("#pay-confirm")
    await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
    # The quote from the kitchen's live load: one burger at 7 minutes.
    await page.locator("#s-ready").wait_for(state="visible", timeout=WAIT_MS)
    assert ":" in await text_of(page, "#s-ready-time")
    await page.screenshot(path=f"{SHOTS}/pos-success-ready-time.png")

    item = station.locator("#tickets .item", has_text="Burger")
    await item.wait_for(timeout=WAIT_MS)
    text = plain(await item.inner_text())
    assert "+ Bacon" in text and "\u2013 no onion" in text
    assert "ALLERGY: SESAME - SEVERE" in text.upper()
    await station.screenshot(path=f"{SHOTS}/kds-modifiers-allergy.png")


async def test_86_from_the_station_screen_leaves_the_open_till_without_a_reload(
    till: Any, station: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    tile = till.locator('.pos-product[data-product-id]:has-text("Burger")')
    await tile.wait_for(timeout=WAIT_MS)
    await station.click("#eighty-six-open")
    button = station.locator("#eighty-six-list button.eighty-six", has_text="86 Burger")
    await button.wait_for(timeout=WAIT_MS)
    await station.screenshot(path=f"{SHOTS}/kds-86-board.png")
    started = time.monotonic()
    await button.click()
    await tile.wait_for(state="detached", timeout=WAIT_MS)
    took = time.monotonic() - started
    print(f"86 on the station -> tile gone on the till: {took * 1000:.0f} ms")
    assert took < 1.0, took
    await till.screenshot(path=f"{SHOTS}/pos-after-86.png")
    await station.locator("#eighty-six-list button.eighty-six", has_text="Burger is back").wait_for(
        timeout=WAIT_MS
    )
    # And back: the tile returns, again without a reload.
    await station.locator("#eighty-six-list button.eighty-six", has_text="Burger is back").click()
    await tile.wait_for(timeout=WAIT_MS)


async def test_busy_mode_from_the_board_reaches_the_open_till(
    till: Any, browser: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    errors: list[str] = []
    board = await _signed_in(browser, live_server, "boss", errors)
    try:
        await board.goto(f"{live_server.url}/kanban")
        await board.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
        await board.click("#busy-toggle")
        await board.fill("#busy-reason", "rush at the counter")
        pause = board.locator(f'#busy-panel button[data-branch="{shop["branch"].id}"][data-channel="pickup"]')
        await pause.wait_for(timeout=WAIT_MS)
        await board.screenshot(path=f"{SHOTS}/kanban-busy-mode.png")
        started = time.monotonic()
        await pause.click()
        await till.locator("#pos-paused").wait_for(state="visible", timeout=WAIT_MS)
        took = time.monotonic() - started
        print(f"pause on the board -> banner on the till: {took * 1000:.0f} ms")
        assert took < 1.0, took
        assert await till.locator('#channel option[value="pickup"]').is_disabled()
        assert "Pickup" in await till.inner_text("#pos-paused")
        await till.screenshot(path=f"{SHOTS}/pos-busy-banner.png")
        await board.locator('#busy-panel button[data-channel="pickup"][aria-pressed="true"]').first.wait_for(
            timeout=WAIT_MS
        )
        await board.locator('#busy-panel button[data-channel="pickup"][aria-pressed="true"]').first.click()
        await till.locator("#pos-paused").wait_for(state="hidden", timeout=WAIT_MS)
        assert not await till.locator('#channel option[value="pickup"]').is_disabled()
    finally:
        await board.context.close()
    assert not errors, errors


async def test_the_queue_tv_shows_each_preparing_tokens_quoted_ready_time(
    browser: Any, live_server: LiveServer, shop: dict[str, Any], menu: dict[str, Any]
) -> None:
    branch = shop["branch"].id
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "cashier")
        before = await http.post("/api/v1/orders", json=burger_order(shop, [menu["option"]["medium"]]))
        assert before.status_code == 201, before.text
        errors: list[str] = []
        tv = await _signed_in(browser, live_server, "boss", errors)
        await tv.set_viewport_size({"width": 1920, "height": 1080})
        try:
            await tv.goto(f"{live_server.url}/queue/{branch}")
            await tv.wait_for_selector('#queue-status[data-status="live"]', timeout=WAIT_MS)
            # From the snapshot: an order made before the TV loaded.
            first = tv.locator(f'#preparing [data-token="{before.json()["token"]}"] .token-eta')
            await first.wait_for(timeout=WAIT_MS)
            assert (plain(await first.inner_text())).startswith("~")
            # Live: a new order's quote comes with its token.
            after = await http.post("/api/v1/orders", json=burger_order(shop, [menu["option"]["well"]]))
            live = tv.locator(f'#preparing [data-token="{after.json()["token"]}"] .token-eta')
            await live.wait_for(timeout=WAIT_MS)
            await tv.screenshot(path=f"{SHOTS}/queue-tv-quotes.png")
        finally:
            await tv.context.close()
        assert not errors, errors


async def test_an_offline_sale_with_modifiers_reloads_from_the_saved_catalog_and_replays(
    till: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    page = till
    await page.locator("#pos[data-offline-ready]").wait_for(timeout=WAIT_MS)
    await page.context.set_offline(True)
    # Reloaded with no network: the service worker's saved catalog still carries the modifier groups.
    await page.reload()
    await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
    await page.locator('.pos-product[data-product-id]:has-text("Burger")').click()
    dialog = page.locator("#modifiers")
    await dialog.wait_for(state="visible", timeout=WAIT_MS)
    for name in ("Well done", "Egg", "Bacon"):
        await dialog.locator("button.pos-mod", has_text=name).click()
    await page.fill("#modifiers-allergy", "nuts")
    await page.click("#modifiers-add")
    # Egg (5.00) is the free topping, bacon is charged: 62.00, priced offline exactly as the server will.
    await page.locator("#t-total", has_text="62.00").wait_for(timeout=WAIT_MS)
    await page.click("#checkout")
    await page.locator('#pay-methods [data-method="cash"]').click()
    await page.fill("#pay-amount", "62.00")
    await page.fill("#pay-tendered", "62.00")
    await page.click("#pay-add")
    await page.click("#pay-confirm")
    await page.locator("#s-offline").wait_for(state="visible", timeout=WAIT_MS)
    order_id = await page.get_attribute("#success", "data-order-id")

    await page.context.set_offline(False)
    await page.locator("#queue-badge").wait_for(state="hidden", timeout=WAIT_MS)
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "cashier")
        order = (await http.get(f"/api/v1/orders/{order_id}")).json()
    burger = order["lines"][0]
    assert [m["name"] for m in burger["modifiers"]] == ["Well done", "Bacon", "Egg"]
    assert burger["allergy"] == "nuts" and order["totals"]["total"] == "62.00"
    assert order["payment_status"] == "paid"

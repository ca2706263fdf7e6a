"""The menu-depth admin page (/admin/modifiers) in headless Chromium at tablet size, in English and in
Arabic (RTL): a manager makes a modifier group (a bad price is refused naming its field), gives a product
its groups, allergens and prep time, 86's an item and brings it back, and sets a station's pacing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.ui import TABLET, assert_no_axe_violations, assert_nothing_overflows, shoot
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.menu import menu_shop, put_groups

pytestmark = pytest.mark.browser

WAIT_MS = 15_000


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await menu_shop(factory)


async def manager_page(browser: Any, server: LiveServer, errors: list[str]) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, "boss")
        cookies = [
            {"name": n, "value": v, "url": server.url}
            for n, v in http.cookies.items()
            if n in ("passline_session", "passline_csrf")
        ]
    context = await browser.new_context(viewport=TABLET)
    await context.add_cookies(cookies)
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


async def test_a_manager_edits_groups_products_86_and_pacing_from_the_page(
    browser: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    errors: list[str] = []
    page = await manager_page(browser, live_server, errors)
    try:
        await page.goto(f"{live_server.url}/admin/modifiers?branch={shop['branch'].id}")
        await page.locator("#groups .empty").wait_for(timeout=WAIT_MS)

        # A new group, first with a price the currency cannot pay (three decimals).
        await page.click("#group-new")
        form = page.locator(".menu-group-form")
        await form.locator('[name="group_code"]').fill("sauces")
        await form.locator('[name="group_name"]').fill("Sauces")
        await form.locator('[name="max_choices"]').fill("2")
        await form.locator('[name="free_choices"]').fill("1")
        await form.get_by_role("button", name="Add option").click()
        await form.get_by_role("button", name="Add option").click()
        rows = form.locator(".menu-option-row")
        await rows.nth(0).locator('[name="code"]').fill("bbq")
        await rows.nth(0).locator('[name="name"]').fill("BBQ sauce")
        await rows.nth(0).locator('[name="price_delta"]').fill("3.005")
        await rows.nth(1).locator('[name="code"]').fill("garlic")
        await rows.nth(1).locator('[name="name"]').fill("Garlic sauce")
        await rows.nth(1).locator('[name="price_delta"]').fill("4.50")
        await form.get_by_role("button", name="Save group").click()
        await page.locator(".toast", has_text="options[0].price_delta").wait_for(timeout=WAIT_MS)
        assert "at most 2 decimal places" in await page.locator(".toast").last.inner_text()
        await rows.nth(0).locator('[name="price_delta"]').fill("3.00")
        await form.get_by_role("button", name="Save group").click()
        card = page.locator('#groups [data-group="sauces"]')
        await card.wait_for(timeout=WAIT_MS)
        assert "Garlic sauce" in await card.inner_text()
        await shoot(page, "h-menu/admin-groups-tablet")

        # The fries get the group, two allergens and a prep time.
        await page.click("#tab-products")
        fries = page.locator(f'#products [data-product-id="{shop["fries"].id}"]')
        await fries.locator("label.menu-chip", has_text="Sauces").click()
        await fries.locator("label.menu-chip", has_text="Milk").click()
        await fries.locator("label.menu-chip", has_text="Mustard").click()
        await fries.locator("input.menu-prep").fill("200")
        await fries.get_by_role("button", name="Save").click()
        await page.locator(".toast", has_text="Fries saved.").wait_for(timeout=WAIT_MS)
        async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
            await login(http, "boss")
            doc = (await http.get("/api/v1/menu", params={"branch_id": shop["branch"].id})).json()
        saved = next(p for p in doc["products"] if p["product_id"] == shop["fries"].id)
        assert saved["allergens"] == ["milk", "mustard"] and saved["prep_seconds"] == {"fryer": 200}
        assert len(saved["group_ids"]) == 1
        await shoot(page, "h-menu/admin-products-tablet")

        # 86 the burger and bring it back.
        await page.click("#tab-86")
        await page.select_option("#eighty-six-target", label="Burger")
        await page.fill("#eighty-six-reason", "no buns")
        await page.get_by_role("button", name="86 it").click()
        row = page.locator('#eighty-six-list tr[data-target^="p:"]', has_text="Burger")
        await row.wait_for(timeout=WAIT_MS)
        assert "no buns" in await row.inner_text() and "manager" in await row.inner_text()
        await shoot(page, "h-menu/admin-86-tablet")
        await row.get_by_role("button", name="Back on").click()
        await page.locator("#eighty-six-empty").wait_for(state="visible", timeout=WAIT_MS)

        # Pacing of the grill.
        await page.click("#tab-pacing")
        grill = page.locator('#pacing [data-station="grill"]')
        await grill.locator("input").nth(0).fill("12")
        await grill.locator("input").nth(1).fill("2")
        await grill.get_by_role("button", name="Save").click()
        await page.locator(".toast", has_text="saved.").last.wait_for(timeout=WAIT_MS)
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
    finally:
        await page.context.close()
    assert not errors, errors


async def test_the_page_in_arabic_reads_right_to_left(
    browser: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await put_groups(http, shop)
    errors: list[str] = []
    page = await manager_page(browser, live_server, errors)
    try:
        await page.goto(f"{live_server.url}/admin/modifiers?branch={shop['branch'].id}&lang=ar")
        await page.locator('#groups [data-group="toppings"]').wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == "rtl"
        assert "مجموعات الإضافات" in await page.inner_text("#tab-groups")
        await page.click("#tab-products")
        burger = page.locator(f'#products [data-product-id="{shop["burger"].id}"]')
        assert "بذور السمسم" in await burger.inner_text()
        await assert_nothing_overflows(page)
        await assert_no_axe_violations(page)
        await shoot(page, "h-menu/admin-products-ar-tablet")
    finally:
        await page.context.close()
    assert not errors, errors

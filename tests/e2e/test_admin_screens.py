"""The other back-office screens in Chromium at the tablet's size: customers (a local number typed the local
way is the same customer as the international one), people (a cashier added and given a PIN), branches
(settings saved), the audit log (the change just made, with before and after); each one axe-clean."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.ui import assert_no_axe_violations, assert_nothing_overflows
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}
SHOTS = Path("/tmp/shots/h-backoffice")
SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="AD", name="Admin Test", country="EG")
    await factory.station(branch, "drinks")
    await factory.product("Mint Tea", price="10.00", station="drinks")
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.user("carla", roles=("cashier",), branches=(branch,))
    await factory.customer("Nour Hassan", phone="+201005550001")
    await factory.commit()
    return {"branch": branch.id}


@asynccontextmanager
async def screen(browser: Any, server: LiveServer, path: str) -> AsyncIterator[Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, "boss")
        context = await browser.new_context(**TABLET)
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
            await page.goto(f"{server.url}{path}")
            await page.locator("body[data-ready]").wait_for(timeout=WAIT_MS)
            yield page
        finally:
            await context.close()
        assert not errors, errors


async def test_customers_screen_reads_a_local_number_as_the_same_customer(
    browser: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    async with screen(browser, live_server, "/admin/customers") as page:
        await page.click("#new-customer")
        await page.fill('#editor [name="name"]', "Nour again")
        await page.fill('#editor [data-field="phones[0]"]', "0100 555 0001")
        await page.click("#save-customer")
        await page.locator('.toast-error:has-text("already belongs to customer")').wait_for(timeout=WAIT_MS)
        assert await page.get_attribute('[data-field="phones[0]"]', "aria-invalid") == "true"
        await page.fill('#editor [data-field="phones[0]"]', "0100 555 0002")
        await page.click("#save-customer")
        await page.locator(".toast-ok").wait_for(timeout=WAIT_MS)
        await page.locator('#customer-rows tr:has-text("+201005550002")').wait_for(timeout=WAIT_MS)
        await page.screenshot(path=str(SHOTS / "admin-customers.png"))
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)


async def test_people_screen_adds_a_cashier_with_a_pin(
    browser: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    async with screen(browser, live_server, "/admin/people") as page:
        # A manager is never offered the admin role.
        await page.click("#new-person")
        assert await page.locator('#editor [name="roles"][value="admin"]').count() == 0
        await page.fill('#editor [name="full_name"]', "Nadia Nabil")
        await page.fill('#editor [name="username"]', "nadia")
        await page.fill('#editor [name="password"]', "a-long-password-1")
        await page.click("#save-person")
        await page.locator('#people-rows tr[data-username="nadia"]').wait_for(timeout=WAIT_MS)
        await page.get_by_role("button", name="Set till PIN").click()
        await page.locator("dialog input").fill("4821")
        await page.locator("dialog button[type=submit]").click()
        await page.locator('.toast-ok:has-text("PIN set")').wait_for(timeout=WAIT_MS)
        await page.screenshot(path=str(SHOTS / "admin-people.png"))
        await assert_no_axe_violations(page)


async def test_branch_settings_are_saved_and_the_audit_log_shows_before_and_after(
    browser: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    async with screen(browser, live_server, "/admin/branches") as page:
        await page.fill('#settings [name="cash_rounding"]', "0.25")
        await page.fill('#settings [name="receipt_footer"]', "Thank you for coming!")
        await page.locator('#settings [name="overtime_after_minutes"]').select_option("540")
        await page.click("#save-settings")
        await page.locator(".toast-ok").wait_for(timeout=WAIT_MS)
        await page.locator('[data-field="language"]').select_option("ar")
        await page.click("#save-locale")
        await page.locator('.toast-ok:has-text("follow it")').wait_for(timeout=WAIT_MS)
        await page.screenshot(path=str(SHOTS / "admin-branches.png"))
        await assert_no_axe_violations(page)
        await page.fill('#settings [name="timezone"]', "Mars/Olympus")
        await page.click("#save-settings")
        await page.locator('.toast-error:has-text("not a time zone")').wait_for(timeout=WAIT_MS)

    async with screen(browser, live_server, "/admin/audit") as page:
        await page.locator('#entry-rows tr:has-text("branch.update")').first.click()
        changed = page.locator("#diff tr.as-changed")
        await changed.first.wait_for(timeout=WAIT_MS)
        text = await page.inner_text("#diff")
        assert "receipt_footer" in text and "Thank you for coming!" in text
        assert "overtime_after_minutes" in text and "540" in text
        await page.screenshot(path=str(SHOTS / "admin-audit.png"))
        await assert_no_axe_violations(page)


async def test_the_menu_editor_in_arabic_is_right_to_left(
    browser: Any, live_server: LiveServer, shop: dict[str, Any], factory: Factory
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "boss")
        saved = await http.put("/api/v1/me/language", json={"language": "ar"})
        assert saved.status_code == 200, saved.text
    async with screen(browser, live_server, "/admin/menu") as page:
        assert await page.get_attribute("html", "dir") == "rtl"
        assert "المنتجات" in await page.inner_text("#products-title")
        await page.click("#new-product")
        await page.locator("#prices").wait_for(timeout=WAIT_MS)
        assert "الأسعار" in await page.inner_text("#editor")
        await page.fill('#editor [name="name"]', "ليمون")
        await page.fill('#editor [name="sku"]', "LEM-9")
        await page.locator('#prices [data-price="0"] input').fill("-1")
        await page.click("#save-product")
        # The server's refusal comes back in Arabic too, naming the field.
        await page.locator('.toast-error:has-text("يجب ألا يكون سالبًا")').wait_for(timeout=WAIT_MS)
        assert await page.get_attribute('[data-field="prices[0].price"]', "aria-invalid") == "true"
        await page.screenshot(path=str(SHOTS / "admin-menu-arabic.png"))
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)

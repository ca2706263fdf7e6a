"""The back-office and kitchen screens in Arabic at their device sizes (tablet 1280x800): paths inside
sentences ("/queue/1", "/courier") keep reading left to right, built-in queue services read in Arabic on
/admin/branches as on the kiosk; 0 serious axe findings, nothing spills out, 44 px targets."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.ui import (
    SHOTS,
    assert_no_axe_violations,
    assert_nothing_overflows,
    assert_touch_targets,
    shoot,
)
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}
LRI, PDI = "\u2066", "\u2069"


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="AW", name="Arabic Walk", language="ar")
    await factory.station(branch, "grill")
    kofta = await factory.product("Kofta", price="90.00", station="grill")
    await factory.user("root", roles=("admin",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "kofta": kofta.id}


async def signed_in(browser: Any, server: LiveServer) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, "root")
        context = await browser.new_context(**TABLET)
        await context.add_cookies(
            [
                {"name": name, "value": value, "url": server.url}
                for name, value in http.cookies.items()
                if name in ("passline_session", "passline_csrf")
            ]
        )
    return context


async def check(page: Any, name: str) -> None:
    assert await page.get_attribute("html", "dir") == "rtl"
    await assert_no_axe_violations(page)
    await assert_nothing_overflows(page)
    await assert_touch_targets(page)
    await shoot(page, f"i18n-tail/{name}")


async def test_devices_branches_and_kds_read_right_in_arabic(
    browser: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    context = await signed_in(browser, live_server)
    errors: list[str] = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))

        await page.goto(f"{live_server.url}/admin/devices?lang=ar")
        await page.locator("#approve-form").wait_for(timeout=WAIT_MS)
        intro = await page.locator("section.card p").first.inner_text()
        assert f"{LRI}/queue/{shop['branch']}{PDI}" in intro
        await check(page, "admin-devices-ar")

        await page.goto(f"{live_server.url}/admin/branches?lang=ar")
        await page.locator("body[data-ready]").wait_for(timeout=WAIT_MS)
        general = page.locator('#queue-services [data-service="general"] input[data-field="name"]')
        await general.wait_for(timeout=WAIT_MS)
        assert await general.input_value() == "استفسارات عامة"
        courier = page.locator("label", has_text="حساب الدخول على").first
        await courier.wait_for(timeout=WAIT_MS)
        assert f"{LRI}/courier{PDI}" in await courier.inner_text()
        # The branch list's four columns stay inside their narrow card.
        inside = await page.evaluate(
            """() => {
              const card = document.querySelector(".as-list").getBoundingClientRect();
              const table = document.querySelector(".as-list table").getBoundingClientRect();
              return table.left >= card.left - 0.5 && table.right <= card.right + 0.5;
            }"""
        )
        assert inside
        await check(page, "admin-branches-ar")
        # The editor scrolls inside its card: its queue and delivery sections, each on a picture.
        for section in ("#queue-setup", "#couriers-empty"):
            await page.locator(section).scroll_into_view_if_needed()
            await page.screenshot(path=str(SHOTS / "i18n-tail" / f"admin-branches-ar-{section[1:]}.png"))

        async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
            await login(http, "root")
            order = {
                "id": str(uuid.uuid4()),
                "branch_id": shop["branch"],
                "channel": "dine_in",
                "note": "بدون بصل",
                "lines": [{"product_id": shop["kofta"], "qty": "2"}],
            }
            made = await http.post("/api/v1/orders", json=order)
            assert made.status_code == 201, made.text
        await page.goto(f"{live_server.url}/kds/grill?branch={shop['branch']}&lang=ar")
        await page.locator("#conn[data-status='live']").wait_for(timeout=WAIT_MS)
        await page.locator("text=Kofta").first.wait_for(timeout=WAIT_MS)
        await check(page, "kds-grill-ar")
    finally:
        await context.close()
    assert not errors, errors

"""A new shop's branch set up from nothing on /admin/branches in Chromium at the tablet's size: an admin opens
the branch, adds a till, a walk-in service and a counter, a territory and a courier; the kiosk already open
at the door offers the new service without a reload; a duplicate counter and a till with an open shift are
refused on the field they name. English and Arabic (RTL), axe-clean, nothing spilling out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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
(SHOTS / "h-branches-admin").mkdir(parents=True, exist_ok=True)


@pytest.fixture
async def shop(factory: Factory) -> None:
    await factory.user("root", roles=("admin",))
    await factory.commit()


@asynccontextmanager
async def signed_in(browser: Any, server: LiveServer) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
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
        try:
            yield context, http
        finally:
            await context.close()


async def open_page(context: Any, url: str, errors: list[str]) -> Any:
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    await page.locator("body[data-ready]").wait_for(timeout=WAIT_MS)
    return page


async def open_counter(context: Any, url: str, errors: list[str]) -> Any:
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    await page.locator('#counter[data-ready="true"]').wait_for(timeout=WAIT_MS)
    await page.locator("#desk[open]").wait_for(timeout=WAIT_MS)
    return page


async def shoot_whole(page: Any, name: str) -> None:
    """The editor scrolls inside its card on the tablet; for the record, the whole of it on one picture."""
    await page.add_style_tag(
        content=".as-editor { max-block-size: none; overflow: visible; position: static; }"
    )
    await shoot(page, f"h-branches-admin/{name}")


async def add(page: Any, section: str, fields: dict[str, str], button: str, toast: str) -> None:
    line = page.locator(f"{section} .as-line:has({button})")
    for name, value in fields.items():
        await line.locator(f'[data-field="{name}"]').fill(value)
    await page.click(button)
    await page.locator(f'.toast-ok:has-text("{toast}")').last.wait_for(timeout=WAIT_MS)


async def test_a_branch_is_set_up_from_nothing_and_the_kiosk_follows_live(
    browser: Any, live_server: LiveServer, shop: None
) -> None:
    errors: list[str] = []
    async with signed_in(browser, live_server) as (context, http):
        page = await open_page(context, f"{live_server.url}/admin/branches", errors)
        # No branch yet: the list says so and the admin is offered a new one.
        await page.locator("#branches-empty").wait_for(timeout=WAIT_MS)
        await page.click("#new-branch-button")
        await page.fill('#new-branch [name="code"]', "nb")
        await page.fill('#new-branch [name="name"]', "Nile Bistro")
        await page.click("#create-branch")
        await page.locator('.toast-ok:has-text("NB")').wait_for(timeout=WAIT_MS)
        await page.locator("#tills-empty").wait_for(timeout=WAIT_MS)
        await page.locator("#counters-empty").wait_for(timeout=WAIT_MS)
        await shoot(page, "h-branches-admin/branches-new-en")
        branch_id = (await http.get("/api/v1/admin/branches")).json()[0]["id"]

        await add(page, "#tills", {"code": "front", "name": "Front till"}, "#add-till", "Till added")
        await page.locator('[data-till] legend:has-text("Front till")').wait_for(timeout=WAIT_MS)

        # The kiosk at the door, open (as staff: live) before the service exists.
        kiosk = await context.new_page()
        kiosk.on("pageerror", lambda error: errors.append(str(error)))
        await kiosk.goto(f"{live_server.url}/queue/{branch_id}/kiosk")
        await kiosk.locator('#kiosk[data-live="live"]').wait_for(timeout=WAIT_MS)
        assert await kiosk.locator('button[data-service="parcels"]').count() == 0
        # A clerk's counter tablet, open on its "which counter is this" question.
        counter = await open_counter(context, f"{live_server.url}/queue/{branch_id}/counter", errors)
        assert await counter.locator('#desk-service-list input[value="parcels"]').count() == 0

        await add(
            page,
            "#queue-services",
            {"code": "parcels", "name": "Parcel pick-up", "average_seconds": "2"},
            "#add-service",
            "The kiosk offers it now",
        )
        await kiosk.locator('button[data-service="parcels"]:has-text("Parcel pick-up")').wait_for(
            timeout=WAIT_MS
        )
        # The built-in three kept their place, the new one last.
        assert await kiosk.locator("button[data-service]").count() == 4
        await counter.locator('#desk-service-list input[value="parcels"]').wait_for(timeout=WAIT_MS)

        await add(page, "#queue-counters", {"name": "1"}, "#add-counter", "Counter added")
        await page.locator('#queue-counters [data-counter] [data-field="name"]').first.wait_for(
            timeout=WAIT_MS
        )
        # The counter tablet now offers the branch's counters, and refuses a name that is not one.
        await counter.locator('#counter-names option[value="1"]').wait_for(state="attached", timeout=WAIT_MS)
        await counter.fill("#desk-input", "9")
        await counter.click("#desk-save")
        refusal = counter.locator("#desk-error")
        await refusal.wait_for(timeout=WAIT_MS)
        assert await refusal.inner_text() == "Pick one of the branch's counters: 1"
        await shoot(counter, "h-branches-admin/counter-desk-en")
        # A second counter "1": refused on the field it names.
        await page.locator('#queue-counters .as-line:has(#add-counter) [data-field="name"]').fill("1")
        await page.click("#add-counter")
        await page.locator('.toast-error:has-text("has a counter 1")').wait_for(timeout=WAIT_MS)
        adder = page.locator('#queue-counters .as-line:has(#add-counter) [data-field="name"]')
        assert await adder.get_attribute("aria-invalid") == "true"

        await add(
            page,
            "#territories",
            {"code": "DQ", "name": "Dokki", "delivery_charge": "15", "courier_fee": "10"},
            "#add-territory",
            "Territory added",
        )
        await add(
            page,
            "#couriers",
            {"name": "Rami Adel", "phone": "0100 555 0101"},
            "#add-courier",
            "Courier added",
        )

        # A till with an open shift stays on, and the manager is told why.
        till_id = int(await page.locator("[data-till]").first.get_attribute("data-till") or 0)
        opened = await http.post(
            "/api/v1/shifts", json={"id": str(uuid.uuid4()), "pos_profile_id": till_id, "opening_cash": "0"}
        )
        assert opened.status_code in (200, 201), opened.text
        till = page.locator(f'[data-till="{till_id}"]')
        await till.locator('label:has-text("In use") input').uncheck()
        await till.locator('button:has-text("Save till")').click()
        await page.locator('.toast-error:has-text("close the shift first")').wait_for(timeout=WAIT_MS)
        assert await till.locator('label:has-text("In use") input').is_checked()

        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await assert_touch_targets(page)
        await shoot_whole(page, "branches-set-up-en")
        await shoot(kiosk, "h-branches-admin/kiosk-new-service-en")

        arabic = await open_page(context, f"{live_server.url}/admin/branches?lang=ar", errors)
        assert await arabic.get_attribute("html", "dir") == "rtl"
        await arabic.locator('#queue-services [data-service="parcels"]').wait_for(timeout=WAIT_MS)
        await arabic.locator("#tills-title:has-text('نقاط البيع')").wait_for(timeout=WAIT_MS)
        await assert_no_axe_violations(arabic)
        await assert_nothing_overflows(arabic)
        await assert_touch_targets(arabic)
        await shoot_whole(arabic, "branches-set-up-ar")
    assert not errors, errors

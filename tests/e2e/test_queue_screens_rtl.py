"""The queue TV (1920x1080, dark, read from 3 m) and the walk-in kiosk in Arabic, right to left, and in
English: 0 serious/critical axe findings, nothing overflowing, the spoken call in the branch's
announcement language whatever the screen's language."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.test_queue_tv import WAIT_MS, browser_login, make_ready, new_order, wait_live
from tests.e2e.ui import (
    DEVICES,
    assert_no_axe_violations,
    assert_nothing_overflows,
    assert_touch_targets,
    shoot,
)
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(params=["ar", "en"])
async def shop(request: pytest.FixtureRequest, factory: Factory) -> dict[str, Any]:
    lang = request.param
    # An English screen still calls in Arabic when the branch says so: speech and text are separate.
    branch = await factory.branch(code="TV", name="فرع الزمالك", announce_language="ar-EG", language=lang)
    burger = await factory.product("Burger", price="50.00", station="grill")
    await factory.station(branch, "grill")
    customer = await factory.customer("Sam Secret", phone="+201005550101")
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {
        "branch": branch.id,
        "burger": burger.id,
        "shake": burger.id,
        "customer": customer.id,
        "lang": lang,
    }


async def test_the_tv_reads_in_the_branch_language_and_calls_in_its_announcement_language(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    lang = shop["lang"]
    context = await browser.new_context(viewport=DEVICES["tv"])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    async with httpx.AsyncClient(base_url=live_server.url) as manager:
        await login(manager, "mia")
        orders = [await new_order(manager, shop) for _ in range(3)]
        await browser_login(page, live_server, "mia", f"/queue/{shop['branch']}")
        await wait_live(page)
        await make_ready(manager, orders[0])
        await page.wait_for_selector(f'#ready [data-token="{orders[0]["token"]}"]', timeout=WAIT_MS)
        await page.wait_for_function(
            "expected => document.body.dataset.lastAnnouncement === expected",
            arg=f"الطلب رقم {orders[0]['token']} جاهز",
            timeout=WAIT_MS,
        )
        taken = await manager.post(f"/api/v1/queue/{shop['branch']}/tickets", json={"service": "general"})
        assert taken.status_code == 201, taken.text
    assert await page.get_attribute("html", "lang") == lang
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert await page.get_attribute("html", "data-theme") == "dark"
    ready = await page.locator("#ready-column h1").inner_text()
    assert ready == {"ar": "جاهز", "en": "Ready"}[lang]
    waiting = page.locator("#waiting")
    await waiting.wait_for(timeout=WAIT_MS)
    assert await waiting.inner_text() == {"ar": "شخص واحد في الانتظار", "en": "1 waiting"}[lang]
    # Readable from 3 m: a ready token is at least 120 px tall on a 1080p screen.
    box = await page.locator("#ready .token").first.bounding_box()
    assert box["height"] >= 120
    if lang == "ar":
        # Preparing is the first column: on the right in Arabic.
        prep = await page.locator("#preparing-column").bounding_box()
        assert prep["x"] > 960
    await assert_no_axe_violations(page)
    await assert_nothing_overflows(page)
    await shoot(page, f"ui-core/queue-tv-{lang}")
    await context.close()
    assert errors == []


async def test_the_kiosk_in_both_directions(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    lang = shop["lang"]
    context = await browser.new_context(viewport=DEVICES["tablet"], has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live_server.url}/queue/{shop['branch']}/kiosk")
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    await assert_no_axe_violations(page)
    await assert_nothing_overflows(page)
    await assert_touch_targets(page)
    await shoot(page, f"ui-core/kiosk-{lang}-tablet")
    await page.click('button[data-service="returns"]')
    await page.wait_for_selector("#kiosk-ticket:not([hidden])", timeout=WAIT_MS)
    assert await page.inner_text("#ticket-wait") == {"ar": "دورك التالي", "en": "You are next"}[lang]
    assert (
        await page.inner_text("#ticket-service")
        == {"ar": "المرتجعات والاسترداد", "en": "Returns and refunds"}[lang]
    )
    await assert_no_axe_violations(page)
    await assert_touch_targets(page)
    await shoot(page, f"ui-core/kiosk-{lang}-tablet-ticket")
    await context.close()

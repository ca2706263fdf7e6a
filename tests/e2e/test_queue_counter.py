"""The walk-in counter screen (/queue/{branch}/counter) in headless Chromium: a clerk names the counter,
calls the numbers the kiosk hands out, sends one to another counter, marks a no-show, calls them back,
and everything they do shows live on the TV and on a paired kiosk."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.ui import assert_no_axe_violations, assert_nothing_overflows, assert_touch_targets, shoot
from tests.support.auth import sign_in_browser
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 10_000
TABLET = {"width": 1280, "height": 800}


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="CT", name="Counter Branch", announce_language="en-GB")
    await factory.user("cleo", roles=("cashier",), branches=(branch,))
    await factory.user("kit", roles=("kitchen",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id}


async def sign_in(page: Any, server: LiveServer, username: str, path: str) -> None:
    # Signed in through the API, not the login page (test_login_page.py has its form and `next`): one page
    # load less for every screen here.
    await sign_in_browser(page.context, server.url, username)
    await page.goto(f"{server.url}{path}")


async def take_number(kiosk: Any, service: str) -> str:
    await kiosk.click(f'button[data-service="{service}"]')
    await kiosk.wait_for_selector("#kiosk-ticket:not([hidden])", timeout=WAIT_MS)
    number: str = await kiosk.inner_text("#ticket-number")
    # The slip's time is the shop's (Cairo), not the kiosk tablet's (New York).
    now = dt.datetime.now(ZoneInfo("Africa/Cairo"))
    # In the page's locale (Intl, 24-hour), isolated for bidi.
    shop_clock = {f"{now - dt.timedelta(minutes=m):%H:%M}" for m in (0, 1)}
    assert (await kiosk.inner_text("#ticket-time")).strip("\u2068\u2069") in shop_clock
    await kiosk.click("#ticket-done")
    return number


async def test_a_clerk_calls_serves_transfers_and_recalls_live_on_the_tv_and_kiosk(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    branch = shop["branch"]
    context = await browser.new_context(viewport=TABLET, timezone_id="America/New_York")
    errors: list[str] = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # The home page leads a cashier to it.
        await sign_in(page, live_server, "cleo", "/")
        await page.click("text=Walk-in counter")
        await page.wait_for_url(f"{live_server.url}/queue/{branch}/counter", timeout=WAIT_MS)
        await page.wait_for_selector('#counter[data-ready="true"]', timeout=WAIT_MS)
        await page.wait_for_selector('#conn[data-status="live"]', timeout=WAIT_MS)
        # First: which counter this is, and what it takes.
        await page.wait_for_selector("#desk[open]", timeout=WAIT_MS)
        await page.fill("#desk-input", "3")
        await page.uncheck('#desk-service-list input[value="collection"]')
        await page.click("#desk-save")
        assert await page.inner_text("#desk-name") == "3"

        tv = await context.new_page()
        await tv.goto(f"{live_server.url}/queue/{branch}")
        await tv.wait_for_selector('#queue-status[data-status="live"]', timeout=WAIT_MS)
        kiosk = await context.new_page()
        await kiosk.goto(f"{live_server.url}/queue/{branch}/kiosk")
        await kiosk.wait_for_function(
            "document.getElementById('kiosk').dataset.live === 'live'", timeout=WAIT_MS
        )

        # Nobody waits yet: the server's 409 is said in words.
        await page.click("#call-next")
        await page.wait_for_selector('#message:not([hidden]):has-text("Nobody is waiting")', timeout=WAIT_MS)

        first = await take_number(kiosk, "returns")
        collection = await take_number(kiosk, "collection")
        second = await take_number(kiosk, "general")
        # Live on the counter: its own services listed, the other one counted.
        await page.wait_for_selector(f'#waiting [data-number="{second}"]', timeout=WAIT_MS)
        assert await page.locator(f'#waiting [data-number="{first}"]').count() == 1
        assert await page.locator(f'#waiting [data-number="{collection}"]').count() == 0
        assert "1 more waits" in await page.inner_text("#waiting-others")
        await kiosk.wait_for_selector("#kiosk-waiting:text('3 waiting')", timeout=WAIT_MS)

        await page.click("#call-next")
        await page.wait_for_selector(
            f'#now[data-state="called"] #now-number:text("{first}")', timeout=WAIT_MS
        )
        await tv.wait_for_selector(f'#serving [data-number="{first}"]:has-text("Counter 3")', timeout=WAIT_MS)
        await tv.wait_for_function(
            "n => document.body.dataset.lastAnnouncement === `Number ${n}, please go to counter 3`",
            arg=first,
            timeout=WAIT_MS,
        )
        await kiosk.wait_for_selector(f'#kiosk-serving [data-number="{first}"]', timeout=WAIT_MS)
        # Only one customer at a counter at a time.
        assert await page.is_disabled("#call-next")

        await page.click("#act-serve")
        await page.wait_for_selector('#now[data-state="serving"]', timeout=WAIT_MS)
        # Sent to counter 5 mid-service: called there, announced again, and off this counter.
        await page.click("#act-transfer")
        await page.fill("#transfer-input", "5")
        await page.click("#transfer-send")
        await page.wait_for_selector('#now[data-state="none"]', timeout=WAIT_MS)
        await page.wait_for_selector(
            f'#elsewhere [data-number="{first}"]:has-text("counter 5")', timeout=WAIT_MS
        )
        await tv.wait_for_selector(f'#serving [data-number="{first}"]:has-text("Counter 5")', timeout=WAIT_MS)
        await tv.wait_for_function(
            "n => document.body.dataset.lastAnnouncement === `Number ${n}, please go to counter 5`",
            arg=first,
            timeout=WAIT_MS,
        )

        # The next one does not come: a no-show, then they turn up and are called back here.
        await page.click("#call-next")
        await page.wait_for_selector(f'#now #now-number:text("{second}")', timeout=WAIT_MS)
        await page.click("#act-no-show")
        await page.wait_for_selector(f'#missed [data-number="{second}"]', timeout=WAIT_MS)
        await tv.wait_for_selector(f'#serving [data-number="{second}"]', state="detached", timeout=WAIT_MS)
        await page.click(f'#missed [data-number="{second}"] [data-recall]')
        await page.wait_for_selector(
            f'#now[data-state="called"] #now-number:text("{second}")', timeout=WAIT_MS
        )
        await tv.wait_for_selector(
            f'#serving [data-number="{second}"]:has-text("Counter 3")', timeout=WAIT_MS
        )
        await page.click("#act-done")
        await page.wait_for_selector('#now[data-state="none"]', timeout=WAIT_MS)
        await tv.wait_for_selector(f'#serving [data-number="{second}"]', state="detached", timeout=WAIT_MS)
        await kiosk.wait_for_selector(
            f'#kiosk-serving [data-number="{second}"]', state="detached", timeout=WAIT_MS
        )

        # Nobody left for this counter's services: the message names them. (The message line still shows
        # the last call's words until the answer comes: wait for the new words, not for the line.)
        await page.click("#call-next")
        await page.wait_for_selector(
            '#message:has-text("Nobody is waiting for General enquiries or Returns and refunds")',
            timeout=WAIT_MS,
        )
        # The counter is remembered on this tablet.
        await page.reload()
        await page.wait_for_selector('#counter[data-ready="true"]', timeout=WAIT_MS)
        assert await page.inner_text("#desk-name") == "3"
        assert not await page.locator("#desk[open]").count()
    finally:
        await context.close()
    assert not errors, errors


async def test_the_counter_screen_is_for_counter_staff(
    live_server: LiveServer, shop: dict[str, Any], page: Any
) -> None:
    await sign_in(page, live_server, "kit", "/")
    response = await page.goto(f"{live_server.url}/queue/{shop['branch']}/counter")
    assert response is not None and response.status == 403
    assert "cashiers and managers" in await page.inner_text("main")
    response = await page.goto(f"{live_server.url}/queue/{shop['branch'] + 1000}/counter")
    assert response is not None and response.status in (403, 404)


@pytest.mark.parametrize("lang", ["ar", "en"])
async def test_the_counter_reads_in_both_directions(
    live_server: LiveServer, shop: dict[str, Any], browser: Any, lang: str
) -> None:
    branch = shop["branch"]
    context = await browser.new_context(viewport=TABLET)
    try:
        page = await context.new_page()
        path = f"/queue/{branch}/counter?lang={lang}"
        await sign_in(page, live_server, "cleo", path)
        await page.wait_for_selector('#counter[data-ready="true"]', timeout=WAIT_MS)
        await page.wait_for_selector("#desk[open]", timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        await assert_no_axe_violations(page)
        await shoot(page, f"ui-core/counter-{lang}-tablet-desk")
        await page.fill("#desk-input", "3")
        await page.click("#desk-save")
        await page.wait_for_selector("#desk", state="hidden", timeout=WAIT_MS)
        assert (await page.inner_text("#call-next")).strip() == {"ar": "نادِ التالي", "en": "Call next"}[lang]
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await assert_touch_targets(page)
        await shoot(page, f"ui-core/counter-{lang}-tablet")
    finally:
        await context.close()

"""The queue TV, the walk-in kiosk and display pairing in headless Chromium against a real server."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.ui import (
    DEVICES,
    assert_no_axe_violations,
    assert_nothing_overflows,
    assert_touch_targets,
    shoot,
)
from tests.support.auth import login, sign_in_browser
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.pairing import leave_pairing, wait_for_code

pytestmark = pytest.mark.browser

# The TV must show a ready token within a second of the change being acknowledged.
WITHIN_MS = 1000
WAIT_MS = 10_000


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="TV", name="TV Branch", announce_language="en-GB")
    burger = await factory.product("Burger", price="50.00", station="grill")
    shake = await factory.product("Shake", price="20.00", station="bar")
    await factory.station(branch, "grill")
    await factory.station(branch, "bar")
    customer = await factory.customer("Sam Secret", phone="+201005550101")
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "burger": burger.id, "shake": shake.id, "customer": customer.id}


@pytest.fixture
async def manager(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await login(http, "mia")
        yield http


async def new_order(
    manager: httpx.AsyncClient, shop: dict[str, Any], channel: str = "counter"
) -> dict[str, Any]:
    response = await manager.post(
        "/api/v1/orders",
        json={
            "id": str(uuid.uuid4()),
            "branch_id": shop["branch"],
            "channel": channel,
            "customer_id": shop["customer"],
            "lines": [{"product_id": shop["burger"], "qty": "1"}, {"product_id": shop["shake"], "qty": "1"}],
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def bump(manager: httpx.AsyncClient, ticket: dict[str, Any]) -> None:
    response = await manager.post(f"/api/v1/tickets/{ticket['id']}/bump")
    assert response.status_code == 200, response.text


async def make_ready(manager: httpx.AsyncClient, order: dict[str, Any]) -> None:
    """The kitchen bumps every ticket of the order; the last bump makes the order ready."""
    for ticket in order["tickets"]:
        await bump(manager, ticket)


async def browser_login(page: Any, server: LiveServer, username: str, next_path: str) -> None:
    # Signed in through the API, not the login page (test_login_page.py has its form and `next`): one page
    # load less for every screen here.
    await sign_in_browser(page.context, server.url, username)
    await page.goto(f"{server.url}{next_path}")


async def wait_live(page: Any) -> None:
    await page.wait_for_selector('#queue-status[data-status="live"]', timeout=WAIT_MS)


async def test_a_token_appears_under_ready_within_a_second(
    live_server: LiveServer, shop: dict[str, Any], manager: httpx.AsyncClient, page: Any
) -> None:
    branch = shop["branch"]
    waiting = await new_order(manager, shop)  # on the board before the page loads: from the snapshot
    await browser_login(page, live_server, "mia", f"/queue/{branch}")
    await wait_live(page)
    await page.wait_for_selector(f'#preparing [data-token="{waiting["token"]}"]', timeout=WAIT_MS)

    order = await new_order(manager, shop)
    await page.wait_for_selector(f'#preparing [data-token="{order["token"]}"]', timeout=WAIT_MS)
    grill, bar = sorted(order["tickets"], key=lambda t: t["station_code"] != "grill")
    await bump(manager, grill)
    # One station done is not the order done.
    assert (await manager.get(f"/api/v1/orders/{order['id']}")).json()["state"] in {"received", "preparing"}
    started = time.monotonic()
    await bump(manager, bar)
    await page.wait_for_selector(f'#ready [data-token="{order["token"]}"]', timeout=WITHIN_MS)
    assert (time.monotonic() - started) * 1000 < WITHIN_MS
    assert await page.locator(f'#preparing [data-token="{order["token"]}"]').count() == 0
    # Chimed and spoken in the branch's language.
    await page.wait_for_function(
        "expected => document.body.dataset.lastAnnouncement === expected",
        arg=f"Order {order['token']} is ready",
        timeout=WAIT_MS,
    )
    assert await page.locator("#ready-column h1").inner_text() == "Ready"
    # Called again at the pass (token.called): announced again.
    called = await manager.post(f"/api/v1/orders/{order['id']}/call")
    assert called.status_code == 200, called.text
    await page.wait_for_function(
        "token => window.passlineQueue.announcements.filter(a => a.text === `Order ${token} is ready`).length === 2",
        arg=order["token"],
        timeout=WAIT_MS,
    )
    # Nothing about the customer reaches the TV, in the page or in what it was sent.
    html = await page.content()
    assert "Sam Secret" not in html and "1005550101" not in html

    # Handed over (cancelled here: completion needs a payment, which another screen takes): it leaves.
    cancelled = await manager.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "cancelled", "reason": "test"}
    )
    assert cancelled.status_code == 200
    await page.wait_for_selector(f'#ready [data-token="{order["token"]}"]', state="detached", timeout=WAIT_MS)


async def test_walk_in_numbers_show_in_the_now_serving_strip(
    live_server: LiveServer, shop: dict[str, Any], manager: httpx.AsyncClient, page: Any
) -> None:
    branch = shop["branch"]
    await browser_login(page, live_server, "mia", f"/queue/{branch}")
    await wait_live(page)
    assert await page.locator("#service-strip").is_hidden()

    kiosk = await page.context.new_page()
    await kiosk.goto(f"{live_server.url}/queue/{branch}/kiosk")
    await kiosk.click('button[data-service="returns"]')
    await kiosk.wait_for_selector("#kiosk-ticket:not([hidden])", timeout=WAIT_MS)
    number = await kiosk.inner_text("#ticket-number")
    assert number == "1"
    assert await kiosk.inner_text("#ticket-wait") == "You are next"
    await page.wait_for_selector("#waiting:text('1 waiting')", timeout=WAIT_MS)

    called = await manager.post(f"/api/v1/queue/{branch}/call-next", json={"counter": "3"})
    assert called.status_code == 200, called.text
    await page.wait_for_selector('#serving [data-number="1"]', timeout=WAIT_MS)
    assert "Counter 3" in await page.inner_text('#serving [data-number="1"]')
    await page.wait_for_function(
        "() => document.body.dataset.lastAnnouncement === 'Number 1, please go to counter 3'", timeout=WAIT_MS
    )
    done = await manager.post(f"/api/v1/queue/tickets/{called.json()['id']}/done")
    assert done.status_code == 200
    await page.wait_for_selector('#serving [data-number="1"]', state="detached", timeout=WAIT_MS)


async def test_a_display_pairs_shows_the_board_without_a_session_and_is_unpaired(
    live_server: LiveServer, shop: dict[str, Any], manager: httpx.AsyncClient, page: Any
) -> None:
    branch = shop["branch"]
    # A fresh TV opens its screen: no session, no token -> it shows a pairing code.
    await page.goto(f"{live_server.url}/queue/{branch}")
    await page.wait_for_url(re.compile(r"/pair\?next="), timeout=WAIT_MS)
    code = await wait_for_code(page)

    approved = await manager.post(
        "/api/v1/devices/approve",
        json={"code": code, "branch_id": shop["branch"], "role": "queue_tv", "name": "Window"},
    )
    assert approved.status_code == 200, approved.text
    # The pairing page picks the token up and opens the screen it came from.
    await page.wait_for_url(f"{live_server.url}/queue/{branch}", timeout=WAIT_MS)
    await wait_live(page)
    assert not [c for c in await page.context.cookies() if c["name"] == "passline_session"]
    stored = await page.evaluate("() => JSON.parse(localStorage.getItem('passline_device'))")
    assert stored["device_id"] == approved.json()["id"] and stored["token"]

    order = await new_order(manager, shop, channel="pickup")
    await make_ready(manager, order)
    await page.wait_for_selector(f'#ready [data-token="{order["token"]}"]', timeout=WAIT_MS)

    # Unpaired by the manager: the live connection ends, the token is refused, the TV asks to pair again.
    revoked = await manager.post(f"/api/v1/devices/{approved.json()['id']}/revoke")
    assert revoked.status_code == 200
    await page.wait_for_url(re.compile(r"/pair\?next="), timeout=WAIT_MS)
    assert await page.evaluate("() => localStorage.getItem('passline_device')") is None
    await leave_pairing(page)


async def test_the_manager_pairs_and_revokes_in_admin_devices(
    live_server: LiveServer, shop: dict[str, Any], page: Any, browser: Any
) -> None:
    tv_context = await browser.new_context()
    try:
        tv = await tv_context.new_page()
        await tv.goto(f"{live_server.url}/pair")
        code = await wait_for_code(tv)

        await browser_login(page, live_server, "mia", "/admin/devices")
        await page.fill("#code", code.lower())
        await page.fill("#name", "Door TV")
        await page.click("#approve")
        await page.wait_for_selector("#approve-done:not([hidden])", timeout=WAIT_MS)
        await tv.wait_for_url(f"{live_server.url}/queue/{shop['branch']}", timeout=WAIT_MS)
        row = page.locator('#devices tr[data-status="approved"]')
        await row.wait_for(timeout=WAIT_MS)
        assert "Door TV" in await row.inner_text()

        await row.locator("button.revoke").click()
        # The shared confirm dialog (focus moves into it; Escape would cancel).
        await page.locator("dialog.dialog .btn-danger").click()
        await page.wait_for_selector('#devices tr[data-status="revoked"]', timeout=WAIT_MS)
        await tv.wait_for_url(re.compile(r"/pair\?next="), timeout=WAIT_MS)
        await leave_pairing(tv)
    finally:
        await tv_context.close()


# --------------------------------------------------------------------------- both directions


@pytest.fixture(params=["ar", "en"])
async def lang_shop(request: pytest.FixtureRequest, factory: Factory) -> dict[str, Any]:
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
    live_server: LiveServer, lang_shop: dict[str, Any], browser: Any
) -> None:
    lang = lang_shop["lang"]
    context = await browser.new_context(viewport=DEVICES["tv"])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    async with httpx.AsyncClient(base_url=live_server.url) as manager:
        await login(manager, "mia")
        orders = [await new_order(manager, lang_shop) for _ in range(3)]
        await browser_login(page, live_server, "mia", f"/queue/{lang_shop['branch']}")
        await wait_live(page)
        await make_ready(manager, orders[0])
        await page.wait_for_selector(f'#ready [data-token="{orders[0]["token"]}"]', timeout=WAIT_MS)
        await page.wait_for_function(
            "expected => document.body.dataset.lastAnnouncement === expected",
            arg=f"الطلب رقم {orders[0]['token']} جاهز",
            timeout=WAIT_MS,
        )
        taken = await manager.post(
            f"/api/v1/queue/{lang_shop['branch']}/tickets", json={"service": "general"}
        )
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
    live_server: LiveServer, lang_shop: dict[str, Any], browser: Any
) -> None:
    lang = lang_shop["lang"]
    context = await browser.new_context(viewport=DEVICES["tablet"], has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live_server.url}/queue/{lang_shop['branch']}/kiosk")
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


@pytest.mark.parametrize("lang", ["ar", "en"])
async def test_the_display_list_reads_in_both_directions(
    live_server: LiveServer, shop: dict[str, Any], browser: Any, lang: str
) -> None:
    context = await browser.new_context(viewport=DEVICES["tablet"])
    try:
        page = await context.new_page()
        await browser_login(page, live_server, "mia", f"/admin/devices?lang={lang}")
        await page.locator("#devices-empty").wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert (await page.inner_text("#approve")).strip() == {"ar": "ربط", "en": "Pair"}[lang]
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await assert_touch_targets(page)
        await shoot(page, f"ui-core/devices-{lang}-tablet")
    finally:
        await context.close()

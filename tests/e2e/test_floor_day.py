"""A delivery order through one business day's screens, with every device set to another time zone than
the shop's: one reference (#token) on the board, the kitchen screen and the courier's phone; the slot as it
was entered (the branch's time); what was ordered on the card and the phone; a manager's drag to Preparing
starting the kitchen's ticket; a missed slot's alert naming the order's state as it is now."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.factory import Factory
from tests.support.kanban import (
    WAIT_MS,
    api_as,
    card,
    make_shop,
    mouse_drag,
    settled,
    signed_in,
)
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

SHOP_ZONE = ZoneInfo("Africa/Cairo")  # the factory's branches
DEVICE_ZONE = "America/New_York"  # every tablet and phone here: seven hours or so off the shop
TABLET = {"width": 1280, "height": 800}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _plain(text: str) -> str:
    """The text without its bidi isolation marks."""
    return text.translate(dict.fromkeys(range(0x2066, 0x206A)))


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


@pytest.fixture
async def manager_api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with api_as(live_server, "mona") as http:
        yield http


def slot_soon() -> tuple[dt.datetime, dt.datetime]:
    """A slot under way (started ten minutes ago, whole minutes) in the shop's time. Typed at the till as
    times of day, an end past the shop's midnight runs into the next day, so any time of day works."""
    start = (dt.datetime.now(SHOP_ZONE) - dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    return start, start + dt.timedelta(minutes=30)


async def raise_alerts(runtime: Any, *, at: dt.datetime) -> None:
    """The worker's alert scan, as if it ran at `at`."""
    from app.alerts.services import AlertService
    from app.lib.deps import provide_services

    async with provide_services(runtime) as scope:
        await scope.get(AlertService).raise_due(now_ms=int(at.timestamp() * 1000))


async def test_one_reference_the_shops_time_and_what_was_ordered_on_every_screen(
    live_server: LiveServer, shop: dict[str, Any], manager_api: httpx.AsyncClient, browser: Any, runtime: Any
) -> None:
    start, end = slot_soon()
    made = await manager_api.post(
        "/api/v1/orders",
        json={
            "id": str(uuid.uuid4()),
            "branch_id": shop["branch"],
            "channel": "delivery",
            "customer_id": shop["customer"],
            "lines": [{"product_id": shop["burger"], "qty": "2", "note": "no onions"}],
            "delivery": {
                "address": "12 Corniche Rd, Apt 4",
                "territory_id": shop["territory"],
                "slot_start": start.isoformat(),
                "slot_end": end.isoformat(),
            },
        },
    )
    assert made.status_code == 201, made.text
    order = made.json()
    # A delivery has its reference from the start, like any sale.
    assert order["token"] is not None
    ref, slot = f"#{order['token']}", f"{start:%H:%M}\u2013{end:%H:%M}"
    (ticket,) = order["tickets"]

    manager = await signed_in(browser, live_server, "mona", timezone_id=DEVICE_ZONE, viewport=TABLET)
    phone = await signed_in(browser, live_server, "rami", timezone_id=DEVICE_ZONE, **PHONE)
    try:
        board = await manager.open(live_server, "/kanban")
        on_board = card(board, order["id"])
        await on_board.wait_for(timeout=WAIT_MS)
        # The board isolates references and times for right-to-left pages (U+2066..U+2069 around them).
        assert _plain(await on_board.locator(".kb-token").inner_text()) == ref
        assert slot in _plain(await on_board.inner_text())
        # What was ordered: folded to one line, opened with a tap.
        items = on_board.locator(".kb-items")
        assert "1 item" in await items.locator("summary").inner_text()
        assert not await items.locator("li").first.is_visible()
        await items.locator("summary").click()
        line = await items.locator("li").first.inner_text()
        assert "2" in line and "Burger" in line and "no onions" in line

        kitchen = await manager.open(live_server, f"/kds/grill?branch={shop['branch']}")
        on_kds = kitchen.locator(f'#tickets [data-ticket-id="{ticket["id"]}"]')
        await on_kds.wait_for(timeout=WAIT_MS)
        assert await on_kds.locator(".token").inner_text() == ref
        assert await on_kds.get_attribute("data-state") == "queued"

        # The slot is over (the scan, run as if it were an hour after its end): the card says so, in the
        # shop's time and with the order's state as it is now.
        await raise_alerts(runtime, at=end + dt.timedelta(hours=1))
        alert = on_board.locator(".kb-alert", has_text="slot ended")
        await alert.wait_for(timeout=WAIT_MS)
        assert f"ended at {end:%H:%M}" in _plain(await alert.inner_text())
        assert "received now" in (await alert.inner_text()).lower()

        # The manager drags it to Preparing: the kitchen's screen shows its ticket started.
        await mouse_drag(board, order["id"], "preparing")
        await settled(board, "preparing", order["id"])
        await kitchen.locator(f'#tickets [data-ticket-id="{ticket["id"]}"][data-state="started"]').wait_for(
            timeout=WAIT_MS
        )
        await on_board.locator(".kb-alert", has_text="preparing now").wait_for(timeout=WAIT_MS)

        dispatched = await manager_api.post(
            f"/api/v1/orders/{order['id']}/transitions",
            json={"to": "out_for_delivery", "courier_id": shop["rami"], "settle_mode": "later"},
        )
        assert dispatched.status_code == 200, dispatched.text
        mine = await phone.open(live_server, "/courier")
        delivery = mine.locator(f'.cr-delivery[data-order="{order["id"]}"]')
        await delivery.wait_for(timeout=WAIT_MS)
        assert await delivery.locator(".cr-token").inner_text() == ref
        assert slot in await delivery.locator(".cr-slot").inner_text()
        bag = await delivery.locator(".cr-items").inner_text()
        assert "Burger" in bag and "no onions" in bag
    finally:
        await manager.close()
        await phone.close()
    assert not manager.errors and not phone.errors, manager.errors + phone.errors


async def test_the_till_takes_a_slot_in_the_shops_time_and_refuses_one_already_over(
    live_server: LiveServer, shop: dict[str, Any], manager_api: httpx.AsyncClient, browser: Any
) -> None:
    start, end = slot_soon()
    cashier = await signed_in(browser, live_server, "cashier", timezone_id=DEVICE_ZONE, viewport=TABLET)
    try:
        page = await cashier.context.new_page()
        page.on("pageerror", lambda error: cashier.errors.append(str(error)))
        await page.goto(f"{live_server.url}/pos")
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        await page.locator('.pos-product[data-product-id]:has-text("Burger")').click()
        await page.select_option("#channel", "delivery")
        await page.click("#customer-button")
        await page.fill("#customer-q", "+201005550199")
        await page.locator("#customer-results [data-customer-id]").first.click()
        await page.fill("#address", "12 Corniche Rd, Apt 4")
        await page.select_option("#territory", str(shop["territory"]))

        # A slot that ended an hour ago in the shop is refused before any payment.
        over = dt.datetime.now(SHOP_ZONE) - dt.timedelta(hours=1)
        await page.fill("#slot-start", f"{over - dt.timedelta(minutes=30):%H:%M}")
        await page.fill("#slot-end", f"{over:%H:%M}")
        await page.click("#checkout")
        await page.locator(".toasts", has_text="already over").wait_for(timeout=WAIT_MS)
        assert await page.locator("#pay").is_hidden()

        await page.fill("#slot-start", f"{start:%H:%M}")
        await page.fill("#slot-end", f"{end:%H:%M}")
        await page.click("#checkout")
        await page.locator("#pay").wait_for(state="visible", timeout=WAIT_MS)
        await page.locator('#pay-methods [data-method="cash"]').click()
        await page.fill("#pay-amount", await page.inner_text("#pay-remaining"))
        await page.click("#pay-add")
        await page.click("#pay-confirm")
        await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
        order_id = await page.get_attribute("#success", "data-order-id")
        order = (await manager_api.get(f"/api/v1/orders/{order_id}")).json()
        # Typed as 13:00-13:30 on a tablet in New York, stored as 13:00-13:30 in Cairo.
        stored = [
            dt.datetime.fromisoformat(order["delivery"][k]).astimezone(SHOP_ZONE)
            for k in ("slot_start", "slot_end")
        ]
        assert [f"{t:%H:%M}" for t in stored] == [f"{start:%H:%M}", f"{end:%H:%M}"]
        # Its reference straight away, delivery or not.
        assert await page.inner_text("#s-token") == f"#{order['token']}"
    finally:
        await cashier.close()
    assert not cashier.errors, cashier.errors

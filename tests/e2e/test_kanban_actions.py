"""The board beyond drag and drop, in headless Chromium against a real server: alerts and courier positions
arrive live, card actions (print, cancel, transfer) go through the card menu, the branch filter changes what
the board follows, and a dropped connection resumes without losing an event.

Alerts are raised the way the worker's cron raises them (AlertService.raise_due, with the clock moved
past the limit); positions are sent the way the courier page sends them.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.factory import Factory
from tests.support.kanban import (
    WAIT_MS,
    Person,
    api_as,
    api_paths,
    card,
    in_column,
    make_shop,
    new_order,
    settled,
    signed_in,
)
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


def plain(text: str | None) -> str:
    """Page text without the bidi isolates format.js puts around amounts and references, spaces plain."""
    return (text or "").replace("\u2068", "").replace("\u2069", "").replace("\xa0", " ")


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


@pytest.fixture
async def manager_api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with api_as(live_server, "mona") as http:
        yield http


@pytest.fixture
async def manager(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Person]:
    person = await signed_in(browser, live_server, "mona", viewport={"width": 1600, "height": 1000})
    yield person
    await person.close()
    assert not person.errors, person.errors


async def open_menu(page: Any, order_id: str) -> Any:
    await card(page, order_id).locator(".kb-more").click()
    menu = page.locator("#card-menu")
    await menu.wait_for(state="visible", timeout=WAIT_MS)
    return menu


def in_done(page: Any, order_id: str) -> Any:
    return page.locator(f'#done-list .kb-card[data-id="{order_id}"]')


async def test_an_alert_shows_on_its_card_and_is_acknowledged(
    live_server: LiveServer,
    shop: dict[str, Any],
    manager: Person,
    manager_api: httpx.AsyncClient,
    runtime: Any,
) -> None:
    if "/api/v1/alerts" not in await api_paths(manager_api):
        pytest.skip("alerts are not there yet")
    from app.alerts.services import AlertService
    from app.lib.deps import provide_services

    limits = await manager_api.put(f"/api/v1/branches/{shop['branch']}/state-limits", json={"received": 300})
    assert limits.status_code == 200, limits.text
    order = await new_order(manager_api, shop, channel="counter")
    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)

    # The worker's scan, with its clock ten minutes on: the order is over its five minutes in `received`.
    async with provide_services(runtime) as scope:
        report = await scope.get(AlertService).raise_due(now_ms=int(time.time() * 1000) + 600_000)
    assert report.overdue == 1

    flagged = card(page, order["id"]).locator(".kb-alert")
    await flagged.wait_for(timeout=WAIT_MS)
    assert await page.locator("#alerts-count").inner_text() == "1"
    await page.click("#alerts-toggle")
    await page.locator("#alerts-panel [data-ack]").click()
    await page.locator("#alerts-toggle").wait_for(state="hidden", timeout=WAIT_MS)
    await flagged.wait_for(state="detached", timeout=WAIT_MS)
    listed = await manager_api.get(f"/api/v1/alerts?branch_id={shop['branch']}&open=true")
    assert listed.json()["items"] == []

    # A fresh board lists only open alerts: none.
    again = await manager.open(live_server, "/kanban")
    await in_column(again, "received", order["id"]).wait_for(timeout=WAIT_MS)
    assert await again.locator("#alerts-toggle").is_hidden()


async def test_a_couriers_position_shows_on_the_board(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    if "/api/v1/couriers/me/location" not in await api_paths(manager_api):
        pytest.skip("courier locations are not there yet")
    page = await manager.open(live_server, "/kanban")
    chip = page.locator(f'.kb-courier-chip[data-courier="{shop["rami"]}"]')
    await chip.wait_for(timeout=WAIT_MS)
    assert await chip.locator(".kb-where").count() == 0
    async with api_as(live_server, "rami") as rami:
        sent = await rami.post("/api/v1/couriers/me/location", json={"lat": 30.05, "lng": 31.24})
        assert sent.status_code == 200, sent.text
    where = chip.locator(".kb-where")
    await where.wait_for(timeout=WAIT_MS)
    assert "mlat=30.05" in (await where.get_attribute("href") or "")


async def test_cancel_from_the_card_menu_needs_a_reason(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    order = await new_order(manager_api, shop, channel="counter")
    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)

    menu = await open_menu(page, order["id"])
    await menu.get_by_role("menuitem", name="Cancel order…").click()
    dialog = page.locator("#reason")
    await dialog.wait_for(state="visible", timeout=WAIT_MS)
    await dialog.locator("#reason-confirm").click()
    await dialog.locator("#reason-error").wait_for(state="visible", timeout=WAIT_MS)
    await dialog.locator("#reason-text").fill("Customer changed their mind")
    await dialog.locator("#reason-confirm").click()

    # The done tail is folded: the card is there, not shown.
    await (
        in_done(page, order["id"])
        .and_(page.locator(".kb-card:not(.kb-pending)"))
        .wait_for(state="attached", timeout=WAIT_MS)
    )
    assert await in_done(page, order["id"]).get_attribute("data-state") == "cancelled"
    response = await manager_api.get(f"/api/v1/orders/{order['id']}")
    assert response.json()["state"] == "cancelled"


async def test_moving_from_the_card_menu_and_printing_a_summary(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    order = await new_order(manager_api, shop)
    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)

    # The keyboard way: focus the card, Enter opens its menu, pick the column.
    await card(page, order["id"]).focus()
    await page.keyboard.press("Enter")
    menu = page.locator("#card-menu")
    await menu.wait_for(state="visible", timeout=WAIT_MS)
    assert await menu.get_by_role("menuitem", name="Move to Out for delivery").count() == 1
    await menu.get_by_role("menuitem", name="Move to Preparing").click()
    await settled(page, "preparing", order["id"])

    await page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    menu = await open_menu(page, order["id"])
    await menu.get_by_role("menuitem", name="Print summary").click()
    await page.wait_for_function("() => window.printed === 1", timeout=WAIT_MS)
    printed = plain(await page.locator("#print-area").text_content())
    for expected in ("Burger", "Nadia Noor", "12 Corniche Rd, Apt 4", "EGP 77.00", "Unpaid"):
        assert expected in printed


async def test_transfer_to_another_branch_from_the_card_menu(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    if "/api/v1/orders/{order_id}/transfer" not in await api_paths(manager_api):
        pytest.skip("transfers are not there yet")
    order = await new_order(manager_api, shop, channel="counter")
    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)

    menu = await open_menu(page, order["id"])
    await menu.get_by_role("menuitem", name="Transfer to branch…").click()
    dialog = page.locator("#transfer")
    await dialog.wait_for(state="visible", timeout=WAIT_MS)
    await dialog.locator(".kb-option", has_text="Second Branch").click()
    await dialog.locator("#transfer-confirm").click()

    toast = page.locator("#toast")
    await toast.wait_for(state="visible", timeout=WAIT_MS)
    assert re.search(r"transferred to Second Branch as #\d+", plain(await toast.inner_text()))
    await in_done(page, order["id"]).wait_for(state="attached", timeout=WAIT_MS)
    # The copy arrives live in the other branch's column (the board follows both branches).
    copy = page.locator(f'.kb-col[data-drop="received"] .kb-card[data-branch="{shop["second"]}"]')
    await copy.wait_for(timeout=WAIT_MS)
    assert "Second Branch" in await copy.inner_text()


async def test_the_branch_filter_changes_what_the_board_follows(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    here = await new_order(manager_api, shop, channel="counter")
    there = await new_order(manager_api, shop, channel="counter", branch="second")
    page = await manager.open(live_server, "/kanban")
    await card(page, here["id"]).wait_for(timeout=WAIT_MS)
    await card(page, there["id"]).wait_for(timeout=WAIT_MS)

    await page.click(f'#branch-filter [data-branch="{shop["second"]}"]')
    await card(page, there["id"]).wait_for(state="detached", timeout=WAIT_MS)
    await page.locator("#kanban[data-ready]").wait_for(timeout=WAIT_MS)
    # Still live for the branch it follows, and nothing of the other arrives.
    later_there = await new_order(manager_api, shop, channel="counter", branch="second")
    later_here = await new_order(manager_api, shop, channel="counter")
    await card(page, later_here["id"]).wait_for(timeout=WAIT_MS)
    assert await card(page, later_there["id"]).count() == 0

    # The last branch cannot be switched off: a board always follows something.
    await page.click(f'#branch-filter [data-branch="{shop["branch"]}"]')
    assert (
        await page.get_attribute(f'#branch-filter [data-branch="{shop["branch"]}"]', "aria-pressed") == "true"
    )


async def test_a_dropped_connection_resumes_without_losing_events(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    page = await manager.context.new_page()
    page.on("pageerror", lambda error: manager.errors.append(str(error)))
    # The board's socket goes through this relay; it can swallow what the server sends and then cut the
    # line, like a tablet losing its Wi-Fi for a moment.
    line: dict[str, Any] = {"deaf": False, "sockets": []}

    def relay(ws: Any) -> None:
        server = ws.connect_to_server()
        line["sockets"].append(ws)

        def from_server(message: str | bytes) -> None:
            if not line["deaf"]:
                ws.send(message)

        server.on_message(from_server)

    await page.route_web_socket(re.compile(r".*/socket\.io/.*"), relay)
    await page.goto(f"{live_server.url}/kanban")
    await page.locator("#kanban[data-ready]").wait_for(timeout=WAIT_MS)
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    first = await new_order(manager_api, shop, channel="counter")
    await card(page, first["id"]).wait_for(timeout=WAIT_MS)

    line["deaf"] = True
    missed = await new_order(manager_api, shop, channel="counter")
    moved = await manager_api.post(f"/api/v1/orders/{first['id']}/transitions", json={"to": "preparing"})
    assert moved.status_code == 200, moved.text
    await line["sockets"][-1].close()
    await page.locator('#conn[data-status="offline"]').wait_for(timeout=WAIT_MS)
    line["deaf"] = False

    # Back online: the server replays what the board missed, from the last id it applied.
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    await in_column(page, "received", missed["id"]).wait_for(timeout=WAIT_MS)
    await in_column(page, "preparing", first["id"]).wait_for(timeout=WAIT_MS)
    assert await page.locator(f'.kb-card[data-id="{missed["id"]}"]').count() == 1


async def test_the_slot_window_keeps_deliveries_whose_slot_overlaps_it(
    browser: Any, live_server: LiveServer, shop: dict[str, Any], manager_api: httpx.AsyncClient
) -> None:
    zone = ZoneInfo("Africa/Cairo")
    start = (dt.datetime.now(zone) + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    end = start + dt.timedelta(minutes=30)
    body = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"],
        "channel": "delivery",
        "customer_id": shop["customer"],
        "lines": [{"product_id": shop["burger"], "qty": "1"}],
        "delivery": {
            "address": "7 Slot St",
            "territory_id": shop["territory"],
            "slot_start": start.isoformat(),
            "slot_end": end.isoformat(),
        },
    }
    created = await manager_api.post("/api/v1/orders", json=body)
    assert created.status_code == 201, created.text
    slotted = created.json()
    unslotted = await new_order(manager_api, shop)

    # The board reads slot times, and the slot filter's window, in the branch's zone (Cairo), whatever
    # the tablet's: this one is set to New York.
    tablet = await signed_in(
        browser,
        live_server,
        "mona",
        timezone_id="America/New_York",
        locale="en-US",
        viewport={"width": 1600, "height": 1000},
    )
    try:
        page = await tablet.open(live_server, "/kanban")
        await card(page, slotted["id"]).wait_for(timeout=WAIT_MS)
        assert f"{start:%H:%M}\u2013{end:%H:%M}" in await card(page, slotted["id"]).inner_text()

        around = start - dt.timedelta(minutes=15)
        await page.fill("#f-slot-from", f"{around:%H:%M}")
        await page.fill("#f-slot-to", f"{start + dt.timedelta(minutes=10):%H:%M}")
        await card(page, unslotted["id"]).wait_for(state="detached", timeout=WAIT_MS)
        assert await card(page, slotted["id"]).is_visible()

        # A window that ends before the slot starts leaves it out.
        await page.fill("#f-slot-to", f"{start - dt.timedelta(minutes=5):%H:%M}")
        await card(page, slotted["id"]).wait_for(state="detached", timeout=WAIT_MS)
        await page.click("#f-clear")
        await card(page, unslotted["id"]).wait_for(timeout=WAIT_MS)
        await card(page, slotted["id"]).wait_for(timeout=WAIT_MS)
    finally:
        await tablet.close()
    assert not tablet.errors, tablet.errors


async def test_the_board_shows_when_a_courier_accepts_a_delivery(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    if "/api/v1/deliveries/{delivery_id}/accept" not in await api_paths(manager_api):
        pytest.skip("the dispatch backend is not there yet")
    order = await new_order(manager_api, shop)
    dispatched = await manager_api.post(
        f"/api/v1/orders/{order['id']}/transitions",
        json={"to": "out_for_delivery", "courier_id": shop["rami"], "settle_mode": "later"},
    )
    assert dispatched.status_code == 200, dispatched.text
    page = await manager.open(live_server, "/kanban")
    on_road = in_column(page, "out_for_delivery", order["id"])
    await on_road.locator(".kb-dl-assigned").wait_for(timeout=WAIT_MS)
    assert "Rami Rider" in await on_road.inner_text()
    assert "1 out" in await page.locator(f'.kb-courier-chip[data-courier="{shop["rami"]}"]').inner_text()

    async with api_as(live_server, "rami") as rami:
        [delivery] = (await rami.get(f"/api/v1/couriers/{shop['rami']}/deliveries")).json()
        accepted = await rami.post(f"/api/v1/deliveries/{delivery['id']}/accept")
        assert accepted.status_code == 200, accepted.text
    await on_road.locator(".kb-dl-accepted").wait_for(timeout=WAIT_MS)

    # A fresh board knows it too (from the courier's deliveries, not only from the live event).
    again = await manager.open(live_server, "/kanban")
    await (
        in_column(again, "out_for_delivery", order["id"]).locator(".kb-dl-accepted").wait_for(timeout=WAIT_MS)
    )

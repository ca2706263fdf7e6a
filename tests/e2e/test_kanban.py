"""The managers' board (/kanban) in headless Chromium against a real server.

A manager drags cards with the mouse and with a finger (touch events through the DevTools protocol, the
way a tablet sends them), a drop on "out for delivery" goes through the dispatch dialog with the server's
settlement preview, and the courier sees the delivery arrive on their phone page. A drop with a stale
version is rolled back with the server's 409 message; filters are remembered for the next visit.

Orders are made the way a POS makes them (`POST /api/v1/orders`); everything after that is done on the
pages. Every wait is for something to appear or change, with a timeout.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

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
    mouse_drag,
    new_order,
    settled,
    signed_in,
)
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


# --------------------------------------------------------------------------- data and clients


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


@pytest.fixture
async def tablet(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Person]:
    """The same manager on a touch tablet: fingers, not a mouse."""
    person = await signed_in(
        browser, live_server, "mona", has_touch=True, viewport={"width": 1600, "height": 1000}
    )
    yield person
    await person.close()
    assert not person.errors, person.errors


async def touch_path(page: Any, points: list[tuple[float, float]], *, hold_ms: int = 0) -> None:
    """A finger down on the first point, resting `hold_ms`, moving through the rest, lifted: real touch
    events through the DevTools protocol, as a tablet sends them."""
    cdp = await page.context.new_cdp_session(page)
    (x0, y0), rest = points[0], points[1:]
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    if hold_ms:
        await page.wait_for_timeout(hold_ms)  # the finger resting on the card, not a wait for a result
    for x, y in rest:
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    await cdp.detach()


def line(a: tuple[float, float], b: tuple[float, float], steps: int = 12) -> list[tuple[float, float]]:
    return [(a[0] + (b[0] - a[0]) * i / steps, a[1] + (b[1] - a[1]) * i / steps) for i in range(steps + 1)]


async def touch_drag(page: Any, order_id: str, state: str, *, hold_ms: int | None = None) -> None:
    """A finger dragging the card to the column: by its grip, or (with `hold_ms`) by a long press on the
    card's body first, which is what tells a drag from a scroll."""
    handle = card(page, order_id).locator(".kb-grip" if hold_ms is None else ".kb-total")
    box = await handle.bounding_box()
    target = await page.locator(f'.kb-col[data-drop="{state}"]').bounding_box()
    assert box and target
    start = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    end = (target["x"] + target["width"] / 2, target["y"] + 80)
    await touch_path(page, line(start, end), hold_ms=hold_ms or 0)


# --------------------------------------------------------------------------- tests


async def test_the_board_shows_open_orders_and_new_ones_arrive_live(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    before = await new_order(manager_api, shop)
    page = await manager.open(live_server, "/kanban")
    first = in_column(page, "received", before["id"])
    await first.wait_for(timeout=WAIT_MS)
    assert "Nadia Noor" in await first.inner_text()
    assert "77.00" in await first.inner_text()
    assert "Unpaid" in (await first.text_content() or "")

    after = await new_order(manager_api, shop, channel="counter")
    arrived = in_column(page, "received", after["id"])
    await arrived.wait_for(timeout=WAIT_MS)
    assert f"#{after['token']}" in await arrived.inner_text()
    assert await page.locator("#f-count").inner_text() == "2 open"


async def test_a_mouse_drag_moves_the_card_and_the_server_agrees(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    order = await new_order(manager_api, shop, channel="counter")
    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)

    await mouse_drag(page, order["id"], "preparing")
    await settled(page, "preparing", order["id"])
    response = await manager_api.get(f"/api/v1/orders/{order['id']}")
    assert (response.json()["state"], response.json()["version"]) == ("preparing", 2)
    assert await card(page, order["id"]).get_attribute("data-version") == "2"


async def test_a_touch_drag_on_the_grip_moves_the_card(
    live_server: LiveServer, shop: dict[str, Any], tablet: Person, manager_api: httpx.AsyncClient
) -> None:
    order = await new_order(manager_api, shop, channel="counter")
    page = await tablet.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)
    await touch_drag(page, order["id"], "ready")
    await settled(page, "ready", order["id"])
    response = await manager_api.get(f"/api/v1/orders/{order['id']}")
    assert response.json()["state"] == "ready"


async def test_a_long_press_drags_a_card_and_a_quick_swipe_does_not(
    live_server: LiveServer, shop: dict[str, Any], tablet: Person, manager_api: httpx.AsyncClient
) -> None:
    swiped = await new_order(manager_api, shop, channel="counter")
    held = await new_order(manager_api, shop, channel="counter")
    page = await tablet.open(live_server, "/kanban")
    await in_column(page, "received", held["id"]).wait_for(timeout=WAIT_MS)

    # Whether a drag ever started: its ghost copy of the card appears under the finger.
    await page.evaluate(
        """() => {
          window.ghosts = 0;
          new MutationObserver((changes) => {
            for (const change of changes)
              for (const node of change.addedNodes)
                if (node.classList && node.classList.contains("kb-ghost")) window.ghosts += 1;
          }).observe(document.body, { childList: true });
        }"""
    )
    # A quick swipe down the card's body is the finger scrolling the column: no drag.
    box = await card(page, swiped["id"]).locator(".kb-total").bounding_box()
    assert box
    await touch_path(page, line((box["x"] + 5, box["y"] + 5), (box["x"] + 5, box["y"] + 250)))
    assert await page.evaluate("window.ghosts") == 0
    # A long press, then the same gesture, is a drag.
    await touch_drag(page, held["id"], "ready", hold_ms=600)
    await settled(page, "ready", held["id"])
    assert await page.evaluate("window.ghosts") == 1
    assert await in_column(page, "received", swiped["id"]).count() == 1
    response = await manager_api.get(f"/api/v1/orders/{swiped['id']}")
    assert response.json()["version"] == 1


async def test_a_drop_with_a_stale_version_rolls_back_with_the_servers_409_message(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    order = await new_order(manager_api, shop, channel="counter")
    page = await manager.context.new_page()
    page.on("pageerror", lambda error: manager.errors.append(str(error)))

    # The board's socket goes through this relay, which can hold back what the server sends: the board
    # then still shows the order as received after another tablet moved it on.
    holding: dict[str, Any] = {"on": False, "held": []}

    def relay(ws: Any) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            # Engine.IO pings ("2") pass, so the connection stays up; Socket.IO events ("42…") wait.
            if holding["on"] and isinstance(message, str) and message.startswith("42"):
                holding["held"].append(message)
            else:
                ws.send(message)

        server.on_message(from_server)

    await page.route_web_socket(re.compile(r".*/socket\.io/.*"), relay)
    await page.goto(f"{live_server.url}/kanban")
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    await page.locator("#kanban[data-ready]").wait_for(timeout=WAIT_MS)
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)

    holding["on"] = True
    moved = await manager_api.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "preparing", "expected_version": 1}
    )
    assert moved.status_code == 200, moved.text

    await mouse_drag(page, order["id"], "ready")
    toast = page.locator("#toast")
    await toast.wait_for(state="visible", timeout=WAIT_MS)
    message = await toast.inner_text()
    assert "The order changed meanwhile: it is now preparing, version 2" in message
    # Not left in the column it was dropped on: back, and where the server says the order really is.
    await settled(page, "preparing", order["id"])
    assert await in_column(page, "ready", order["id"]).count() == 0
    assert await card(page, order["id"]).get_attribute("data-version") == "2"

    response = await manager_api.get(f"/api/v1/orders/{order['id']}")
    assert (response.json()["state"], response.json()["version"]) == ("preparing", 2)


async def test_an_illegal_drop_is_refused_on_the_page(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    order = await new_order(manager_api, shop, channel="counter")
    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)
    await mouse_drag(page, order["id"], "returned")
    toast = page.locator("#toast")
    await toast.wait_for(state="visible", timeout=WAIT_MS)
    assert "cannot move from Received to Returned" in await toast.inner_text()
    await settled(page, "received", order["id"])


async def test_filters_narrow_the_board_and_are_remembered(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    delivery = await new_order(manager_api, shop)
    counter = await new_order(manager_api, shop, channel="counter")
    page = await manager.open(live_server, "/kanban")
    await card(page, delivery["id"]).wait_for(timeout=WAIT_MS)
    await card(page, counter["id"]).wait_for(timeout=WAIT_MS)

    await page.click('#channel-filter [data-channel="delivery"]')
    await card(page, counter["id"]).wait_for(state="detached", timeout=WAIT_MS)
    assert await card(page, delivery["id"]).is_visible()
    await page.fill("#f-search", "nadia")
    assert await page.locator("#f-count").inner_text() == "1 of 2 open"

    # Saved (to the server when it has preferences, else this browser) and back on the next visit.
    await page.wait_for_function(
        "() => Object.keys(localStorage).some((k) => k.includes('kanban.filters')"
        " && localStorage.getItem(k).includes('nadia'))",
        timeout=WAIT_MS,
    )
    again = await manager.open(live_server, "/kanban")
    await card(again, delivery["id"]).wait_for(timeout=WAIT_MS)
    assert await again.locator("#f-search").input_value() == "nadia"
    assert (
        await again.locator('#channel-filter [data-channel="delivery"]').get_attribute("aria-pressed")
        == "true"
    )
    assert await card(again, counter["id"]).count() == 0
    saved = json.loads(
        await again.evaluate(
            "() => localStorage.getItem(Object.keys(localStorage).find((k) => k.includes('kanban.filters')))"
        )
    )
    assert saved["channels"] == ["delivery"]


async def test_filters_follow_the_manager_to_another_device(
    browser: Any,
    live_server: LiveServer,
    shop: dict[str, Any],
    manager: Person,
    manager_api: httpx.AsyncClient,
) -> None:
    if "/api/v1/me/preferences/{key}" not in await api_paths(manager_api):
        pytest.skip("preferences are not there yet")
    delivery = await new_order(manager_api, shop)
    counter = await new_order(manager_api, shop, channel="counter")
    page = await manager.open(live_server, "/kanban")
    await page.click('#channel-filter [data-channel="counter"]')
    await card(page, delivery["id"]).wait_for(state="detached", timeout=WAIT_MS)
    search = f"#{counter['token']}"

    def saves_search(response: Any) -> bool:
        request = response.request
        return (
            request.method == "PUT"
            and request.url.endswith("/api/v1/me/preferences/kanban.filters")
            and search in (request.post_data or "")
        )

    # Saved on the server (a short debounce after the last change), per user.
    async with page.expect_response(saves_search, timeout=WAIT_MS) as put:
        await page.fill("#f-search", search)
    assert (await put.value).status == 200
    saved = (await manager_api.get("/api/v1/me/preferences/kanban.filters")).json()["value"]
    assert (saved["channels"], saved["q"]) == (["counter"], search)

    # Another tablet: a fresh browser with nothing stored locally gets them from the server.
    tablet = await signed_in(browser, live_server, "mona", viewport={"width": 1600, "height": 1000})
    try:
        other = await tablet.open(live_server, "/kanban")
        await card(other, counter["id"]).wait_for(timeout=WAIT_MS)
        assert await card(other, delivery["id"]).count() == 0
        assert await other.locator("#f-search").input_value() == search
    finally:
        await tablet.close()
    assert not tablet.errors, tablet.errors


async def test_a_page_for_managers_only(live_server: LiveServer, shop: dict[str, Any], browser: Any) -> None:
    cashier = await signed_in(browser, live_server, "cashier")
    try:
        page = await cashier.context.new_page()
        response = await page.goto(f"{live_server.url}/kanban")
        assert response is not None and response.status == 403
        assert "for managers" in await page.inner_text(".problem")
    finally:
        await cashier.close()


# --------------------------------------------------------------------------- dispatch


async def dispatch_through_dialog(page: Any, courier: str, settle_mode: str) -> dict[str, str]:
    """Pick the courier and the settle mode, wait for the server's preview, confirm; the preview's text."""
    dialog = page.locator("#dispatch")
    await dialog.wait_for(state="visible", timeout=WAIT_MS)
    await dialog.locator(".kb-courier-option", has_text=courier).click()
    await dialog.locator(f'input[name="settle_mode"][value="{settle_mode}"]').check()
    await dialog.locator('[data-preview="net"]').wait_for(timeout=WAIT_MS)
    shown = {
        key: (await dialog.locator(f'[data-preview="{key}"]').text_content() or "").strip()
        for key in ("amount_to_collect", "courier_fee", "net", "owed_by")
    }
    shown["owed_by_key"] = (
        await dialog.locator('[data-preview="owed_by"]').get_attribute("data-owed-by") or ""
    )
    confirm = dialog.locator("#dispatch-confirm")
    assert await confirm.is_enabled()
    await confirm.click()
    await dialog.wait_for(state="hidden", timeout=WAIT_MS)
    return shown


async def test_dragging_to_out_for_delivery_dispatches_through_the_dialog_to_the_couriers_phone(
    browser: Any,
    live_server: LiveServer,
    shop: dict[str, Any],
    manager: Person,
    manager_api: httpx.AsyncClient,
) -> None:
    if "/api/v1/orders/{order_id}/settlement-preview" not in await api_paths(manager_api):
        pytest.skip("the dispatch backend (settlement preview) is not there yet")
    order = await new_order(manager_api, shop)
    rider = await signed_in(
        browser, live_server, "rami", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        # The courier's phone is open before the dispatch: the delivery must arrive on it live.
        phone = await rider.open(live_server, "/courier")
        await phone.locator("#empty").wait_for(timeout=WAIT_MS)

        page = await manager.open(live_server, "/kanban")
        await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)
        await mouse_drag(page, order["id"], "out_for_delivery")
        # Nothing moves before the manager confirms.
        await page.locator("#dispatch").wait_for(state="visible", timeout=WAIT_MS)
        assert await in_column(page, "received", order["id"]).count() == 1
        await page.locator(
            f'[data-courier-cash="{shop["rami"]}"]', has_text="cash in hand 0.00 EGP"
        ).wait_for(timeout=WAIT_MS)
        assert "0 on the road" in (
            await page.locator(f'[data-courier-load="{shop["rami"]}"]').text_content() or ""
        )

        shown = await dispatch_through_dialog(page, "Rami Rider", "later")
        # Unpaid, settle later (DESIGN §6): the courier collects the total, earns the territory's fee.
        assert shown["amount_to_collect"] == "77.00 EGP"
        assert shown["courier_fee"] == "15.00 EGP"
        assert shown["net"] == "62.00 EGP"
        assert shown["owed_by_key"] == "courier"
        assert "owes the branch 62.00 EGP" in shown["owed_by"]

        await settled(page, "out_for_delivery", order["id"])
        assert "Rami Rider" in await card(page, order["id"]).inner_text()
        response = await manager_api.get(f"/api/v1/orders/{order['id']}")
        assert response.json()["state"] == "out_for_delivery"
        on_the_road = await manager_api.get(f"/api/v1/couriers/{shop['rami']}/deliveries")
        [delivery_row] = on_the_road.json()
        assert (delivery_row["order_id"], delivery_row["settle_mode"]) == (order["id"], "later")

        delivery = phone.locator(f'.cr-delivery[data-order="{order["id"]}"]')
        await delivery.wait_for(timeout=WAIT_MS)
        text = await delivery.inner_text()
        assert "Collect EGP\xa077.00" in text.replace("\u2068", "").replace("\u2069", "")
        assert "Nadia Noor" in text
        assert "12 Corniche Rd, Apt 4" in text
        assert await delivery.locator(".cr-call").get_attribute("href") == "tel:+201005550199"
        assert (await delivery.locator(".cr-address").get_attribute("href") or "").startswith(
            "https://www.openstreetmap.org/search?query=12%20Corniche"
        )
        assert await phone.locator("#empty").is_hidden()
    finally:
        await rider.close()
    assert not rider.errors, rider.errors


async def test_a_finger_drags_a_delivery_out_and_settles_now(
    live_server: LiveServer, shop: dict[str, Any], tablet: Person, manager_api: httpx.AsyncClient
) -> None:
    if "/api/v1/orders/{order_id}/settlement-preview" not in await api_paths(manager_api):
        pytest.skip("the dispatch backend (settlement preview) is not there yet")
    order = await new_order(manager_api, shop)
    page = await tablet.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)
    await touch_drag(page, order["id"], "out_for_delivery")
    shown = await dispatch_through_dialog(page, "Sara Scooter", "now")
    assert (shown["amount_to_collect"], shown["courier_fee"], shown["net"]) == (
        "77.00 EGP",
        "15.00 EGP",
        "62.00 EGP",
    )
    assert "settled at dispatch" in shown["owed_by"]
    await settled(page, "out_for_delivery", order["id"])
    balance = await manager_api.get(f"/api/v1/couriers/{shop['sara']}/balance")
    # Settled now: nothing stays open between Sara and the branch.
    assert balance.json()["net"] == "0.00"


async def test_a_refused_dispatch_rolls_back_with_the_servers_message(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    if "/api/v1/orders/{order_id}/settlement-preview" not in await api_paths(manager_api):
        pytest.skip("the dispatch backend (settlement preview) is not there yet")
    order = await new_order(manager_api, shop)
    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)
    await mouse_drag(page, order["id"], "out_for_delivery")
    dialog = page.locator("#dispatch")
    await dialog.wait_for(state="visible", timeout=WAIT_MS)
    # Another manager moves the order while this one is still choosing.
    moved = await manager_api.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "preparing", "expected_version": 1}
    )
    assert moved.status_code == 200, moved.text
    await dispatch_through_dialog(page, "Rami Rider", "later")
    toast = page.locator("#toast")
    await toast.wait_for(state="visible", timeout=WAIT_MS)
    assert "it is now preparing, version 2" in await toast.inner_text()
    await settled(page, "preparing", order["id"])
    response = await manager_api.get(f"/api/v1/orders/{order['id']}")
    assert response.json()["state"] == "preparing"

"""Kitchen display pages in headless Chromium against a real server: a station's tickets arrive live and
only there, bumping every station's ticket makes the order ready, a dropped connection misses and doubles
nothing, a failed bump rolls back, a recall brings a ticket back, and the expo hands over and calls.

Orders are made the way a POS makes them (`POST /api/v1/orders` as a cashier); the cook's pages do the
rest through their own buttons.
"""

from __future__ import annotations

import asyncio
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
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.pairing import leave_pairing, wait_for_code

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
# The measured bound of DESIGN §5 for a new ticket reaching its screen.
ARRIVAL_MS = 1_000


# --------------------------------------------------------------------------- data and clients


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="KDS", name="Kitchen Branch")
    await factory.station(branch, "grill")
    await factory.station(branch, "fryer")
    burger = await factory.product("Burger", price="57.00", station="grill")
    fries = await factory.product("Fries", price="20.00", station="fryer")
    await factory.user("cook", roles=("kitchen",), branches=(branch,))
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "burger": burger.id, "fries": fries.id}


@pytest.fixture
async def pos(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    """The cashier's API client: orders come in the way a POS sends them."""
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "cashier")
        yield http


@pytest.fixture
async def kitchen_api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    """The cook's own API client, to check what the pages did and to act from "another tablet"."""
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "cook")
        response = await http.get("/schema/openapi.json")
        paths = response.json().get("paths", {}) if response.status_code == 200 else {}
        if not any(path.startswith("/api/v1/kds/") for path in paths):
            pytest.skip("the kitchen backend (app/kitchen: /api/v1/kds, /api/v1/tickets) is not there yet")
        yield http


class Cook:
    """A signed-in cook's browser context (session and CSRF cookies, as the login page leaves them) and
    the script errors of every page opened in it."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.errors: list[str] = []

    async def set_offline(self, offline: bool) -> None:
        await self.context.set_offline(offline)


@pytest.fixture
async def cook(page: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Cook]:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"username": "cook", "password": Factory.PASSWORD}
        )
        assert response.status_code == 200, response.text
        cookies = [
            {"name": name, "value": response.cookies[name], "url": live_server.url}
            for name in ("passline_session", "passline_csrf")
        ]
    await page.context.add_cookies(cookies)
    cook = Cook(page.context)
    yield cook
    assert not cook.errors, cook.errors


async def open_screen(cook: Cook, server: LiveServer, path: str) -> Any:
    page = await cook.context.new_page()
    page.on("pageerror", lambda error: cook.errors.append(str(error)))
    await page.goto(f"{server.url}{path}")
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    return page


async def enable_sound(page: Any) -> None:
    # The one tap a browser needs before it plays audio; it also clears the overlay off the buttons.
    await page.click("#sound-overlay")
    await page.locator("#sound-overlay").wait_for(state="hidden", timeout=WAIT_MS)


async def new_order(pos: httpx.AsyncClient, shop: dict[str, Any], *products: str) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"],
        "channel": "counter",
        "lines": [{"product_id": shop[name], "qty": "1"} for name in products],
    }
    response = await pos.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def ticket_of(order: dict[str, Any], station: str) -> str:
    return next(str(t["id"]) for t in order["tickets"] if t["station_code"] == station)


def card(page: Any, ticket_id: str) -> Any:
    return page.locator(f'#tickets [data-ticket-id="{ticket_id}"]')


async def ticket_ids(page: Any) -> list[str]:
    ids: list[str] = await page.eval_on_selector_all(
        "#tickets [data-ticket-id]", "(els) => els.map((el) => el.dataset.ticketId)"
    )
    return ids


async def order_state(api: httpx.AsyncClient, order_id: str) -> str:
    response = await api.get(f"/api/v1/orders/{order_id}")
    assert response.status_code == 200, response.text
    state: str = response.json()["state"]
    return state


async def wait_order_state(api: httpx.AsyncClient, order_id: str, state: str) -> None:
    # The kitchen moves the order in the same request as the last bump; the loop only absorbs the case
    # where it is done a moment later, and fails loudly if it never happens.
    deadline = asyncio.get_running_loop().time() + WAIT_MS / 1000
    while (current := await order_state(api, order_id)) != state:
        assert asyncio.get_running_loop().time() < deadline, f"order stayed {current}, expected {state}"
        await asyncio.sleep(0.05)


# --------------------------------------------------------------------------- station screens


async def test_a_new_ticket_appears_on_its_station_within_a_second_and_only_there(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
) -> None:
    grill = await open_screen(cook, live_server, "/kds/grill")
    fryer = await open_screen(cook, live_server, "/kds/fryer")

    order = await new_order(pos, shop, "burger")
    burger_ticket = ticket_of(order, "grill")
    await card(grill, burger_ticket).wait_for(state="visible", timeout=ARRIVAL_MS)
    assert await card(grill, burger_ticket).locator(".items").inner_text() == "1\nBurger"
    assert await card(grill, burger_ticket).locator(".token").inner_text() == f"#{order['token']}"

    # A later fryer ticket is the barrier: the stream is ordered, so a grill ticket sent to the fryer's
    # screen would have arrived before it.
    fries = await new_order(pos, shop, "fries")
    await card(fryer, ticket_of(fries, "fryer")).wait_for(state="visible", timeout=ARRIVAL_MS)
    assert await ticket_ids(fryer) == [ticket_of(fries, "fryer")]
    assert await ticket_ids(grill) == [burger_ticket]
    assert await grill.inner_text("#kds-count") == "1"


async def test_bumping_every_station_ticket_makes_the_order_ready(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
) -> None:
    grill = await open_screen(cook, live_server, "/kds/grill")
    fryer = await open_screen(cook, live_server, "/kds/fryer")
    await enable_sound(grill)
    await enable_sound(fryer)
    order = await new_order(pos, shop, "burger", "fries")
    order_id = order["id"]

    for page, station in ((grill, "grill"), (fryer, "fryer")):
        ticket = card(page, ticket_of(order, station))
        await ticket.wait_for(timeout=WAIT_MS)
        async with page.expect_response(lambda r: r.url.endswith("/start")) as started:
            await ticket.locator('button[data-action="start"]').click()
        assert (await started.value).status == 200
        await ticket.locator('button[data-action="bump"]').wait_for(timeout=WAIT_MS)
        assert await ticket.get_attribute("data-state") == "started"
        assert await order_state(kitchen_api, order_id) == "preparing"

        async with page.expect_response(lambda r: r.url.endswith("/bump")) as bumped:
            await ticket.locator('button[data-action="bump"]').click()
        assert (await bumped.value).status == 200
        await ticket.wait_for(state="detached", timeout=WAIT_MS)

    await wait_order_state(kitchen_api, order_id, "ready")
    assert await ticket_ids(grill) == [] and await ticket_ids(fryer) == []


async def test_a_dropped_connection_misses_nothing_and_doubles_nothing(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
) -> None:
    grill = await open_screen(cook, live_server, "/kds/grill")
    before = await new_order(pos, shop, "burger")
    await card(grill, ticket_of(before, "grill")).wait_for(timeout=WAIT_MS)

    # Network gone, and the open websocket with it (emulated offline leaves open sockets alone).
    await cook.set_offline(True)
    await grill.evaluate("window.kds.follow.live().socket.io.engine.close()")
    await grill.locator('#conn[data-status="offline"]').wait_for(timeout=WAIT_MS)
    missed = [await new_order(pos, shop, "burger"), await new_order(pos, shop, "burger", "fries")]
    expected = [ticket_of(before, "grill"), *(ticket_of(o, "grill") for o in missed)]

    await cook.set_offline(False)
    await grill.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    for ticket in expected:
        await card(grill, ticket).wait_for(timeout=WAIT_MS)
    # One live ticket after the replay: everything before it has been applied by the time it shows.
    after = await new_order(pos, shop, "burger")
    expected.append(ticket_of(after, "grill"))
    await card(grill, expected[-1]).wait_for(timeout=WAIT_MS)
    for ticket in expected:
        assert await card(grill, ticket).count() == 1, ticket
    assert sorted(await ticket_ids(grill)) == sorted(expected)

    # A second drop without going offline: a reconnect that replays from the last id doubles nothing.
    await grill.evaluate("window.kds.follow.live().socket.io.engine.close()")
    await grill.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    last = await new_order(pos, shop, "burger")
    expected.append(ticket_of(last, "grill"))
    await card(grill, expected[-1]).wait_for(timeout=WAIT_MS)
    assert sorted(await ticket_ids(grill)) == sorted(expected)
    assert await grill.inner_text("#kds-count") == str(len(expected))


async def test_a_gap_the_server_cannot_replay_reloads_the_snapshot(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
    runtime: Any,
) -> None:
    grill = await open_screen(cook, live_server, "/kds/grill")
    snapshot_path = f"/api/v1/kds/{shop['branch']}/grill"
    snapshots: list[str] = []
    grill.on("response", lambda r: snapshots.append(r.url) if r.url.endswith(snapshot_path) else None)
    kept = await new_order(pos, shop, "burger")
    gone = await new_order(pos, shop, "burger")
    for order in (kept, gone):
        await card(grill, ticket_of(order, "grill")).wait_for(timeout=WAIT_MS)

    await cook.set_offline(True)
    await grill.evaluate("window.kds.follow.live().socket.io.engine.close()")
    await grill.locator('#conn[data-status="offline"]').wait_for(timeout=WAIT_MS)
    # While the tablet is away: one ticket bumped on another screen, two new ones, and the stream trimmed
    # past everything the tablet has seen, so the server cannot replay the gap.
    bumped = await kitchen_api.post(f"/api/v1/tickets/{ticket_of(gone, 'grill')}/bump")
    assert bumped.status_code == 200, bumped.text
    missed = [await new_order(pos, shop, "burger"), await new_order(pos, shop, "burger")]
    await runtime.redis.xtrim(runtime.keys.events(shop["branch"]), maxlen=1, approximate=False)

    await cook.set_offline(False)
    expected = [ticket_of(o, "grill") for o in (kept, *missed)]
    for ticket in expected:
        await card(grill, ticket).wait_for(timeout=WAIT_MS)
    await card(grill, ticket_of(gone, "grill")).wait_for(state="detached", timeout=WAIT_MS)
    assert snapshots, "the page should have reloaded its snapshot on resync"
    after = await new_order(pos, shop, "burger")
    expected.append(ticket_of(after, "grill"))
    await card(grill, expected[-1]).wait_for(timeout=WAIT_MS)
    assert sorted(await ticket_ids(grill)) == sorted(expected)


async def test_a_rush_order_jumps_to_the_top_and_shows_its_flag(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
) -> None:
    grill = await open_screen(cook, live_server, "/kds/grill")
    first = await new_order(pos, shop, "burger")
    body = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"],
        "channel": "dine_in",
        "table_label": "T7",
        "lines": [{"product_id": shop["burger"], "qty": "2", "note": "no onions"}],
    }
    response = await pos.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    second = response.json()
    older, newer = ticket_of(first, "grill"), ticket_of(second, "grill")
    await card(grill, newer).wait_for(timeout=WAIT_MS)
    assert await ticket_ids(grill) == [older, newer]  # oldest first
    newer_card = card(grill, newer)
    assert await newer_card.locator(".table").inner_text() == "T7"
    assert await newer_card.locator(".item-note").inner_text() == "no onions"
    assert await newer_card.locator(".flag-rush").count() == 0

    rushed = await pos.post(f"/api/v1/orders/{second['id']}/rush", json={"rush": True})
    assert rushed.status_code == 200, rushed.text
    await newer_card.locator(".flag-rush").wait_for(timeout=WAIT_MS)
    assert await ticket_ids(grill) == [newer, older]


async def test_a_failed_bump_puts_the_ticket_back_and_says_why(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
) -> None:
    grill = await open_screen(cook, live_server, "/kds/grill")
    await enable_sound(grill)
    order = await new_order(pos, shop, "burger")
    ticket_id = ticket_of(order, "grill")
    ticket = card(grill, ticket_id)
    await ticket.wait_for(timeout=WAIT_MS)
    assert (await kitchen_api.post(f"/api/v1/tickets/{ticket_id}/start")).status_code == 200
    await ticket.locator('button[data-action="bump"]').wait_for(timeout=WAIT_MS)

    # The server fails the bump (a broken proxy, a restart): the optimistic removal must be undone.
    release = asyncio.Event()

    async def failing(route: Any) -> None:
        await release.wait()
        await route.fulfill(status=503, content_type="application/json", body='{"detail": "try again"}')

    await grill.route("**/api/v1/tickets/*/bump", failing)
    await ticket.locator('button[data-action="bump"]').click()
    await ticket.wait_for(state="detached", timeout=WAIT_MS)  # gone at once, before any answer
    release.set()
    await ticket.wait_for(state="visible", timeout=WAIT_MS)
    assert await ticket.get_attribute("data-state") == "started"
    toast = grill.locator(".toast[role=alert]")
    await toast.wait_for(state="visible", timeout=WAIT_MS)
    assert "try again" in await toast.inner_text()
    assert await order_state(kitchen_api, order["id"]) == "preparing"

    await grill.unroute("**/api/v1/tickets/*/bump")
    await ticket.locator('button[data-action="bump"]').click()
    await ticket.wait_for(state="detached", timeout=WAIT_MS)
    await wait_order_state(kitchen_api, order["id"], "ready")


async def test_recall_brings_a_bumped_ticket_back_once(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
) -> None:
    order = await new_order(pos, shop, "burger")
    ticket_id = ticket_of(order, "grill")
    # Bumped before the page was even opened: the page only knows it from the recent list.
    assert (await kitchen_api.post(f"/api/v1/tickets/{ticket_id}/bump")).status_code == 200
    grill = await open_screen(cook, live_server, "/kds/grill")
    await enable_sound(grill)
    assert await ticket_ids(grill) == []

    await grill.click("#recall-open")
    row = grill.locator(f'#recall-list li[data-ticket-id="{ticket_id}"]')
    await row.wait_for(timeout=WAIT_MS)
    await row.locator("button").click()
    await grill.locator("#recall-drawer").wait_for(state="hidden", timeout=WAIT_MS)
    ticket = card(grill, ticket_id)
    await ticket.wait_for(timeout=WAIT_MS)
    assert await ticket.get_attribute("data-state") == "started"
    assert await ticket.locator(".flag-recalled").count() == 1
    assert await ticket_ids(grill) == [ticket_id]


async def test_ticket_ages_turn_amber_then_red_at_the_station_thresholds(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
    runtime: Any,
) -> None:
    from sqlalchemy import update

    from app.db.models import Station

    # Thresholds of a second and two: the test watches the colours change rather than waiting minutes.
    async with runtime.sessionmaker() as session:
        await session.execute(
            update(Station).where(Station.code == "grill").values(warn_after_seconds=1, late_after_seconds=2)
        )
        await session.commit()
    grill = await open_screen(cook, live_server, "/kds/grill")
    order = await new_order(pos, shop, "burger")
    selector = f'#tickets [data-ticket-id="{ticket_of(order, "grill")}"]'
    await grill.locator(selector).wait_for(timeout=WAIT_MS)
    await grill.locator(f'{selector}[data-age="warn"]').wait_for(timeout=WAIT_MS)
    await grill.locator(f'{selector}[data-age="late"]').wait_for(timeout=WAIT_MS)
    assert (await grill.inner_text(f"{selector} .age")).startswith("0:0")


async def test_a_new_ticket_rings_the_chime_once_sound_is_on(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
) -> None:
    grill = await open_screen(cook, live_server, "/kds/grill")
    assert await grill.locator("#sound-overlay").is_visible()
    await enable_sound(grill)
    await grill.locator('#kds[data-sound="on"]').wait_for(timeout=WAIT_MS)
    order = await new_order(pos, shop, "burger")
    await card(grill, ticket_of(order, "grill")).wait_for(timeout=WAIT_MS)
    await grill.locator('#kds[data-chimes="1"]').wait_for(timeout=WAIT_MS)


# --------------------------------------------------------------------------- expo


async def test_expo_follows_stations_and_hands_over_or_says_why_not(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
) -> None:
    expo = await open_screen(cook, live_server, "/kds/expo")
    order = await new_order(pos, shop, "burger", "fries")
    box = expo.locator(f'[data-order-id="{order["id"]}"]')
    await box.wait_for(timeout=WAIT_MS)
    assert await box.get_attribute("data-state") == "received"
    assert await box.locator(".chip").count() == 2
    grill_chip = box.locator('.chip[data-station="grill"]')
    assert await grill_chip.get_attribute("data-state") == "queued"

    for station in ("grill", "fryer"):
        response = await kitchen_api.post(f"/api/v1/tickets/{ticket_of(order, station)}/bump")
        assert response.status_code == 200, response.text
    await expo.locator(f'#expo-ready [data-order-id="{order["id"]}"]').wait_for(timeout=WAIT_MS)
    assert await grill_chip.get_attribute("data-state") == "bumped"

    # Nobody has paid: the server refuses, and the screen says so in words a cook can act on.
    await box.locator('button[data-action="handover"]').click()
    message = box.locator(".order-msg-error")
    await message.wait_for(timeout=WAIT_MS)
    assert "Not paid yet" in await message.inner_text()
    assert await order_state(kitchen_api, order["id"]) == "ready"

    async with expo.expect_response(lambda r: r.url.endswith("/call")) as called:
        await box.locator('button[data-action="call"]').click()
    assert (await called.value).status == 200
    await box.locator(".order-msg-ok").wait_for(timeout=WAIT_MS)
    assert await box.locator(".order-msg-ok").inner_text() == f"Called #{order['token']} again"
    assert await expo.locator("[data-order-id]").count() == 1


# --------------------------------------------------------------------------- the pages themselves


async def test_kitchen_pages_need_a_session_and_pick_a_branch_when_there_are_several(
    live_server: LiveServer, factory: Factory
) -> None:
    one = await factory.branch(code="ONE", name="One")
    two = await factory.branch(code="TWO", name="Two")
    await factory.station(one, "grill")
    await factory.station(two, "grill")
    await factory.user("roamer", roles=("kitchen",), branches=(one, two))
    await factory.user("till", roles=("cashier",), branches=(one,))
    await factory.commit()
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        # Without a session the page is a paired tablet's (its script holds the device token, or pairs).
        response = await http.get(f"/kds/grill?branch={two.id}")
        assert response.status_code == 200
        assert 'data-session="0"' in response.text
        assert (await http.get("/kds/grill?branch=999")).status_code == 404
        unbranched = await http.get("/kds/grill")
        assert unbranched.status_code in (302, 303)
        assert unbranched.headers["location"] == "/pair?next=/kds/grill"

        await login(http, "roamer")
        picker = await http.get("/kds/grill")
        assert picker.status_code == 200
        assert f'href="/kds/grill?branch={one.id}"' in picker.text
        assert f'href="/kds/grill?branch={two.id}"' in picker.text
        board = await http.get(f"/kds/grill?branch={two.id}")
        assert board.status_code == 200
        assert f'data-branch-id="{two.id}"' in board.text and 'data-station="grill"' in board.text
        assert (await http.get("/kds/salad?branch=1")).status_code == 404
        assert (await http.get("/kds/grill?branch=999")).status_code == 404
        assert (await http.get("/kds/expo")).status_code == 200
        expo = await http.get(f"/kds/expo?branch={one.id}")
        assert expo.status_code == 200 and 'id="expo"' in expo.text
        index = await http.get("/kds")
        assert index.status_code == 200 and f'href="/kds/expo?branch={two.id}"' in index.text

    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await login(http, "till")
        assert (await http.get("/kds/grill")).status_code == 403


async def test_a_paired_station_tablet_works_without_a_session(
    live_server: LiveServer, shop: dict[str, Any], pos: httpx.AsyncClient, page: Any
) -> None:
    """A wall tablet opened with no session is sent to pair; once a manager approves it for the grill it
    shows the grill's tickets with its device token alone."""

    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as manager:
        # The shop fixture made no manager; the cashier's session is not enough to approve displays.
        await page.goto(f"{live_server.url}/kds/grill?branch={shop['branch']}")
        # No device token yet: the page's first API call is refused and the tablet goes to pair.
        await page.wait_for_url("**/pair?next=*", timeout=WAIT_MS)
        code = await wait_for_code(page)
        await login(manager, "boss")
        approved = await manager.post(
            "/api/v1/devices/approve",
            json={"code": code, "branch_id": shop["branch"], "role": "station", "station_code": "grill"},
        )
        assert approved.status_code == 200, approved.text
        await page.wait_for_url(f"**/kds/grill?branch={shop['branch']}", timeout=WAIT_MS)
        assert not [c for c in await page.context.cookies() if c["name"] == "passline_session"]
        await page.wait_for_selector('#conn[data-status="live"]', timeout=WAIT_MS)
        order = await new_order(pos, shop, "burger", "fries")
        await card(page, ticket_of(order, "grill")).wait_for(timeout=WAIT_MS)
        assert await card(page, ticket_of(order, "fryer")).count() == 0
        revoked = await manager.post(f"/api/v1/devices/{approved.json()['id']}/revoke")
        assert revoked.status_code == 200
        await page.wait_for_url("**/pair?next=*", timeout=WAIT_MS)
        await leave_pairing(page)


# --------------------------------------------------------------------------- both directions


@pytest.mark.parametrize("lang", ["ar", "en"])
async def test_the_station_reads_in_both_directions_and_says_late_in_words(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
    runtime: Any,
    lang: str,
) -> None:
    from sqlalchemy import update

    from app.db.models import Station

    async with runtime.sessionmaker() as session:
        await session.execute(
            update(Station).where(Station.code == "grill").values(warn_after_seconds=1, late_after_seconds=3)
        )
        await session.commit()
    first = await new_order(pos, shop, "burger")
    second = await new_order(pos, shop, "burger", "burger")
    grill = await open_screen(cook, live_server, f"/kds/grill?lang={lang}")
    await grill.set_viewport_size(DEVICES["tablet"])
    await grill.click("#sound-overlay")
    oldest = card(grill, ticket_of(first, "grill"))
    await oldest.wait_for(timeout=WAIT_MS)
    await card(grill, ticket_of(second, "grill")).wait_for(timeout=WAIT_MS)
    assert await grill.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert await grill.get_attribute("html", "data-theme") == "dark"
    # Oldest first, at the reader's starting side: the right in Arabic.
    a = await oldest.bounding_box()
    b = await card(grill, ticket_of(second, "grill")).bounding_box()
    assert (a["x"] > b["x"]) if lang == "ar" else (a["x"] < b["x"])
    await grill.locator(f'[data-ticket-id="{ticket_of(first, "grill")}"][data-age="late"]').wait_for(
        timeout=WAIT_MS
    )
    assert "null" not in await oldest.inner_text()
    word = await oldest.locator(".lateness").inner_text()
    assert word == {"ar": "متأخر", "en": "Late"}[lang]
    start = await oldest.locator("button[data-action='start']").inner_text()
    assert start == {"ar": "ابدأ", "en": "Start"}[lang]
    await assert_no_axe_violations(grill)
    await assert_nothing_overflows(grill)
    await assert_touch_targets(grill)
    await shoot(grill, f"ui-core/kds-{lang}-tablet")
    await grill.click("#recall-open")
    await grill.locator("#recall-status").filter(has_not_text="…").wait_for(timeout=WAIT_MS)
    await assert_no_axe_violations(grill)
    await shoot(grill, f"ui-core/kds-{lang}-tablet-recall")


async def test_the_expo_in_arabic_says_why_it_refuses_in_arabic(
    live_server: LiveServer,
    shop: dict[str, Any],
    pos: httpx.AsyncClient,
    kitchen_api: httpx.AsyncClient,
    cook: Cook,
) -> None:
    expo = await open_screen(cook, live_server, "/kds/expo?lang=ar")
    await expo.set_viewport_size(DEVICES["tablet"])
    ready = await new_order(pos, shop, "burger", "fries")
    cooking = await new_order(pos, shop, "burger")
    for station in ("grill", "fryer"):
        assert (
            await kitchen_api.post(f"/api/v1/tickets/{ticket_of(ready, station)}/bump")
        ).status_code == 200
    box = expo.locator(f'#expo-ready [data-order-id="{ready["id"]}"]')
    await box.wait_for(timeout=WAIT_MS)
    await expo.locator(f'[data-order-id="{cooking["id"]}"]').wait_for(timeout=WAIT_MS)
    assert await expo.get_attribute("html", "dir") == "rtl"
    assert await box.locator(".state-badge").inner_text() == "جاهز"
    await box.locator('button[data-action="handover"]').click()
    message = box.locator(".order-msg-error")
    await message.wait_for(timeout=WAIT_MS)
    assert "لم يُدفع بعد" in await message.inner_text()
    await assert_no_axe_violations(expo)
    await assert_nothing_overflows(expo)
    await assert_touch_targets(expo)
    await shoot(expo, "ui-core/expo-ar-tablet")

"""The courier's phone page (/courier) in headless Chromium against a real server: deliveries arrive live,
accept / delivered (cash prefilled) / returned (with a reason) work from big buttons, the cash of the day
follows, a courier never sees another courier's delivery, and the location share pings the board.

Orders are made and dispatched the way the board does it (`POST /api/v1/orders`, then the transition to
`out_for_delivery` with a courier and a settle mode); everything after that is done on the phone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.ui import assert_no_axe_violations, assert_nothing_overflows, assert_touch_targets, shoot
from tests.support.factory import Factory
from tests.support.kanban import WAIT_MS, Person, api_as, api_paths, make_shop, new_order, signed_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


# The board's shop: both pages are tested on the same data.
@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


@pytest.fixture
async def manager_api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with api_as(live_server, "mona") as http:
        yield http


@pytest.fixture
async def dispatch_ready(manager_api: httpx.AsyncClient) -> None:
    if "/api/v1/couriers/{courier_id}/deliveries" not in await api_paths(manager_api):
        pytest.skip("the dispatch backend (courier deliveries) is not there yet")


@pytest.fixture
async def rami(
    browser: Any,
    live_server: LiveServer,
    shop: dict[str, Any],
    dispatch_ready: None,
) -> AsyncIterator[Person]:
    person = await signed_in(
        browser,
        live_server,
        "rami",
        permissions=["geolocation"],
        geolocation={"latitude": 30.0444, "longitude": 31.2357, "accuracy": 12},
        **PHONE,
    )
    yield person
    await person.close()
    assert not person.errors, person.errors


async def dispatched(
    http: httpx.AsyncClient, shop: dict[str, Any], courier: str, settle_mode: str = "later"
) -> dict[str, Any]:
    order = await new_order(http, shop)
    response = await http.post(
        f"/api/v1/orders/{order['id']}/transitions",
        json={
            "to": "out_for_delivery",
            "expected_version": order["version"],
            "courier_id": shop[courier],
            "settle_mode": settle_mode,
        },
    )
    assert response.status_code == 200, response.text
    return order


def delivery_of(page: Any, order: dict[str, Any]) -> Any:
    return page.locator(f'.cr-delivery[data-order="{order["id"]}"]')


async def test_a_delivery_is_accepted_and_delivered_with_the_cash_prefilled(
    live_server: LiveServer,
    shop: dict[str, Any],
    rami: Person,
    manager_api: httpx.AsyncClient,
) -> None:
    earlier = await dispatched(manager_api, shop, "rami")
    phone = await rami.open(live_server, "/courier")
    # Already on the road before the page opened: in the snapshot.
    item = delivery_of(phone, earlier)
    await item.wait_for(timeout=WAIT_MS)
    assert await item.locator(".cr-badge").text_content() == "New"

    await item.get_by_role("button", name="Accept").click()
    await item.locator(".cr-badge-accepted").wait_for(timeout=WAIT_MS)
    delivery_id = await item.get_attribute("data-delivery")
    response = await manager_api.get(f"/api/v1/deliveries/{delivery_id}")
    assert response.json()["state"] == "accepted"

    await item.get_by_role("button", name="Delivered").click()
    cash = phone.locator("#cash-collected")
    await cash.wait_for(state="visible", timeout=WAIT_MS)
    assert await cash.input_value() == "77.00"
    await phone.get_by_role("button", name="Confirm delivered").click()
    await item.wait_for(state="detached", timeout=WAIT_MS)
    await phone.locator("#empty").wait_for(timeout=WAIT_MS)
    await phone.locator("#cash-in-hand", has_text="EGP 77.00").wait_for(timeout=WAIT_MS)

    response = await manager_api.get(f"/api/v1/deliveries/{delivery_id}")
    assert (response.json()["state"], response.json()["cash_collected"]) == ("delivered", "77.00")
    order = await manager_api.get(f"/api/v1/orders/{earlier['id']}")
    assert order.json()["state"] == "delivered"


async def test_a_wrong_amount_is_refused_on_the_phone_and_a_return_needs_a_reason(
    live_server: LiveServer,
    shop: dict[str, Any],
    rami: Person,
    manager_api: httpx.AsyncClient,
) -> None:
    phone = await rami.open(live_server, "/courier")
    await phone.locator("#empty").wait_for(timeout=WAIT_MS)
    order = await dispatched(manager_api, shop, "rami")
    item = delivery_of(phone, order)
    await item.wait_for(timeout=WAIT_MS)  # live, through /courier

    await item.get_by_role("button", name="Delivered").click()
    await phone.fill("#cash-collected", "-5")
    await phone.get_by_role("button", name="Confirm delivered").click()
    error = phone.locator("#delivered-error")
    await error.wait_for(state="visible", timeout=WAIT_MS)
    assert "amount" in (await error.inner_text()).lower()
    # What the page lets through, the server still judges: its 422 names the field, the dialog stays.
    # (Below the amount: above it the page first asks whether the extra is a tip.)
    await phone.fill("#cash-collected", "76.123")
    await phone.get_by_role("button", name="Confirm delivered").click()
    await error.filter(has_text="cash_collected").wait_for(timeout=WAIT_MS)
    await phone.get_by_role("button", name="Back").first.click()
    assert await item.is_visible()

    await item.get_by_role("button", name="Returned").click()
    await phone.get_by_role("button", name="Confirm returned").click()
    returned_error = phone.locator("#returned-error")
    await returned_error.wait_for(state="visible", timeout=WAIT_MS)
    assert "why" in (await returned_error.inner_text()).lower()
    await phone.select_option("#return-reason-pick", label="Customer not answering")
    await phone.get_by_role("button", name="Confirm returned").click()
    await item.wait_for(state="detached", timeout=WAIT_MS)

    # The phone drops the card on the live event, which can beat the journal's write of that event to
    # PostgreSQL (done before the phone's request is answered): wait for the history to have it.
    reasons: list[Any] = []
    for _ in range(50):
        response = await manager_api.get(f"/api/v1/orders/{order['id']}")
        assert response.json()["state"] == "returned"
        reasons = [
            e["data"].get("reason") for e in response.json()["events"] if e["type"] == "order.state_changed"
        ]
        if "Customer not answering" in reasons:
            break
        await asyncio.sleep(0.1)
    assert "Customer not answering" in reasons


async def test_a_courier_sees_only_their_own_deliveries(
    live_server: LiveServer,
    shop: dict[str, Any],
    rami: Person,
    manager_api: httpx.AsyncClient,
) -> None:
    phone = await rami.open(live_server, "/courier")
    await phone.locator("#empty").wait_for(timeout=WAIT_MS)
    for_sara = await dispatched(manager_api, shop, "sara")
    for_rami = await dispatched(manager_api, shop, "rami")
    # Stream order: had Sara's delivery reached this page, it would have come before Rami's.
    await delivery_of(phone, for_rami).wait_for(timeout=WAIT_MS)
    assert await delivery_of(phone, for_sara).count() == 0
    assert await phone.locator(".cr-delivery").count() == 1

    # And the API refuses another courier's delivery outright.
    sara_delivery = (await manager_api.get(f"/api/v1/couriers/{shop['sara']}/deliveries")).json()[0]["id"]
    response = await phone.request.get(f"{live_server.url}/api/v1/deliveries/{sara_delivery}")
    assert response.status == 404


async def test_the_location_share_pings_the_board_only_when_switched_on(
    live_server: LiveServer,
    shop: dict[str, Any],
    rami: Person,
    manager_api: httpx.AsyncClient,
) -> None:
    if "/api/v1/couriers/me/location" not in await api_paths(manager_api):
        pytest.skip("courier locations are not there yet")
    phone = await rami.open(live_server, "/courier")
    locations = await manager_api.get(f"/api/v1/couriers/locations?branch_id={shop['branch']}")
    assert locations.json()["couriers"] == []

    await phone.click("#location-toggle")
    await phone.locator("#location-status", has_text="sent at").wait_for(timeout=WAIT_MS)
    locations = await manager_api.get(f"/api/v1/couriers/locations?branch_id={shop['branch']}")
    [spot] = locations.json()["couriers"]
    assert (spot["courier_id"], spot["lat"], spot["lng"]) == (shop["rami"], 30.0444, 31.2357)

    await phone.click("#location-toggle")
    assert await phone.locator("#location-toggle").get_attribute("aria-pressed") == "false"
    assert await phone.locator("#location-status").inner_text() == "Off."


async def test_the_page_is_for_couriers(
    browser: Any,
    live_server: LiveServer,
    shop: dict[str, Any],
) -> None:
    cashier = await signed_in(browser, live_server, "cashier")
    try:
        page = await cashier.context.new_page()
        response = await page.goto(f"{live_server.url}/courier")
        assert response is not None and response.status == 403
        assert "for couriers" in await page.inner_text(".problem")
        anonymous = await cashier.context.browser.new_context()
        try:
            away = await anonymous.new_page()
            await away.goto(f"{live_server.url}/courier")
            assert away.url == f"{live_server.url}/login?next=%2Fcourier"
        finally:
            await anonymous.close()
    finally:
        await cashier.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_phone_reads_well_in_both_directions(
    live_server: LiveServer,
    shop: dict[str, Any],
    rami: Person,
    manager_api: httpx.AsyncClient,
    lang: str,
) -> None:
    """At 390x844 in English and in Arabic (right to left): 0 serious/critical axe findings, nothing spills
    out of its box, every control at least 44 px, amounts isolated so "EGP 77.00" stays whole."""
    first = await dispatched(manager_api, shop, "rami")
    await dispatched(manager_api, shop, "rami")
    phone = await rami.open(live_server, f"/courier?lang={lang}")
    item = delivery_of(phone, first)
    await item.wait_for(timeout=WAIT_MS)
    await phone.locator("#cash-in-hand").filter(has_not_text="—").wait_for(timeout=WAIT_MS)
    assert await phone.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    words = {"en": ("New", "Accept", "Nothing to collect"), "ar": ("جديد", "قبول", "لا شيء للتحصيل")}[lang]
    assert await item.locator(".cr-badge").text_content() == words[0]
    await item.get_by_role("button", name=words[1]).wait_for(timeout=WAIT_MS)
    collect = await item.locator(".cr-collect").text_content()
    assert "77.00" in collect and "\u2068" in collect  # the amount is bidi-isolated
    if lang == "ar":
        # The card's coloured edge is on the right, where an Arabic reader starts.
        edge = await item.evaluate("el => getComputedStyle(el).borderRightWidth")
        assert edge == "6px"
    await assert_no_axe_violations(phone)
    await assert_nothing_overflows(phone)
    await assert_touch_targets(phone)
    await shoot(phone, f"ui-core/courier-{lang}-phone")
    await item.get_by_role("button", name={"en": "Delivered", "ar": "تم التوصيل"}[lang]).click()
    await phone.locator("#cash-collected").wait_for(state="visible", timeout=WAIT_MS)
    await phone.fill("#cash-collected", "80")
    await phone.locator("#extra-choice").wait_for(state="visible", timeout=WAIT_MS)
    await assert_no_axe_violations(phone)
    await assert_touch_targets(phone)
    await shoot(phone, f"ui-core/courier-{lang}-phone-delivered")

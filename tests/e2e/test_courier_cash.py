"""The courier's phone at its own size: cash above the amount to collect asks tip or payment and a typing
slip is refused by the server with the field named; a short collection says so; "cash in hand" and "you
hold" are the same figure after every delivery."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.factory import Factory
from tests.support.kanban import WAIT_MS, Person, api_as, make_shop, new_order, signed_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


@pytest.fixture
async def manager_api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with api_as(live_server, "mona") as http:
        yield http


@pytest.fixture
async def rami(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Person]:
    person = await signed_in(browser, live_server, "rami", **PHONE)
    yield person
    await person.close()
    assert not person.errors, person.errors


async def dispatched(http: httpx.AsyncClient, shop: dict[str, Any]) -> dict[str, Any]:
    order = await new_order(http, shop)
    response = await http.post(
        f"/api/v1/orders/{order['id']}/transitions",
        json={"to": "out_for_delivery", "courier_id": shop["rami"], "settle_mode": "later"},
    )
    assert response.status_code == 200, response.text
    return order


async def agree(phone: Any, amount: str) -> None:
    """Both places the phone shows the branch's cash say `amount`."""
    await phone.locator("#cash-in-hand", has_text=f"EGP {amount}").wait_for(timeout=WAIT_MS)
    await phone.locator(
        "#cash-balance", has_text=re.compile(f"You hold .?EGP.{re.escape(amount)}.? for the branch")
    ).wait_for(timeout=WAIT_MS)


async def test_extra_cash_needs_a_choice_a_slip_is_refused_and_short_cash_says_so(
    live_server: LiveServer, shop: dict[str, Any], rami: Person, manager_api: httpx.AsyncClient
) -> None:
    first = await dispatched(manager_api, shop)
    second = await dispatched(manager_api, shop)
    phone = await rami.open(live_server, "/courier")
    item = phone.locator(f'.cr-delivery[data-order="{first["id"]}"]')
    await item.wait_for(timeout=WAIT_MS)
    await phone.locator("#to-collect", has_text="EGP 154.00").wait_for(timeout=WAIT_MS)
    await phone.locator("#cash-in-hand", has_text="EGP 0.00").wait_for(timeout=WAIT_MS)

    await item.get_by_role("button", name="Delivered").click()
    await phone.fill("#cash-collected", "99999")
    choice = phone.locator("#extra-choice")
    await choice.wait_for(state="visible", timeout=WAIT_MS)
    await phone.get_by_role("button", name="Confirm delivered").click()
    error = phone.locator("#delivered-error")
    await error.filter(has_text="tip or paid to the shop").wait_for(timeout=WAIT_MS)
    await choice.get_by_text("A tip").click()
    await phone.screenshot(path="/tmp/money-shots/courier-extra-choice.png")
    await phone.get_by_role("button", name="Confirm delivered").click()
    # The server's cap, with the field named: 77.00 to collect plus a tip up to the order's 77.00.
    await error.filter(has_text="cash_collected").filter(has_text="at most 154.00").wait_for(timeout=WAIT_MS)

    await phone.fill("#cash-collected", "90")
    await choice.get_by_text("A tip").click()
    await phone.get_by_role("button", name="Confirm delivered").click()
    await item.wait_for(state="detached", timeout=WAIT_MS)
    await agree(phone, "77.00")
    await phone.locator("#tips-today", has_text="EGP 13.00").wait_for(timeout=WAIT_MS)

    other = phone.locator(f'.cr-delivery[data-order="{second["id"]}"]')
    await other.get_by_role("button", name="Delivered").click()
    await phone.fill("#cash-collected", "70")
    short = phone.locator("#short-note")
    await short.filter(has_text=re.compile("Short by .?EGP.7.00")).wait_for(timeout=WAIT_MS)
    assert await choice.is_hidden()
    await phone.screenshot(path="/tmp/money-shots/courier-short.png")
    await phone.get_by_role("button", name="Confirm delivered").click()
    await other.wait_for(state="detached", timeout=WAIT_MS)
    await agree(phone, "147.00")
    await phone.locator("#to-collect", has_text="EGP 0.00").wait_for(timeout=WAIT_MS)
    await phone.screenshot(path="/tmp/money-shots/courier-cash.png", full_page=True)

    order = (await manager_api.get(f"/api/v1/orders/{second['id']}")).json()
    assert (order["payment_status"], order["balance"]) == ("partially_paid", "7.00")
    balance = (await manager_api.get(f"/api/v1/couriers/{shop['rami']}/balance")).json()
    assert (balance["cash_in_hand"], balance["owes_branch"], balance["tips_today"]) == (
        "147.00",
        "147.00",
        "13.00",
    )

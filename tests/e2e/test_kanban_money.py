"""Money from the board, in headless Chromium at the manager's tablet size: a paid order cancelled with
"Refund the payment" gives the money back (the till's drawer pays the cash out, the card turns
"Refunded" live), and a partial refund keeps the rest."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.factory import Factory
from tests.support.kanban import WAIT_MS, Person, api_as, card, in_column, make_shop, signed_in
from tests.support.live import LiveServer
from tests.support.payments import pos_profile

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}


class _Branch:
    def __init__(self, branch_id: int) -> None:
        self.id = branch_id


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    shop = await make_shop(factory)
    shop["till"] = (await pos_profile(factory, _Branch(shop["branch"]), code="front")).id
    return shop


@pytest.fixture
async def manager(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Person]:
    person = await signed_in(browser, live_server, "mona", **TABLET)
    yield person
    await person.close()
    assert not person.errors, person.errors


@pytest.fixture
async def cashier_api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with api_as(live_server, "cashier") as http:
        yield http


async def till_sale(http: httpx.AsyncClient, shop: dict[str, Any], shift_id: str) -> dict[str, Any]:
    """One burger (57.00) rung up on the till in the open shift and paid in cash, as the POS does it."""
    body = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"],
        "channel": "counter",
        "pos_profile_id": shop["till"],
        "shift_id": shift_id,
        "lines": [{"product_id": shop["burger"], "qty": "1"}],
    }
    made = await http.post("/api/v1/orders", json=body)
    assert made.status_code == 201, made.text
    paid = await http.post(
        f"/api/v1/orders/{body['id']}/payments",
        json={"id": str(uuid.uuid4()), "method": "cash", "amount": "57.00", "tendered": "60.00"},
    )
    assert paid.status_code == 201, paid.text
    return dict(made.json())


async def open_shift(http: httpx.AsyncClient, shop: dict[str, Any]) -> str:
    opened = await http.post(
        "/api/v1/shifts",
        json={"id": str(uuid.uuid4()), "pos_profile_id": shop["till"], "opening_cash": "100.00"},
    )
    assert opened.status_code == 201, opened.text
    return str(opened.json()["id"])


async def cancel_from_menu(
    page: Any, order_id: str, reason: str, *, amount: str | None = None, shot: str | None = None
) -> None:
    await card(page, order_id).locator(".kb-more").click()
    menu = page.locator("#card-menu")
    await menu.wait_for(state="visible", timeout=WAIT_MS)
    await menu.get_by_role("menuitem", name="Cancel order…").click()
    dialog = page.locator("#reason")
    await dialog.wait_for(state="visible", timeout=WAIT_MS)
    await dialog.locator("#reason-summary", has_text=re.compile("Paid \u2068EGP\\s57\\.00")).wait_for(
        timeout=WAIT_MS
    )
    await dialog.locator("#reason-text").fill(reason)
    await dialog.locator("#reason-refund").check()
    given = dialog.locator("#reason-refund-amount")
    await given.wait_for(state="visible", timeout=WAIT_MS)
    assert await given.input_value() == "57.00"
    if amount is not None:
        await given.fill(amount)
    if shot:
        await page.screenshot(path=shot)
    await dialog.locator("#reason-confirm").click()


async def test_cancel_with_refund_gives_the_cash_back_from_the_drawer(
    live_server: LiveServer,
    shop: dict[str, Any],
    manager: Person,
    cashier_api: httpx.AsyncClient,
) -> None:
    shift_id = await open_shift(cashier_api, shop)
    order = await till_sale(cashier_api, shop, shift_id)
    summary = (await cashier_api.get(f"/api/v1/shifts/{shift_id}/summary")).json()
    assert summary["cash"]["expected"] == "157.00"

    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)
    await cancel_from_menu(
        page, order["id"], "Customer walked out", shot="/tmp/money-shots/kanban-cancel-dialog.png"
    )

    await page.locator(
        "#toast",
        has_text=re.compile(
            "\u2068EGP\\s57\\.00\u2069 refunded \\(cash \u206857\\.00\u2069 from the till's drawer\\)"
        ),
    ).wait_for(timeout=WAIT_MS)
    done = page.locator(f'#done-list .kb-card[data-id="{order["id"]}"]')
    await done.locator(".kb-pay-refunded").wait_for(state="attached", timeout=WAIT_MS)
    await page.screenshot(path="/tmp/money-shots/kanban-cancel-refund.png")

    now = (await cashier_api.get(f"/api/v1/orders/{order['id']}")).json()
    assert (now["state"], now["payment_status"], now["paid_total"]) == ("cancelled", "refunded", "0.00")
    summary = (await cashier_api.get(f"/api/v1/shifts/{shift_id}/summary")).json()
    assert (summary["cash"]["refunded"], summary["cash"]["expected"]) == ("57.00", "100.00")


async def test_a_partial_refund_keeps_the_rest(
    live_server: LiveServer,
    shop: dict[str, Any],
    manager: Person,
    cashier_api: httpx.AsyncClient,
) -> None:
    shift_id = await open_shift(cashier_api, shop)
    order = await till_sale(cashier_api, shop, shift_id)
    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)
    await page.screenshot(path="/tmp/money-shots/kanban-board.png")
    # Above what was paid: the server's 422 comes back and nothing moves.
    await cancel_from_menu(page, order["id"], "Late, keep a fee", amount="99.00")
    await page.locator("#toast", has_text="refund_amount").wait_for(timeout=WAIT_MS)
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)

    await cancel_from_menu(page, order["id"], "Late, keep a fee", amount="40.00")
    await page.locator("#toast", has_text=re.compile("\u2068EGP\\s40\\.00\u2069 refunded")).wait_for(
        timeout=WAIT_MS
    )
    now = (await cashier_api.get(f"/api/v1/orders/{order['id']}")).json()
    assert (now["state"], now["payment_status"], now["paid_total"]) == (
        "cancelled",
        "partially_paid",
        "17.00",
    )

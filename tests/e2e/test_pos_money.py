"""The till's money beyond a paid sale, in headless Chromium at the tablet's size: a delivery sent to the
kitchen unpaid as cash on delivery (the courier then collects it), a counter order paid later (managers
only), and the success screen's receipt turning from the pro-forma into the invoice, with the token, the
moment the worker issues it."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from app.invoices.services import issue_for_order
from tests.e2e.ui import plain, text_of
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="PM", name="Money Till")
    await factory.station(branch, "grill")
    # 50.00 + 14 % tax on top = 57.00 a burger; a delivery adds 20.00.
    burger = await factory.product("Burger", price="50.00", station="grill")
    territory = await factory.territory(delivery_charge="20.00", courier_fee="15.00")
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("boss", roles=("manager",), branches=(branch,))
    rider = await factory.user("rider", roles=("courier",), branches=(branch,))
    courier = await factory.courier(branch, user=rider, name="Rida Rider")
    await factory.customer("Dina Delivery", phone="+201005550123")
    await factory.commit()
    return {"branch": branch.id, "burger": burger.id, "territory": territory.id, "courier": courier.id}


@asynccontextmanager
async def till_as(
    browser: Any, server: LiveServer, username: str
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """Someone's tablet on /pos, ready to sell, and their API client; fails on any script error."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, username)
        context = await browser.new_context(**TABLET)
        await context.add_cookies(
            [
                {"name": name, "value": value, "url": server.url}
                for name, value in http.cookies.items()
                if name in ("passline_session", "passline_csrf")
            ]
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            await page.goto(f"{server.url}/pos")
            await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
            await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
            yield page, http
        finally:
            await context.close()
        assert not errors, errors


async def add_burger(page: Any) -> None:
    await page.locator('.pos-product[data-product-id]:has-text("Burger")').click()


async def the_order(http: httpx.AsyncClient, page: Any) -> dict[str, Any]:
    order_id = await page.locator("#success").get_attribute("data-order-id")
    response = await http.get(f"/api/v1/orders/{order_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_delivery_goes_to_the_kitchen_as_cash_on_delivery(
    browser: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    async with till_as(browser, live_server, "cashier") as (page, http):
        await add_burger(page)
        await page.click("#customer-button")
        await page.fill("#customer-q", "Dina")
        await page.locator("#customer-results button", has_text="Dina Delivery").click()
        await page.select_option("#channel", "delivery")
        await page.fill("#address", "5 Tahrir Sq, Flat 2")
        await page.select_option("#territory", str(shop["territory"]))
        await page.locator("#t-total", has_text="77.00").wait_for(timeout=WAIT_MS)
        await page.click("#checkout")
        # A cashier gets cash on delivery for a delivery, and no "pay later".
        await page.locator("#pay-cod").wait_for(state="visible", timeout=WAIT_MS)
        assert await page.locator("#pay-later").is_hidden()
        await page.screenshot(path="/tmp/money-shots/pos-cod-dialog.png")
        await page.click("#pay-cod")

        success = page.locator("#success")
        await success.wait_for(state="visible", timeout=WAIT_MS)
        assert await text_of(page, "#success-title") == "Sent to the kitchen · cash on delivery"
        assert await text_of(page, "#s-due-label") == "Courier collects"
        assert "77.00" in await text_of(page, "#s-due")
        assert await page.locator("#s-receipt").get_attribute("data-kind") == "proforma"
        await page.screenshot(path="/tmp/money-shots/pos-cod-success.png")
        order = await the_order(http, page)
        assert (order["channel"], order["payment_status"], order["state"]) == (
            "delivery",
            "unpaid",
            "received",
        )

    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as boss:
        await login(boss, "boss")
        preview = await boss.get(
            f"/api/v1/orders/{order['id']}/settlement-preview",
            params={"courier_id": shop["courier"], "settle_mode": "later"},
        )
        assert preview.json()["amount_to_collect"] == "77.00"


async def test_pay_later_is_a_managers_choice_on_a_counter_order(
    browser: Any, live_server: LiveServer, shop: dict[str, Any]
) -> None:
    async with till_as(browser, live_server, "cashier") as (page, _):
        await add_burger(page)
        await page.click("#checkout")
        await page.locator("#pay").wait_for(state="visible", timeout=WAIT_MS)
        assert await page.locator("#pay-unpaid").is_hidden()
    async with till_as(browser, live_server, "boss") as (page, http):
        await add_burger(page)
        await page.click("#checkout")
        await page.locator("#pay-later").wait_for(state="visible", timeout=WAIT_MS)
        assert await page.locator("#pay-cod").is_hidden()
        await page.click("#pay-later")
        await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
        assert await text_of(page, "#success-title") == "Sent to the kitchen · to be paid later"
        assert "57.00" in await text_of(page, "#s-due")
        order = await the_order(http, page)
        assert (order["channel"], order["payment_status"]) == ("counter", "unpaid")


async def test_the_success_screen_shows_the_invoice_receipt_with_the_token_once_issued(
    browser: Any, live_server: LiveServer, shop: dict[str, Any], runtime: Any
) -> None:
    async with till_as(browser, live_server, "cashier") as (page, http):
        await add_burger(page)
        await page.click("#checkout")
        await page.locator('#pay-methods [data-method="cash"]').click()
        await page.fill("#pay-amount", "57.00")
        await page.fill("#pay-tendered", "60.00")
        await page.click("#pay-add")
        await page.click("#pay-confirm")
        await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
        receipt = page.locator("#s-receipt")
        assert await receipt.get_attribute("data-kind") == "proforma"
        # The success screen shows the order's reference, `#` and its token.
        ref = await text_of(page, "#s-token")
        assert re.fullmatch(r"#\d+", ref), ref
        token = ref.removeprefix("#")
        order = await the_order(http, page)
        assert order["payment_status"] == "paid"

        # The worker's job, run here: the screen hears `invoice.issued` and swaps the receipt.
        async with runtime.sessionmaker() as session:
            issued = await issue_for_order(
                session, runtime.redis, runtime.keys, runtime.bus, order_id=uuid.UUID(order["id"])
            )
        assert issued.outcome == "issued"
        await page.locator('#s-receipt[data-kind="invoice"]').wait_for(timeout=WAIT_MS)
        assert plain(await receipt.inner_text()) == f"Receipt · invoice {issued.number_text}"
        await page.screenshot(path="/tmp/money-shots/pos-success-invoice.png")
        async with page.expect_popup(timeout=WAIT_MS) as popup_info:
            await receipt.click()
        popup = await popup_info.value
        await popup.wait_for_load_state()
        assert popup.url.endswith(f"/api/v1/invoices/{issued.invoice_id}/receipt")
        body = plain(await popup.locator("body").inner_text())
        assert issued.number_text in body and "PRO-FORMA" not in body
        assert plain(await popup.locator("[data-token]").inner_text()) == token

"""The board card's "Invoice / receipt" action (issue 6): the pro-forma while the order has no invoice, the
invoice's receipt once issued, each in a print window that prints."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.invoices.services import issue_for_order
from tests.support.factory import Factory
from tests.support.kanban import WAIT_MS, Person, api_as, card, in_column, make_shop, new_order, signed_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

# Every page of the context, popups included, counts its print() calls instead of opening a dialog.
STUB_PRINT = "window.__printed = 0; window.print = () => { window.__printed += 1; };"


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
    await person.context.add_init_script(STUB_PRINT)
    yield person
    await person.close()
    assert not person.errors, person.errors


async def open_receipt(page: Any, order_id: str) -> Any:
    await card(page, order_id).locator(".kb-more").click()
    menu = page.locator("#card-menu")
    await menu.wait_for(state="visible", timeout=WAIT_MS)
    async with page.expect_popup(timeout=WAIT_MS) as popup_info:
        await menu.get_by_role("menuitem", name="Invoice / receipt").click()
    popup = await popup_info.value
    await popup.wait_for_function("() => window.__printed === 1", timeout=WAIT_MS)
    return popup


async def test_the_card_prints_the_pro_forma_then_the_invoice(
    live_server: LiveServer,
    shop: dict[str, Any],
    manager: Person,
    manager_api: httpx.AsyncClient,
    runtime: Any,
) -> None:
    order = await new_order(manager_api, shop)
    page = await manager.open(live_server, "/kanban")
    await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)

    popup = await open_receipt(page, order["id"])
    assert popup.url.endswith(f"/api/v1/orders/{order['id']}/receipt")
    assert "PRO-FORMA — not an invoice" in (await popup.locator("body").text_content() or "")
    await popup.close()

    # Paid in full (as the payments part records it), then invoiced by the job's own function.
    order_id = uuid.UUID(order["id"])
    async with runtime.sessionmaker() as session:
        await session.execute(
            text("UPDATE orders SET payment_status = 'paid', paid_total = total WHERE id = :id"),
            {"id": order_id},
        )
        await session.commit()
    async with runtime.sessionmaker() as session:
        issued = await issue_for_order(session, runtime.redis, runtime.keys, runtime.bus, order_id=order_id)
    assert issued.outcome == "issued"

    popup = await open_receipt(page, order["id"])
    assert popup.url.endswith(f"/api/v1/invoices/{issued.invoice_id}/receipt")
    body = await popup.locator("body").text_content() or ""
    assert issued.number_text in body
    assert "PRO-FORMA" not in body
    await popup.close()

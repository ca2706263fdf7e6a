"""Contexts in the browser, driven in Chromium: on /inventory in Arabic the stock words that read
differently elsewhere ("Record" the action, "What" kind of movement, "Low"/"OK" stock level) show their
own Arabic, taken by `tp()` from the page's catalog; the queue counter page's title (`pgettext` in the
template) is the service window, not the walk-in channel. Screenshots go to /tmp/shots/i18n-ctx/."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.db.models import Product
from tests.e2e.ui import TABLET, assert_no_axe_violations, assert_nothing_overflows, shoot
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 10_000


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    main = await factory.branch(code="CTX", name="Garden City")
    cola = await factory.product("Cola", price="15.00", station="drinks")
    await factory.session.execute(
        update(Product).where(Product.id == cola.id).values(barcode="5449000000996")
    )
    await factory.user("mona", roles=("manager",), branches=(main,))
    await factory.commit()
    return {"main": main.id}


async def signed_in_tablet(browser: Any, server: LiveServer, username: str) -> tuple[Any, Any, list[str]]:
    context = await browser.new_context(viewport=TABLET, has_touch=True)
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, username)
        await context.add_cookies(
            [{"name": k, "value": v, "url": server.url} for k, v in http.cookies.items()]
        )
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return context, page, problems


async def test_stock_words_with_a_context_read_their_own_arabic(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    context, page, problems = await signed_in_tablet(browser, live_server, "mona")
    try:
        await page.goto(f"{live_server.url}/inventory?lang=ar")
        await page.get_by_text("لم يُسجل مخزون في هذا الفرع بعد.").wait_for(timeout=WAIT_MS)
        # The catalog the page received keys a context as gettext does.
        catalog = await page.evaluate("JSON.parse(document.getElementById('page-data').textContent).catalog")
        assert catalog["messages"]["stock level\u0004Low"] == "منخفض"
        await page.get_by_role("button", name="إضافة مخزون").click()
        await page.get_by_placeholder("اكتب اسمًا أو امسح").fill("5449000000996")
        await page.get_by_placeholder("اكتب اسمًا أو امسح").press("Enter")
        await page.locator(".inv-detail p strong", has_text="Cola").wait_for(timeout=WAIT_MS)
        await page.get_by_label("الكمية").fill("24")
        await page.get_by_label("تكلفة الوحدة").fill("2.50")
        # "Record" here is the action (تسجيل), not the audit log's noun (السجل).
        await page.get_by_role("button", name="تسجيل", exact=True).click()
        await page.get_by_role("heading", name="Cola").wait_for(timeout=WAIT_MS)
        # "What" here is the kind of movement (النوع), not a ledger's description (البيان).
        await page.get_by_label("النوع", exact=True).select_option("waste")
        await page.locator(".inv-detail [name=qty]").fill("2")
        await page.locator(".inv-detail [name=reason]").fill("كسر")
        await page.get_by_role("button", name="تسجيل", exact=True).click()
        await page.locator(".inv-detail table").get_by_role("cell", name="هالك").wait_for(timeout=WAIT_MS)
        await page.locator(".badge-ok", has_text="كافٍ").wait_for(timeout=WAIT_MS)
        await page.locator(".inv-detail [name=reorder_point]").fill("30")
        await page.locator(".inv-detail [name=par_level]").fill("48")
        await page.get_by_role("button", name="حفظ المستويات").click()
        await page.locator(".badge-warn", has_text="منخفض").wait_for(timeout=WAIT_MS)
        assert await page.locator(".badge-warn", has_text="Low").count() == 0
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await shoot(page, "i18n-ctx/inventory-stock-ar")
    finally:
        await context.close()
    assert problems == [], problems


async def test_the_queue_counter_title_is_the_service_window(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    context, page, problems = await signed_in_tablet(browser, live_server, "mona")
    try:
        await page.goto(f"{live_server.url}/queue/{shop['main']}/counter?lang=ar")
        assert (await page.title()).startswith("الشباك")
        await page.goto(f"{live_server.url}/queue/{shop['main']}/counter?lang=en")
        assert (await page.title()).startswith("Counter")
    finally:
        await context.close()
    assert problems == [], problems

"""The reports in Chromium at tablet size: the dashboard draws its charts (lines, the previous period, the
heat map) without a console error, and the sales page splits (donut, stacked bars), compares and exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.ui import assert_no_axe_violations, assert_nothing_overflows, assert_touch_targets
from tests.integration.reports.shop import make_shop
from tests.support.factory import Factory
from tests.support.kanban import signed_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser
WAIT_MS = 20_000
SHOTS = Path("/tmp/shots/h-reports")
SHOTS.mkdir(parents=True, exist_ok=True)
TABLET = {"viewport": {"width": 1280, "height": 800}}


def watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    return problems


async def test_the_dashboard_draws_its_charts_without_console_errors(
    live_server: LiveServer, factory: Factory, db_session: Any, browser: Any
) -> None:
    shop = await make_shop(factory, db_session, days=60, per_day=40)
    person = await signed_in(browser, live_server, "boss", **TABLET)
    try:
        page = await person.context.new_page()
        problems = watch(page)
        await page.goto(f"{live_server.url}/reports?branch_id={shop.inclusive.id}")
        await page.locator('body[data-loaded="true"]').wait_for(timeout=WAIT_MS)
        cards = page.locator(".rp-card")
        assert await cards.count() >= 5
        # History ends yesterday: today's channel and product cards say so; the rest are charts (line,
        # line with the previous period, heat map).
        for name in ("today_by_hour", "last_28_days", "week_shape"):
            await page.locator(f'.rp-card[data-table="{name}"] canvas').first.wait_for(timeout=WAIT_MS)
        assert await page.locator('.rp-card[data-table="channels_today"] .empty').count() == 1
        assert await page.locator(".rp-figure").count() == 4
        await page.screenshot(path=str(SHOTS / "dashboard-1280x800.png"), full_page=True)
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await assert_touch_targets(page)
        assert problems == []
    finally:
        await person.context.close()


async def test_the_sales_page_splits_compares_and_exports(
    live_server: LiveServer, factory: Factory, db_session: Any, browser: Any
) -> None:
    shop = await make_shop(factory, db_session, days=40, per_day=30)
    person = await signed_in(browser, live_server, "boss", **TABLET)
    try:
        page = await person.context.new_page()
        problems = watch(page)
        await page.goto(f"{live_server.url}/reports/sales?branch_id={shop.inclusive.id}")
        await page.locator('body[data-loaded="true"]').wait_for(timeout=WAIT_MS)
        await page.evaluate("document.body.dataset.loaded = ''")
        await page.select_option("#by", "channel")
        await page.locator('body[data-loaded="true"]').wait_for(timeout=WAIT_MS)
        await page.locator('.rp-card[data-table="by_channel"] canvas').first.wait_for(timeout=WAIT_MS)
        await page.evaluate("document.body.dataset.loaded = ''")
        await page.check("#compare")
        await page.locator('body[data-loaded="true"]').wait_for(timeout=WAIT_MS)
        assert "compare=true" in page.url and "by=channel" in page.url
        assert await page.locator(".rp-figure .badge").count() >= 4
        await page.locator('.rp-card[data-table="by_channel"] summary').click()
        assert await page.locator('.rp-card[data-table="by_channel"] tbody tr').count() >= 3
        async with page.expect_download() as download:
            await page.locator("#xlsx").click()
        assert (await download.value).suggested_filename.endswith(".xlsx")
        await page.screenshot(path=str(SHOTS / "sales-1280x800.png"), full_page=True)
        assert problems == []
    finally:
        await person.context.close()


async def test_the_reports_read_right_to_left_in_arabic_on_a_phone(
    live_server: LiveServer, factory: Factory, db_session: Any, browser: Any
) -> None:
    from sqlalchemy import text

    shop = await make_shop(factory, db_session, days=30, per_day=20)
    await db_session.execute(text("UPDATE users SET language = 'ar' WHERE username = 'boss'"))
    await db_session.commit()
    person = await signed_in(browser, live_server, "boss", viewport={"width": 390, "height": 844})
    try:
        page = await person.context.new_page()
        problems = watch(page)
        await page.goto(f"{live_server.url}/reports/kitchen?branch_id={shop.inclusive.id}")
        await page.locator('body[data-loaded="true"]').wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == "rtl"
        assert await page.locator(".rp-tabs a[aria-current=page]").inner_text() == "المطبخ"
        await page.locator('.rp-card[data-table="stations"] canvas').first.wait_for(timeout=WAIT_MS)
        await page.screenshot(path=str(SHOTS / "kitchen-ar-390x844.png"), full_page=True)
        await assert_nothing_overflows(page)
        assert problems == []
    finally:
        await person.context.close()

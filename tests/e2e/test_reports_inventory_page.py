"""The inventory report in Chromium at tablet size, in English and in Arabic (right to left): every table
with rows draws its chart, nothing logs a console error, overflows or fails axe; the home page links it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.e2e.ui import assert_no_axe_violations, assert_nothing_overflows, assert_touch_targets
from tests.integration.reports.shop import make_shop
from tests.support.factory import Factory
from tests.support.kanban import signed_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser
WAIT_MS = 20_000
SHOTS = Path("/tmp/shots/reports-inv")
SHOTS.mkdir(parents=True, exist_ok=True)
TABLET = {"viewport": {"width": 1280, "height": 800}}
CHARTED = ("stock_by_category", "movements", "daily", "margin_categories", "margin_products", "turnover")


def watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    return problems


async def _shop(factory: Factory, db_session: Any) -> Any:
    from app.reports.inventory_history import seed_inventory_history

    shop = await make_shop(factory, db_session, days=30, per_day=25)
    await db_session.execute(
        text("INSERT INTO pos_profiles (branch_id, code, name) SELECT id, 'till-1', 'Till 1' FROM branches")
    )
    await seed_inventory_history(db_session)
    return shop


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_the_inventory_report_draws_every_chart(
    live_server: LiveServer, factory: Factory, db_session: Any, browser: Any, language: str
) -> None:
    shop = await _shop(factory, db_session)
    await db_session.execute(text("UPDATE users SET language = :l WHERE username = 'boss'"), {"l": language})
    await db_session.commit()
    person = await signed_in(browser, live_server, "boss", **TABLET)
    try:
        page = await person.context.new_page()
        problems = watch(page)
        await page.goto(f"{live_server.url}/")
        assert await page.locator('#screens a[href="/reports/inventory"]').count() == 1
        await page.goto(f"{live_server.url}/reports/inventory?branch_id={shop.inclusive.id}")
        await page.locator('body[data-loaded="true"]').wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
        current = await page.locator(".rp-tabs a[aria-current=page]").inner_text()
        assert current == ("المخزون" if language == "ar" else "Inventory")
        for name in CHARTED:
            await page.locator(f'.rp-card[data-table="{name}"] canvas').first.wait_for(timeout=WAIT_MS)
        assert await page.locator(".rp-figure").count() == 13
        await page.locator('.rp-card[data-table="turnover"] summary').click()
        assert await page.locator('.rp-card[data-table="turnover"] tbody tr').count() >= 2
        csv = page.locator('.rp-card[data-table="suppliers"] a[download]')
        assert await csv.count() >= 1
        await page.screenshot(path=str(SHOTS / f"inventory-{language}-1280x800.png"), full_page=False)
        await page.screenshot(path=str(SHOTS / f"inventory-{language}-1280x800-full.png"), full_page=True)
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await assert_touch_targets(page)
        assert problems == []
    finally:
        await person.context.close()

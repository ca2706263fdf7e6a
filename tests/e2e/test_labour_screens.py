"""Labour in Chromium: a person clocks in and out from the home screen on a phone; a manager sets an hourly
rate on the People screen; the labour report draws its charts without a console error in English at tablet
size and in Arabic, right to left."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.e2e.ui import assert_no_axe_violations, assert_nothing_overflows, assert_touch_targets
from tests.integration.reports.shop import make_shop
from tests.support.factory import Factory
from tests.support.kanban import signed_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser
WAIT_MS = 20_000
SHOTS = Path("/tmp/shots/labour")
SHOTS.mkdir(parents=True, exist_ok=True)
TABLET = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    return problems


async def _clock_entries(db_session: Any, username: str) -> list[tuple[Any, Any]]:
    rows = await db_session.execute(
        text(
            "SELECT t.clock_in_at, t.clock_out_at FROM time_entries AS t JOIN users AS u ON u.id = t.user_id "
            "WHERE u.username = :u ORDER BY t.id"
        ),
        {"u": username},
    )
    found = [tuple(r) for r in rows]
    await db_session.rollback()
    return found


async def test_clock_in_and_out_from_the_home_screen_on_a_phone(
    live_server: LiveServer, factory: Factory, db_session: Any, browser: Any
) -> None:
    main = await factory.branch(code="MAIN", name="Main Street")
    mall = await factory.branch(code="MALL", name="City Mall")
    await factory.user("sara", roles=("cashier",), branches=(main, mall))
    await factory.user("amal", roles=("cashier",), branches=(main,))
    await db_session.execute(text("UPDATE users SET language = 'ar' WHERE username = 'amal'"))
    await db_session.commit()
    person = await signed_in(browser, live_server, "sara", **PHONE)
    try:
        page = await person.context.new_page()
        problems = watch(page)
        await page.goto(f"{live_server.url}/")
        button = page.locator("#clock-button")
        await page.locator('#clock[data-state="out"]').wait_for(timeout=WAIT_MS)
        assert await button.inner_text() == "Clock in"
        await page.select_option("#clock-branch", label="City Mall")
        await page.screenshot(path=str(SHOTS / "home-clock-out-390x844.png"), full_page=True)
        await button.click()
        await page.locator('#clock[data-state="in"]').wait_for(timeout=WAIT_MS)
        assert "City Mall" in await page.locator("#clock-status").inner_text()
        assert await button.inner_text() == "Clock out"
        await page.screenshot(path=str(SHOTS / "home-clock-in-390x844.png"), full_page=True)
        entries = await _clock_entries(db_session, "sara")
        assert len(entries) == 1 and entries[0][1] is None
        # A reload still knows: the server keeps the clock, not the page.
        await page.reload()
        await page.locator('#clock[data-state="in"]').wait_for(timeout=WAIT_MS)
        await assert_touch_targets(page)
        await assert_nothing_overflows(page)
        await assert_no_axe_violations(page)
        await page.locator("#clock-button").click()
        await page.locator('#clock[data-state="out"]').wait_for(timeout=WAIT_MS)
        entries = await _clock_entries(db_session, "sara")
        assert len(entries) == 1 and entries[0][1] is not None
        assert problems == []
    finally:
        await person.context.close()
    # One branch, in Arabic: no picker, the button reads right to left.
    person = await signed_in(browser, live_server, "amal", **PHONE)
    try:
        page = await person.context.new_page()
        problems = watch(page)
        await page.goto(f"{live_server.url}/")
        await page.locator('#clock[data-state="out"]').wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == "rtl"
        assert await page.locator("#clock-branch").count() == 0
        await page.locator("#clock-button").click()
        await page.locator('#clock[data-state="in"]').wait_for(timeout=WAIT_MS)
        assert await page.locator("#clock-button").inner_text() == "تسجيل الانصراف"
        await page.screenshot(path=str(SHOTS / "home-clock-in-ar-390x844.png"), full_page=True)
        await assert_nothing_overflows(page)
        assert problems == []
    finally:
        await person.context.close()


async def test_a_manager_sets_an_hourly_rate_on_the_people_screen(
    live_server: LiveServer, factory: Factory, db_session: Any, browser: Any
) -> None:
    db_session.sync_session.expire_on_commit = False
    main = await factory.branch(code="MAIN", name="Main Street")
    await factory.user("boss", roles=("manager",), branches=(main,))
    sara = await factory.user("sara", roles=("cashier",), branches=(main,))
    # Sara forgot to clock out yesterday.
    clock_in = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0) - dt.timedelta(hours=20)
    await db_session.execute(
        text("INSERT INTO time_entries (user_id, branch_id, clock_in_at) VALUES (:u, :b, :t)"),
        {"u": sara.id, "b": main.id, "t": clock_in},
    )
    await db_session.commit()
    person = await signed_in(browser, live_server, "boss", **TABLET)
    try:
        page = await person.context.new_page()
        problems = watch(page)
        await page.goto(f"{live_server.url}/admin/people")
        await page.locator('tr[data-username="sara"]').click()
        section = page.locator("#pay-rates")
        await section.wait_for(timeout=WAIT_MS)
        await section.locator("td.empty").wait_for(timeout=WAIT_MS)
        await section.locator('[name="hourly_rate"]').fill("12.345")
        await section.locator('[name="rate_branch"]').select_option(label="Main Street")
        await page.locator("#set-rate").click()
        await section.locator('[aria-invalid="true"]').wait_for(timeout=WAIT_MS)  # too many decimals for EGP
        await section.locator('[name="hourly_rate"]').fill("85.50")
        await page.locator("#set-rate").click()
        await section.locator("tbody tr td.n").first.wait_for(timeout=WAIT_MS)
        assert "85.50" in await section.locator("tbody").inner_text()
        rate = await db_session.scalar(text("SELECT hourly_rate FROM pay_rates"))
        await db_session.rollback()
        assert str(rate) == "85.5000"
        await page.screenshot(path=str(SHOTS / "people-pay-1280x800.png"), full_page=True)
        await assert_no_axe_violations(page)

        # Close the forgotten entry: out 8 h after in, typed in the branch's time (Cairo), with a reason.
        entries = page.locator("#time-entries")
        await entries.locator("tbody .badge-warn").wait_for(timeout=WAIT_MS)
        await entries.locator("tbody button").click()
        dialog = page.locator("dialog[open]")
        out = (clock_in + dt.timedelta(hours=8)).astimezone(ZoneInfo("Africa/Cairo"))
        await dialog.locator('[name="out_day"]').fill(out.date().isoformat())
        await dialog.locator('[name="out_time"]').fill(out.strftime("%H:%M"))
        await dialog.locator('[name="reason"]').fill("forgot to clock out")
        await page.screenshot(path=str(SHOTS / "people-correct-1280x800.png"))
        await dialog.locator(".btn-primary").click()
        await entries.locator("tbody td", has_text="forgot to clock out").wait_for(timeout=WAIT_MS)
        saved = (
            await db_session.execute(text("SELECT clock_in_at, clock_out_at, note FROM time_entries"))
        ).one()
        await db_session.rollback()
        assert saved[0] == clock_in and saved[1] - saved[0] == dt.timedelta(hours=8)
        assert saved[2] == "forgot to clock out"
        await page.screenshot(path=str(SHOTS / "people-clock-1280x800.png"), full_page=True)
        # Only the rate's own error toast; the page itself logged nothing.
        assert [p for p in problems if "422" not in p] == []
    finally:
        await person.context.close()


async def _labour_history(shop: Any, db_session: Any) -> None:
    await db_session.execute(
        text(
            """
            INSERT INTO pay_rates (user_id, branch_id, hourly_rate, effective_from)
            SELECT id, NULL, 40 + id * 5, current_date - 90 FROM users
            """
        )
    )
    # Two shifts a day for each of the shop's three staff, the late one across midnight.
    await db_session.execute(
        text(
            """
            INSERT INTO time_entries (user_id, branch_id, clock_in_at, clock_out_at)
            SELECT u.id, :b, d + make_interval(hours => (7 + (u.id % 3) * 5)::int),
                   d + make_interval(hours => (7 + (u.id % 3) * 5 + 8 + (u.id % 2))::int)
            FROM users AS u
            CROSS JOIN generate_series(current_date - 29, current_date - 1, interval '1 day') AS d
            WHERE u.username IN ('till', 'till2', 'incboss')
            """
        ),
        {"b": shop.inclusive.id},
    )
    await db_session.commit()


async def test_the_labour_report_draws_its_charts_in_english_and_in_arabic(
    live_server: LiveServer, factory: Factory, db_session: Any, browser: Any
) -> None:
    shop = await make_shop(factory, db_session, days=30, per_day=30)
    await _labour_history(shop, db_session)
    person = await signed_in(browser, live_server, "incboss", **TABLET)
    try:
        page = await person.context.new_page()
        problems = watch(page)
        await page.goto(f"{live_server.url}/reports/labour?compare=true&by=role")
        await page.locator('body[data-loaded="true"]').wait_for(timeout=WAIT_MS)
        for name in ("by_hour", "over_time", "by_person", "by_role", "split"):
            await page.locator(f'.rp-card[data-table="{name}"] canvas').first.wait_for(timeout=WAIT_MS)
        assert await page.locator(".rp-figure").count() == 6
        assert await page.locator(".rp-tabs a[aria-current=page]").inner_text() == "Labour"
        await page.screenshot(path=str(SHOTS / "labour-report-1280x800.png"), full_page=True)
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await assert_touch_targets(page)
        async with page.expect_download() as download:
            await page.locator('.rp-card[data-table="by_person"] a.btn').click()
        assert (await download.value).suggested_filename.endswith("-by_person.csv")
        assert problems == []
    finally:
        await person.context.close()

    await db_session.execute(text("UPDATE users SET language = 'ar' WHERE username = 'incboss'"))
    await db_session.commit()
    person = await signed_in(browser, live_server, "incboss", **TABLET)
    try:
        page = await person.context.new_page()
        problems = watch(page)
        await page.goto(f"{live_server.url}/reports/labour")
        await page.locator('body[data-loaded="true"]').wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == "rtl"
        assert await page.locator(".rp-tabs a[aria-current=page]").inner_text() == "العمالة"
        await page.locator('.rp-card[data-table="by_hour"] canvas').first.wait_for(timeout=WAIT_MS)
        assert "تكلفة العمالة" in await page.locator("#figures").inner_text()
        await page.screenshot(path=str(SHOTS / "labour-report-ar-1280x800.png"), full_page=True)
        await assert_nothing_overflows(page)
        assert problems == []
    finally:
        await person.context.close()


async def test_a_forgotten_clock_entry_is_raised_on_the_board(
    live_server: LiveServer, factory: Factory, db_session: Any, browser: Any, runtime: Any
) -> None:
    from app.lib.deps import provide_services
    from app.staff import clock
    from tests.support.kanban import make_shop as board_shop
    from tests.support.kanban import signed_in as board_person

    shop = await board_shop(factory)
    await db_session.execute(
        text(
            "INSERT INTO time_entries (user_id, branch_id, clock_in_at) "
            "SELECT id, :b, now() - interval '17 hours' FROM users WHERE username = 'cashier'"
        ),
        {"b": shop["branch"]},
    )
    await db_session.commit()
    person = await board_person(browser, live_server, "mona", viewport={"width": 1280, "height": 800})
    try:
        page = await person.open(live_server, "/kanban")
        async with provide_services(runtime) as scope:
            assert await clock.raise_open_alerts(scope) == 1
        # Live, without a reload: the alert event reaches the open board.
        await page.locator("#alerts-toggle").wait_for(state="visible", timeout=WAIT_MS)
        await page.click("#alerts-toggle")
        item = page.locator("#alerts-list li")
        await item.wait_for(timeout=WAIT_MS)
        assert await item.locator("strong").inner_text() == "Time clock"
        assert "forgot to clock out?" in await item.inner_text()
        await page.screenshot(path=str(SHOTS / "board-clock-alert-1280x800.png"))
    finally:
        await person.close()
    assert not person.errors, person.errors

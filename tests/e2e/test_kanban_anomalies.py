"""Sales anomalies on the managers' board (/kanban): an hour of sales far outside its forecast appears live
on an open board, in English and in Arabic right to left, with its branch, hour, what was sold against what
was expected and the usual range, and a way to the insights report. One manager's "Dismiss" takes it off
the other manager's open board without a reload, and it stays off a board opened afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.ui import (
    TABLET,
    assert_no_axe_violations,
    assert_nothing_overflows,
    assert_touch_targets,
    shoot,
)
from tests.support.board import raise_anomaly
from tests.support.factory import Factory
from tests.support.kanban import WAIT_MS, Person, api_as, make_shop, new_order, signed_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


def plain(text: str | None) -> str:
    return (
        (text or "").replace("\u2068", "").replace("\u2069", "").replace("\xa0", " ").replace("\u202f", " ")
    )


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    made = await make_shop(factory)
    from app.db.models import Branch

    branch = await factory.session.get(Branch, made["branch"])
    await factory.user("milo", roles=("manager",), branches=(branch,))
    await factory.commit()
    return made


@pytest.fixture
async def boards(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[list[Person]]:
    people = [
        await signed_in(browser, live_server, "mona", viewport=TABLET, has_touch=True),
        await signed_in(browser, live_server, "milo", viewport=TABLET, has_touch=True),
    ]
    yield people
    for person in people:
        await person.close()
        assert not person.errors, person.errors


def banner(page: Any, anomaly_id: int) -> Any:
    return page.locator(f'#anomalies .kb-anomaly[data-anomaly="{anomaly_id}"]')


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_an_anomaly_appears_live_and_one_dismissal_clears_every_board(
    live_server: LiveServer,
    shop: dict[str, Any],
    boards: list[Person],
    db_session: Any,
    runtime: Any,
    lang: str,
) -> None:
    async with api_as(live_server, "mona") as mona_api:
        await new_order(mona_api, shop)
        await new_order(mona_api, shop, channel="counter")
    mona = await boards[0].open(live_server, f"/kanban?lang={lang}")
    milo = await boards[1].open(live_server, "/kanban?lang=en")
    assert await mona.locator("#anomalies").is_hidden()

    # Raised while both boards are open: each draws it from the live event, no reload.
    anomaly_id = await raise_anomaly(db_session, runtime, shop["branch"], hour=13)
    for page in (mona, milo):
        await banner(page, anomaly_id).wait_for(timeout=WAIT_MS)
    text = plain(await banner(mona, anomaly_id).text_content())
    assert "Board Branch" in text
    if lang == "en":
        assert "13:00\u201314:00" in text and "far above the forecast" in text
        assert "9,000.00" in text and "1,200.00" in text and "400.00" in text and "2,000.00" in text
    else:
        assert await mona.get_attribute("html", "dir") == "rtl"
        assert "أعلى بكثير من المتوقع" in text and "النطاق المعتاد" in text
    link = banner(mona, anomaly_id).locator("a")
    assert await link.get_attribute("href") == f"/reports/insights?branch_id={shop['branch']}"
    # The amounts and the hour keep their own direction inside Arabic text (isolated).
    raw = await banner(mona, anomaly_id).locator(".kb-anomaly-text span").text_content()
    assert raw and raw.count("\u2068") >= 4
    await assert_no_axe_violations(mona)
    await assert_nothing_overflows(mona)
    await assert_touch_targets(mona)
    await shoot(mona, f"board/kanban-anomaly-{lang}")
    # Busy mode on the same board (its own panel, fed by the same snapshot and connection).
    await mona.click("#busy-toggle")
    pause = mona.locator(f'#busy-panel button[data-branch="{shop["branch"]}"][data-channel="partner"]')
    await pause.click()
    await mona.locator('#busy-panel button[data-channel="partner"][aria-pressed="true"]').wait_for(
        timeout=WAIT_MS
    )
    await assert_no_axe_violations(mona)
    await assert_touch_targets(mona)
    await shoot(mona, f"board/kanban-busy-{lang}")
    await mona.locator('#busy-panel button[data-channel="partner"][aria-pressed="true"]').click()
    await mona.locator('#busy-panel button[aria-pressed="true"]').wait_for(state="detached", timeout=WAIT_MS)
    await mona.click("#busy-toggle")

    # Milo dismisses it: gone from Mona's open board too, and from a board opened afterwards.
    await banner(milo, anomaly_id).get_by_role("button").click()
    for page in (milo, mona):
        await banner(page, anomaly_id).wait_for(state="detached", timeout=WAIT_MS)
    assert await mona.locator("#anomalies").is_hidden()
    await mona.reload()
    await mona.locator("#kanban[data-ready]").wait_for(timeout=WAIT_MS)
    assert await banner(mona, anomaly_id).count() == 0


async def test_the_snapshot_brings_an_open_anomaly_and_a_low_one_reads_below(
    live_server: LiveServer, shop: dict[str, Any], boards: list[Person], db_session: Any, runtime: Any
) -> None:
    low = await raise_anomaly(
        db_session,
        runtime,
        shop["branch"],
        hour=9,
        actual="50.00",
        expected="900.00",
        low="400.00",
        high="1400.00",
    )
    elsewhere = await raise_anomaly(db_session, runtime, shop["second"], hour=10)
    milo = await boards[1].open(live_server, "/kanban")
    await banner(milo, low).wait_for(timeout=WAIT_MS)
    assert "far below the forecast" in plain(await banner(milo, low).text_content())
    assert await banner(milo, low).get_attribute("data-direction") == "low"
    # Milo manages one branch: the other branch's anomaly is not his to see.
    assert await banner(milo, elsewhere).count() == 0


async def test_the_boards_first_load_is_one_data_call_and_one_socket(
    live_server: LiveServer, shop: dict[str, Any], boards: list[Person], db_session: Any, runtime: Any
) -> None:
    async with api_as(live_server, "mona") as mona_api:
        await new_order(mona_api, shop)
        await new_order(mona_api, shop, channel="pickup", branch="second")
    await raise_anomaly(db_session, runtime, shop["branch"], hour=11)
    page = await boards[0].context.new_page()
    calls: list[str] = []
    sockets: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/" in r.url else None)
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await page.goto(f"{live_server.url}/kanban")
    await page.locator("#kanban[data-ready]").wait_for(timeout=WAIT_MS)
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    await page.locator("#anomalies .kb-anomaly").wait_for(timeout=WAIT_MS)
    await page.wait_for_load_state("networkidle")
    assert [c.split("/api/v1/", 1)[1].split("?")[0] for c in calls] == ["board/snapshot"], calls
    # Both branches (mona follows both) in the one call, and one live connection for cards and busy mode.
    assert calls[0].count("branch_id=") == 2
    assert len(sockets) == 1, sockets
    await page.close()

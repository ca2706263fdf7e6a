"""displays/static/js/shared/live.js in real Chromium against a real server: apply once, resume after a drop,
reload on `resync` — with the official socket.io-client the pages use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.realtime import make_shop, move, new_order
from tests.support.sockets import session_cookie

pytestmark = pytest.mark.browser

WAIT_MS = 15_000


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


@pytest.fixture
async def page(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Any]:
    context = await browser.new_context()
    cookie = (await session_cookie(live_server, "mia")).split("=", 1)[1]
    await context.add_cookies([{"name": "passline_session", "value": cookie, "url": live_server.url}])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{live_server.url}/")
    yield page
    await context.close()
    assert not errors, errors


START = """
async ({ branch }) => {
  const { connectLive } = await import("/static/js/shared/live.js");
  window.got = [];
  window.resyncs = [];
  window.statuses = [];
  window.nextSnapshot = null;
  window.live = connectLive({
    namespace: "/kanban",
    branchIds: [branch],
    onEvent: (event) => window.got.push(event),
    onResync: async (info) => { window.resyncs.push(info); return window.nextSnapshot; },
    onStatus: (status) => window.statuses.push(status),
  });
  await window.live.ready;
}
"""


async def got_ids(page: Any, until: str) -> list[str]:
    await page.wait_for_function(
        "(last) => window.got.some((e) => e.id === last)", arg=until, timeout=WAIT_MS, polling=50
    )
    ids: list[str] = await page.evaluate("window.got.map((e) => e.id)")
    return ids


async def live_count(page: Any) -> int:
    count: int = await page.evaluate("window.statuses.filter((s) => s === 'live').length")
    return count


async def wait_live(page: Any, times: int) -> None:
    await page.wait_for_function(
        "(n) => window.statuses.filter((s) => s === 'live').length >= n",
        arg=times,
        timeout=WAIT_MS,
        polling=50,
    )


async def test_live_js_applies_events_once_and_resumes_after_drops(
    page: Any, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    await page.evaluate(START, {"branch": branch})
    await wait_live(page, 1)

    order_id, created = await new_order(runtime, branch, stations=())
    expected = [*created, await move(runtime, branch, order_id, "preparing")]
    assert await got_ids(page, expected[-1]) == expected

    # A clean disconnect: the page asks to come back with the ids it has.
    await page.evaluate("window.live.socket.disconnect()")
    expected.append(await move(runtime, branch, order_id, "ready"))
    expected.append(await move(runtime, branch, order_id, "preparing"))
    await page.evaluate("window.live.socket.connect()")
    await wait_live(page, 2)
    expected.append(await move(runtime, branch, order_id, "ready"))
    assert await got_ids(page, expected[-1]) == expected

    # A dropped transport: Socket.IO reconnects on its own and calls the auth function for fresh ids.
    await page.evaluate("window.live.socket.io.engine.close()")
    expected.append(await move(runtime, branch, order_id, "preparing"))
    await wait_live(page, 3)
    expected.append(await move(runtime, branch, order_id, "ready"))
    assert await got_ids(page, expected[-1]) == expected

    assert await page.evaluate("window.live.lastIds()") == {str(branch): expected[-1]}


async def test_live_js_apply_once_rule(page: Any) -> None:
    verdicts = await page.evaluate(
        """async () => {
          const { compareIds, createTracker } = await import("/static/js/shared/live.js");
          const t = createTracker({ "1": "1700000000000-5" });
          const accepted = [
            { id: "1700000000000-5", branch_id: 1 },   // already applied
            { id: "1700000000000-10", branch_id: 1 },  // seq 10 > 5, though "10" < "5" as text
            { id: "999999999999-99", branch_id: 1 },   // fewer ms digits: older
            { id: "1700000000001-0", branch_id: 1 },
            { id: "1700000000001-0", branch_id: 1 },   // an exact repeat
            { id: "1-0", branch_id: 2 },               // another branch has its own sequence
          ].map((e) => t.accept(e));
          return { accepted, last: t.ids(), big: compareIds("18446744073709551615-2", "18446744073709551615-10") };
        }"""
    )
    assert verdicts == {
        "accepted": [False, True, False, True, False, True],
        "last": {"1": "1700000000001-0", "2": "1-0"},
        "big": -1,
    }


async def test_live_js_reloads_on_resync_and_keeps_newer_events(
    page: Any, shop: dict[str, Any], runtime: Any
) -> None:
    from app.events.stream import last_id

    branch = shop["branch"]
    await page.evaluate(START, {"branch": branch})
    await wait_live(page, 1)
    order_id, created = await new_order(runtime, branch, stations=())
    assert await got_ids(page, created[-1]) == created

    await page.evaluate("window.live.socket.disconnect()")
    await move(runtime, branch, order_id, "preparing")
    await move(runtime, branch, order_id, "ready")
    await runtime.redis.xtrim(runtime.keys.events(branch), maxlen=1, approximate=False)
    snapshot_id = await last_id(runtime.redis, runtime.keys, branch)
    # What the page's board endpoint would answer: the state now, and the stream id it is current to.
    await page.evaluate(
        "(s) => { window.nextSnapshot = s; }", {"branch_id": branch, "stream_id": snapshot_id, "columns": {}}
    )
    await page.evaluate("window.live.socket.connect()")
    await page.wait_for_function("window.resyncs.length === 1", timeout=WAIT_MS, polling=50)
    assert await page.evaluate("window.resyncs") == [{"branch_id": branch, "reason": "trimmed"}]

    live = await move(runtime, branch, order_id, "preparing")
    assert await got_ids(page, live) == [*created, live]
    assert await page.evaluate("window.live.lastIds()") == {str(branch): live}

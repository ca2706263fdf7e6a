"""Every role lands on a home page that says what it can do, and no page asks the server for something
that is not there (an icon, a till's shift): a browser's console shows no 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.till import till_profile

pytestmark = pytest.mark.browser

WAIT_MS = 10_000


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="HM", name="Home Branch")
    await factory.station(branch, "grill")
    await till_profile(factory, branch, require_shift=False)
    await factory.user("hana", roles=("hr",), branches=(branch,))
    await factory.user("root", roles=("admin",))
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id}


@asynccontextmanager
async def signed_in(browser: Any, server: LiveServer, username: str) -> AsyncIterator[tuple[Any, list[str]]]:
    """A browser with `username`'s session (signed in through the API: admins answer a second factor), and
    the list of every failed response and script error its pages meet."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, username)
        cookies = [
            {"name": name, "value": value, "url": server.url}
            for name, value in http.cookies.items()
            if name in ("passline_session", "passline_csrf")
        ]
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_cookies(cookies)
    problems: list[str] = []
    context.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page = await context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        yield page, problems
    finally:
        await context.close()


async def test_hr_gets_a_home_that_says_what_comes(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with signed_in(browser, live_server, "hana") as (page, problems):
        await page.goto(f"{live_server.url}/")
        note = page.locator(".home-note")
        await note.wait_for(timeout=WAIT_MS)
        assert "HR" in await note.inner_text() and "later release" in await note.inner_text()
        assert await page.locator("#logout").is_visible()
        assert await page.locator("#screens a").count() == 0
    assert problems == []


async def test_admins_home_lists_the_shop_screens_but_no_couriers_page(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with signed_in(browser, live_server, "root") as (page, problems):
        await page.goto(f"{live_server.url}/")
        await page.locator("#screens").wait_for(timeout=WAIT_MS)
        links = await page.eval_on_selector_all(
            "#screens a", "links => links.map(a => a.getAttribute('href'))"
        )
        assert "/kanban" in links and "/pos" in links and "/queue/counter" in links
        assert "/courier" not in links
        assert await page.locator(".home-note").count() == 0
    assert problems == []


async def test_every_screen_has_an_icon_and_no_404_in_the_console(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    branch = shop["branch"]
    async with signed_in(browser, live_server, "mia") as (page, problems):
        for path, ready in (
            ("/", "#screens"),
            ("/kanban", '#kanban[data-ready="true"]'),
            # A till with no shift open: "no shift" is an answer, not a 404.
            ("/pos", '#shift-state[data-state="none"]'),
            (f"/queue/{branch}/counter", '#counter[data-ready="true"]'),
            ("/kds", "main"),
            (f"/queue/{branch}", '#queue-status[data-status="live"]'),
        ):
            await page.goto(f"{live_server.url}{path}")
            await page.locator(ready).first.wait_for(timeout=WAIT_MS)
            icons = await page.eval_on_selector_all("link[rel=icon]", "links => links.map(l => l.href)")
            assert icons, path
            for icon in icons:
                answer = await page.request.get(icon)
                assert answer.ok and answer.headers["content-type"].startswith("image/"), icon
    assert problems == []
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        icon = await http.get("/favicon.ico")
        assert (icon.status_code, icon.headers["content-type"]) == (200, "image/png")

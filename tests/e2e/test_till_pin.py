"""Switching user on a signed-in till with a PIN, in Chromium at the tablet's size: a wrong PIN is refused
with the tries left, the right one hands the till over (the page starts again as the colleague)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.lib.security import hash_password
from tests.support.auth import signed_in_context
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}
SHOTS = Path("/tmp/shots/h-backoffice")
SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
async def shop(factory: Factory) -> None:
    branch = await factory.branch(code="PN", name="Pin Till")
    await factory.product("Tea", price="10.00")
    await factory.user("carla", roles=("cashier",), branches=(branch,))
    nadia = await factory.user("nadia", roles=("cashier",), branches=(branch,))
    nadia.pin_hash = hash_password("4821")
    await factory.commit()


async def me(page: Any) -> str:
    name: str = await page.evaluate("fetch('/api/v1/auth/me').then((r) => r.json()).then((b) => b.username)")
    return name


async def test_a_colleague_takes_the_till_over_with_their_pin(
    browser: Any, live_server: LiveServer, shop: None
) -> None:
    context = await signed_in_context(browser, live_server.url, "carla", **TABLET)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await page.goto(f"{live_server.url}/pos")
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        assert await me(page) == "carla"
        await page.click("#switch-user")
        await page.fill("#switch-who", "nadia")
        await page.fill("#switch-pin", "0000")
        await page.click("#switch-go")
        await page.locator("#switch-error", has_text="4 tries left").wait_for(timeout=WAIT_MS)
        await page.screenshot(path=str(SHOTS / "pos-switch-user.png"))
        await page.fill("#switch-pin", "4821")
        async with page.expect_navigation(timeout=WAIT_MS):
            await page.click("#switch-go")
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        assert await me(page) == "nadia"
    finally:
        await context.close()
    assert not errors, errors

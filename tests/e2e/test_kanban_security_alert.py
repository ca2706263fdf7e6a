"""A second factor locked by guessing shows on the managers' board, as a sign-in alert (not an order's)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.auth import totp
from tests.support.factory import Factory
from tests.support.kanban import WAIT_MS, Person, make_shop, signed_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/h-harden-b")


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    shop = await make_shop(factory)
    from app.db.models import Branch

    branch = await factory.session.get(Branch, shop["branch"])
    guessed = await factory.user("amira", roles=("admin",), branches=(branch,))
    guessed.totp_secret = totp.new_secret()
    await factory.commit()
    return shop | {"secret": guessed.totp_secret}


@pytest.fixture
async def manager(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Person]:
    person = await signed_in(browser, live_server, "mona", viewport={"width": 1280, "height": 800})
    yield person
    await person.close()
    assert not person.errors, person.errors


async def test_a_locked_second_factor_is_raised_on_the_board(
    live_server: LiveServer, shop: dict[str, Any], manager: Person
) -> None:
    page = await manager.open(live_server, "/kanban")
    assert await page.locator("#alerts-toggle").is_hidden()

    good = {totp.code_at(shop["secret"], totp.current_step() + d) for d in range(-2, 3)}
    bad = next(c for c in (f"{n:06d}" for n in range(1000, 2000)) if c not in good)
    async with httpx.AsyncClient(base_url=live_server.url) as guesser:
        answer = await guesser.post(
            "/api/v1/auth/login", json={"username": "amira", "password": Factory.PASSWORD}
        )
        challenge = answer.json()["challenge"]
        statuses = [
            (
                await guesser.post("/api/v1/auth/login/totp", json={"challenge": challenge, "code": bad})
            ).status_code
            for _ in range(5)
        ]
    assert statuses == [401, 401, 401, 401, 429]

    await page.locator("#alerts-toggle").wait_for(state="visible", timeout=WAIT_MS)
    assert await page.locator("#alerts-count").inner_text() == "1"
    await page.click("#alerts-toggle")
    item = page.locator("#alerts-list li")
    await item.wait_for(timeout=WAIT_MS)
    assert await item.locator("strong").inner_text() == "Sign-in"
    text = await item.inner_text()
    assert "5 wrong sign-in codes for amira" in text and "locked for 60 s" in text
    # Playwright makes the folder.
    await page.screenshot(path=str(SHOTS / "kanban-second-factor-locked.png"))

    # Nothing to acknowledge on the server (the audit keeps it): the manager dismisses it from this board.
    await item.locator("[data-dismiss]").click()
    await page.locator("#alerts-toggle").wait_for(state="hidden", timeout=WAIT_MS)

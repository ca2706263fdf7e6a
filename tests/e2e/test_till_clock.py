"""Clocking in and out at a signed-in till with a PIN, in Chromium at the tablet's size (1280x800), in English
and Arabic: the till stays with its cashier; the answer says when a colleague came in, or how long they
worked; a wrong PIN is refused in the page's language. 0 serious axe findings, nothing spills out, 44 px."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import text

from app.lib.security import hash_password
from tests.e2e.ui import (
    assert_no_axe_violations,
    assert_nothing_overflows,
    assert_touch_targets,
    plain,
    shoot,
)
from tests.support.auth import signed_in_context
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}

WORDS = {
    "en": {
        "button": "Clock in / out",
        "in": re.compile(r"^Nadia: clocked in at \d\d:\d\d$"),
        "out": "Omar: clocked out, 7 h 32 min",
        "wrong": "tries left",
        "list": "milk, eggs, wheat",
    },
    "ar": {
        "button": "حضور / انصراف",
        "in": re.compile(r"^Nadia: سُجِّل الحضور الساعة \d\d:\d\d$"),  # \d: any script's digits
        "out": "Omar: سُجِّل الانصراف، مدة العمل 7 س 32 د",
        "wrong": "محاولات",
        "list": "حليب، وبيض، وقمح",
    },
}


@pytest.fixture
async def shop(factory: Factory, db_session: Any) -> dict[str, Any]:
    branch = await factory.branch(code="CK", name="Clock Till")
    await factory.product("Tea", price="10.00")
    await factory.user("carla", roles=("cashier",), branches=(branch,))
    nadia = await factory.user("nadia", roles=("cashier",), branches=(branch,))
    omar = await factory.user("omar", roles=("kitchen",), branches=(branch,))
    nadia.pin_hash = hash_password("4821")
    omar.pin_hash = hash_password("1357")
    await factory.commit()
    await db_session.execute(
        text(
            "INSERT INTO time_entries (user_id, branch_id, clock_in_at, source) VALUES (:u, :b, :t, 'home')"
        ),
        {
            "u": omar.id,
            "b": branch.id,
            "t": dt.datetime.now(dt.UTC) - dt.timedelta(hours=7, minutes=32, seconds=20),
        },
    )
    await db_session.commit()
    return {"branch": branch}


async def punch(page: Any, who: str, pin: str) -> None:
    await page.click("#clock-button")
    await page.locator("#punch[open]").wait_for(timeout=WAIT_MS)
    await page.fill("#punch-who", who)
    await page.fill("#punch-pin", pin)
    await page.click("#punch-go")


async def toast_text(page: Any, n: int) -> str:
    toast = page.locator(".toast-ok .toast-text").nth(n)
    await toast.wait_for(timeout=WAIT_MS)
    return plain(await toast.inner_text())


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_colleague_clocks_in_and_out_at_the_till_without_taking_it(
    browser: Any, live_server: LiveServer, shop: dict[str, Any], lang: str
) -> None:
    words = WORDS[lang]
    context = await signed_in_context(browser, live_server.url, "carla", **TABLET)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await page.goto(f"{live_server.url}/pos?lang={lang}")
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert plain(await page.inner_text("#clock-button")) == words["button"]

        await punch(page, "nadia", "0000")
        await page.locator("#punch-error", has_text=words["wrong"]).wait_for(timeout=WAIT_MS)
        assert await page.input_value("#punch-pin") == ""
        await assert_no_axe_violations(page)
        await assert_nothing_overflows(page)
        await assert_touch_targets(page)
        await shoot(page, f"i18n-tail/pos-clock-dialog-{lang}")

        await page.fill("#punch-pin", "4821")
        await page.click("#punch-go")
        assert words["in"].match(await toast_text(page, 0))
        assert await page.locator("#punch[open]").count() == 0

        await punch(page, "omar", "1357")
        assert await toast_text(page, 1) == words["out"]
        await shoot(page, f"i18n-tail/pos-clock-done-{lang}")

        # The till is still carla's; nadia is in, omar is out.
        me = await page.evaluate("fetch('/api/v1/auth/me').then((r) => r.json()).then((b) => b.username)")
        assert me == "carla"
        # Lists in the page's language (allergens, modifier hints): Arabic commas, not a Latin ", ".
        items = {"en": ["milk", "eggs", "wheat"], "ar": ["حليب", "بيض", "قمح"]}[lang]
        joined = await page.evaluate(
            "(items) => import('/static/js/shared/format.js').then((m) => m.listText(items))", items
        )
        assert joined == words["list"]
    finally:
        await context.close()
    assert not errors, errors

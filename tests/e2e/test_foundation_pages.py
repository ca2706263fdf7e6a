"""The UI foundation in a real browser: sign-in, home and pairing in English and Arabic (right to left),
at tablet and phone sizes, with 0 serious/critical axe findings, nothing overflowing, 44 px controls; the
shared modules format in the branch's digits; static files come hashed, compressed and long-cached."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import brotli
import httpx
import pytest

from tests.e2e.ui import (
    DEVICES,
    assert_no_axe_violations,
    assert_nothing_overflows,
    assert_touch_targets,
    shoot,
)
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 10_000


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    from app.db.models import User

    english = await factory.branch(code="EN", name="Zamalek")
    await factory.user("mia", roles=("manager",), branches=(english,))
    amal = await factory.user("amal", roles=("manager", "cashier"), branches=(english,))
    await factory.commit()
    user = await factory.session.get(User, amal.id)
    user.language = "ar"
    await factory.commit()
    return {"branch": english.id}


@pytest.fixture
async def arabic_shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="AR", name="فرع الدقي", language="ar", digits="arab")
    await factory.user("omar", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id}


@asynccontextmanager
async def browse(
    browser: Any, server: LiveServer, *, viewport: dict[str, int], username: str | None = None
) -> AsyncIterator[tuple[Any, list[str]]]:
    context = await browser.new_context(viewport=viewport)
    if username is not None:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            await login(http, username)
            await context.add_cookies(
                [{"name": k, "value": v, "url": server.url} for k, v in http.cookies.items()]
            )
    problems: list[str] = []
    context.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page = await context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        yield page, problems
    finally:
        await context.close()


async def check_page(page: Any, name: str, *, lang: str) -> None:
    assert await page.get_attribute("html", "lang") == lang
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    data = json.loads(await page.inner_text("#page-data"))
    assert data["lang"] == lang and data["dir"] in ("rtl", "ltr") and "catalog" in data
    await assert_no_axe_violations(page)
    await assert_nothing_overflows(page)
    await assert_touch_targets(page)
    await shoot(page, name)


@pytest.mark.parametrize("device", ["tablet", "phone"])
@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_sign_in_page_in_both_directions(
    live_server: LiveServer, shop: dict[str, Any], browser: Any, lang: str, device: str
) -> None:
    async with browse(browser, live_server, viewport=DEVICES[device]) as (page, problems):
        await page.goto(f"{live_server.url}/login?lang={lang}")
        await page.locator("#login-submit").wait_for(timeout=WAIT_MS)
        await check_page(page, f"ui-core/login-{lang}-{device}", lang=lang)
        expected = {"en": ("Sign in", "Username"), "ar": ("تسجيل الدخول", "اسم المستخدم")}[lang]
        assert (await page.inner_text("#login-submit")).strip() == expected[0]
        assert (await page.inner_text("label[for=username]")).strip() == expected[1]
        # In RTL the form's labels start at the right edge.
        box = await page.locator("label[for=username]").bounding_box()
        field = await page.locator("#username").bounding_box()
        if lang == "ar":
            assert box["x"] + box["width"] > field["x"] + field["width"] - 2
        else:
            assert box["x"] < field["x"] + 2
    assert problems == []


async def test_a_wrong_password_is_told_in_arabic(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with browse(browser, live_server, viewport=DEVICES["phone"]) as (page, problems):
        await page.goto(f"{live_server.url}/login?lang=ar")
        await page.fill("#username", "mia")
        await page.fill("#password", "not the password")
        await page.click("#login-submit")
        error = page.locator("#login-error")
        await error.wait_for(state="visible", timeout=WAIT_MS)
        assert await error.inner_text() == "اسم المستخدم أو كلمة المرور غير صحيحة."
        await shoot(page, "ui-core/login-ar-phone-error")
        await page.fill("#password", "")
        await page.fill("#username", "")
        await page.click("#login-submit")
        assert await error.inner_text() == "أدخل اسم المستخدم وكلمة المرور."
    # The refused sign-in is the only failed response.
    assert [p for p in problems if "401" not in p and "Failed to load resource" not in p] == []


async def test_home_follows_the_users_language_and_switches_back(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    async with browse(browser, live_server, viewport=DEVICES["tablet"], username="amal") as (page, problems):
        await page.goto(f"{live_server.url}/")
        await page.locator("#screens").wait_for(timeout=WAIT_MS)
        await check_page(page, "ui-core/home-ar-tablet", lang="ar")
        titles = await page.eval_on_selector_all("#screens a", "links => links.map(a => a.textContent)")
        assert "لوحة الطلبات" in titles and "نقطة البيع" in titles
        assert "مدير" in await page.inner_text(".who")
        await page.set_viewport_size(DEVICES["phone"])
        await check_page(page, "ui-core/home-ar-phone", lang="ar")
        # Back to the branch's language (English): the page reloads left to right.
        async with page.expect_navigation():
            await page.select_option("#language", "")
        await page.locator("#screens").wait_for(timeout=WAIT_MS)
        await check_page(page, "ui-core/home-en-phone", lang="en")
        assert "Orders board" in await page.inner_text("#screens")
        await page.set_viewport_size(DEVICES["tablet"])
        await check_page(page, "ui-core/home-en-tablet", lang="en")
    assert problems == []


async def test_the_branch_default_speaks_when_the_language_is_unknown(
    live_server: LiveServer, arabic_shop: dict[str, Any], browser: Any
) -> None:
    async with browse(browser, live_server, viewport=DEVICES["tablet"]) as (page, problems):
        await page.goto(f"{live_server.url}/login?lang=xx")
        assert await page.get_attribute("html", "lang") == "ar"
        await page.goto(f"{live_server.url}/login?lang=en-GB")
        assert await page.get_attribute("html", "lang") == "en"
    async with browse(browser, live_server, viewport=DEVICES["tablet"], username="omar") as (page, problems):
        await page.goto(f"{live_server.url}/")
        await page.locator("#screens").wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == "rtl"
        # The shared layer formats with the branch's Arabic-Indic digits, isolated for bidi, in Cairo time.
        shown = await page.evaluate(
            """async () => {
              const f = await import("/static/js/shared/format.js");
              const m = await import("/static/js/shared/money.js");
              const i = await import("/static/js/shared/i18n.js");
              return {
                money: f.money("295.5"),
                sum: m.add("0.1", "0.2").toFixed(2),
                round: m.round("2.345", 2, "half-even").toFixed(2),
                time: f.time("2026-12-05T10:05:00Z"),
                t: i.t("Ready"),
                missing: i.t("A string nobody translated"),
              };
            }"""
        )
        assert shown["money"].startswith("\u2068") and shown["money"].endswith("\u2069")
        assert "\u0662\u0669\u0665\u066b\u0665\u0660" in shown["money"]
        assert shown["sum"] == "0.30" and shown["round"] == "2.34"
        assert "\u0661\u0662:\u0660\u0665" in shown["time"]  # Cairo: 12:05
        assert shown["t"] == "جاهز" and shown["missing"] == "A string nobody translated"
    assert problems == []


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_pairing_screen_in_both_directions(
    live_server: LiveServer, shop: dict[str, Any], browser: Any, lang: str
) -> None:
    async with browse(browser, live_server, viewport=DEVICES["tv"]) as (page, _problems):
        await page.goto(f"{live_server.url}/pair?lang={lang}")
        await page.wait_for_function("document.body.dataset.code", timeout=WAIT_MS)
        assert await page.get_attribute("html", "data-theme") == "dark"
        await check_page(page, f"ui-core/pair-{lang}-tv", lang=lang)


async def test_static_files_are_hashed_compressed_and_cached(
    live_server: LiveServer, shop: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        page = await http.get("/login")
        css = re.search(r'href="(/assets/[0-9a-f]{12}/css/app\.css)"', page.text)
        assert css, page.text[:500]
        url = css.group(1)
        from displays.assets import STATIC

        raw = (STATIC / "css" / "app.css").read_bytes()
        for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
            # The bytes as sent (httpx would decode them itself).
            async with http.stream("GET", url, headers={"Accept-Encoding": encoding}) as answer:
                sent = b"".join([chunk async for chunk in answer.aiter_raw()])
            assert answer.status_code == 200
            assert answer.headers["content-encoding"] == encoding
            assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert answer.headers["vary"] == "Accept-Encoding"
            assert decode(sent) == raw
            assert len(sent) < len(raw) / 2
        stale = await http.get("/assets/000000000000/css/app.css", headers={"Accept-Encoding": "identity"})
        assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
        assert stale.content == raw
        assert (await http.get(url.replace("app.css", "nope.css"))).status_code == 404
        # The import map sends module imports to the same hashed tree; big.js is served from npm.
        assert '"/static/":"' + url.split("css/")[0] + '"' in page.text
        big = await http.get(url.split("css/")[0] + "vendor/big.js/big.mjs")
        assert big.status_code == 200 and big.headers["content-type"].startswith("text/javascript")
        # Pages go compressed too (their page data carries the catalog); the API does not.
        page_br = await http.get("/login?lang=ar", headers={"Accept-Encoding": "br"})
        assert page_br.headers.get("content-encoding") == "br" and "تسجيل الدخول" in page_br.text
        api = await http.get("/api/v1/auth/me", headers={"Accept-Encoding": "br"})
        assert api.status_code == 401 and "content-encoding" not in api.headers


async def test_api_errors_speak_the_callers_language(live_server: LiveServer, shop: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "mia")
        csrf = {"X-CSRF-Token": http.cookies["passline_csrf"]}
        arabic = await http.put(
            "/api/v1/me/language", json={"language": "fr"}, headers={**csrf, "Accept-Language": "ar-EG"}
        )
        assert arabic.status_code == 422
        assert arabic.json()["detail"] == "language: يجب أن تكون إحدى القيم: en, ar"
        english = await http.put("/api/v1/me/language", json={"language": "fr"}, headers=csrf)
        assert english.json()["detail"] == "language: must be one of en, ar"
        saved = await http.put("/api/v1/me/language", json={"language": "ar"}, headers=csrf)
        assert saved.status_code == 200 and saved.json()["language"] == "ar"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as anonymous:
        refused = await anonymous.get("/api/v1/auth/me", headers={"Accept-Language": "ar"})
        assert refused.status_code == 401 and refused.json()["detail"] == "سجّل الدخول أولًا"


async def test_the_shared_modules_work_in_the_page(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    """http gives typed results (never throws), toast announces, dialog traps focus and gives it back."""
    async with browse(browser, live_server, viewport=DEVICES["tablet"], username="amal") as (page, problems):
        await page.goto(f"{live_server.url}/")
        await page.locator("#screens").wait_for(timeout=WAIT_MS)
        results = await page.evaluate(
            """async () => {
              const { http } = await import("/static/js/shared/http.js");
              const missing = await http.get("/api/v1/branches/999999");
              const bad = await http.put("/api/v1/me/language", { language: "fr" });
              const me = await http.get("/api/v1/auth/me");
              return { missing, bad, me: { ok: me.ok, username: me.data.username } };
            }"""
        )
        assert results["missing"]["ok"] is False and results["missing"]["status"] == 404
        assert results["bad"]["status"] == 422 and results["bad"]["error"]["field"] == "language"
        # The page is Arabic, so the API answered in Arabic (http.js sends the page's language).
        assert results["bad"]["error"]["message"] == "language: يجب أن تكون إحدى القيم: en, ar"
        assert results["me"] == {"ok": True, "username": "amal"}

        await page.evaluate(
            """async () => {
              const { toast } = await import("/static/js/shared/toast.js");
              toast.error("Boom");
            }"""
        )
        assert await page.locator(".toast[role=alert] .toast-text").inner_text() == "Boom"
        assert await page.get_attribute(".toast[role=alert] button", "aria-label") == "إغلاق"
        await page.locator("#logout").focus()
        # Runs while the test presses keys: a task, so it starts now.
        answer = asyncio.ensure_future(
            page.evaluate(
                """async () => {
              const { confirm } = await import("/static/js/shared/dialog.js");
              return confirm({ title: "Sure?", message: "Really", danger: true });
            }"""
            )
        )
        dialog = page.locator("dialog.dialog")
        await dialog.wait_for(timeout=WAIT_MS)
        await assert_no_axe_violations(page)
        assert await page.evaluate("document.activeElement.closest('dialog') !== null")
        await shoot(page, "ui-core/dialog-ar-tablet")
        await page.keyboard.press("Escape")
        assert await answer is False
        assert await page.evaluate("document.activeElement.id") == "logout"
    assert [p for p in problems if "404" not in p and "422" not in p and "Failed to load" not in p] == []


async def test_http_retries_reads_but_never_writes(
    live_server: LiveServer, shop: dict[str, Any], browser: Any
) -> None:
    """A GET that meets 503 twice is tried again and succeeds; a POST that meets 503 is not repeated; a
    dropped network is `status 0, offline` — and none of them throws."""
    async with browse(browser, live_server, viewport=DEVICES["tablet"], username="amal") as (page, _problems):
        await page.goto(f"{live_server.url}/")
        await page.locator("#screens").wait_for(timeout=WAIT_MS)
        calls = {"GET": 0, "POST": 0}

        async def flaky(route: Any) -> None:
            method = route.request.method
            calls[method] += 1
            if calls[method] <= 2:
                await route.fulfill(status=503, content_type="application/json", body='{"detail": "busy"}')
            else:
                await route.continue_()

        await page.route("**/api/v1/auth/me", flaky)
        read = await page.evaluate(
            """async () => {
              const { http } = await import("/static/js/shared/http.js");
              return await http.get("/api/v1/auth/me");
            }"""
        )
        assert read["ok"] is True and calls["GET"] == 3
        write = await page.evaluate(
            """async () => {
              const { http } = await import("/static/js/shared/http.js");
              return await http.post("/api/v1/auth/me", {});
            }"""
        )
        assert write["ok"] is False and write["status"] == 503 and calls["POST"] == 1
        assert write["error"]["message"] == "busy"
        await page.route("**/api/v1/branches", lambda route: route.abort())
        offline = await page.evaluate(
            """async () => {
              const { http } = await import("/static/js/shared/http.js");
              return await http.get("/api/v1/branches", { attempts: 1 });
            }"""
        )
        assert offline["status"] == 0 and offline["offline"] is True
        assert offline["error"]["message"] == "لا يوجد اتصال بالخادم."

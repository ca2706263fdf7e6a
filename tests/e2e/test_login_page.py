"""A person signs in through /login in a real browser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.factory import Factory
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
async def cashier(factory: Factory) -> None:
    branch = await factory.branch(code="WEB", name="Web Branch")
    await factory.user("wendy", roles=("cashier",), branches=(branch,))
    await factory.commit()


async def test_sign_in_through_the_login_page(live_server: LiveServer, cashier: None, page: Any) -> None:
    # `next` sends the browser to the who-am-I endpoint, which only answers with a valid session cookie.
    await page.goto(f"{live_server.url}/login?next=/api/v1/auth/me")
    await page.fill("#username", "wendy")
    await page.fill("#password", Factory.PASSWORD)
    async with page.expect_navigation(url=f"{live_server.url}/api/v1/auth/me"):
        await page.click("#login-submit")
    me = json.loads(await page.inner_text("body"))
    assert me["username"] == "wendy"
    assert me["roles"] == ["cashier"]
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["passline_session"]["httpOnly"] is True
    assert cookies["passline_csrf"]["httpOnly"] is False


async def test_wrong_password_shows_a_message_and_stays(
    live_server: LiveServer, cashier: None, page: Any
) -> None:
    await page.goto(f"{live_server.url}/login")
    await page.fill("#username", "wendy")
    await page.fill("#password", "not the password")
    await page.click("#login-submit")
    error = page.locator("#login-error")
    await error.wait_for(state="visible", timeout=5000)
    assert await error.inner_text() == "Wrong username or password."
    assert page.url == f"{live_server.url}/login"


async def test_an_open_redirect_in_next_is_ignored(live_server: LiveServer, cashier: None, page: Any) -> None:
    await page.goto(f"{live_server.url}/login?next=//evil.example/")
    assert await page.get_attribute("#login-form", "data-next") == ""


async def test_sign_in_lands_on_home_and_sign_out_ends_the_session(
    live_server: LiveServer, cashier: None, page: Any
) -> None:
    await page.goto(f"{live_server.url}/login")
    await page.fill("#username", "wendy")
    await page.fill("#password", Factory.PASSWORD)
    async with page.expect_navigation(url=f"{live_server.url}/"):
        await page.click("#login-submit")
    assert await page.inner_text("#who") == "Wendy"
    async with page.expect_navigation(url=f"{live_server.url}/login"):
        await page.click("#logout")
    response = await page.request.get(f"{live_server.url}/api/v1/auth/me")
    assert response.status == 401


async def test_an_admin_enrols_a_second_factor_on_the_login_page(
    live_server: LiveServer, factory: Factory, page: Any
) -> None:
    from app.auth import totp

    await factory.user("amira", roles=("admin",))
    await factory.commit()
    await page.goto(f"{live_server.url}/login?next=/api/v1/auth/me")
    await page.fill("#username", "amira")
    await page.fill("#password", Factory.PASSWORD)
    await page.click("#login-submit")
    await page.locator("#totp-enrol").wait_for(state="visible", timeout=5000)
    assert await page.locator("#login-form").is_hidden()
    secret = (await page.inner_text("#totp-secret")).replace(" ", "")
    assert (await page.get_attribute("#totp-link", "href") or "").startswith("otpauth://totp/")

    await page.fill(
        "#totp-code", "000000" if totp.code_at(secret, totp.current_step()) != "000000" else "111111"
    )
    await page.click("#totp-submit")
    await page.locator("#totp-error").wait_for(state="visible", timeout=5000)
    assert "code" in (await page.inner_text("#totp-error")).lower()

    await page.fill("#totp-code", totp.code_at(secret, totp.current_step()))
    async with page.expect_navigation(url=f"{live_server.url}/api/v1/auth/me"):
        await page.click("#totp-submit")
    assert json.loads(await page.inner_text("body"))["username"] == "amira"

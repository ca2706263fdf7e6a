"""Signing test users in through the API, second factor included."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.support.factory import Factory

# Second factors the tests' admins enrolled at their first login, by username, and the last step used.
TOTP_SECRETS: dict[str, str] = {}
_TOTP_LAST_STEP: dict[str, int] = {}


async def totp_code(username: str) -> str:
    """A fresh code for a test user's second factor.

    The server accepts the step before, at and after its own now, and refuses a step already used. A code
    for the step before now stops counting the moment a 30-second boundary passes, so a sign-in that
    straddled one failed (more often under load); codes for now and the step after survive one boundary.
    Once both are spent, the next sign-in waits for the clock to reach the step that makes a third usable.
    """
    from app.auth import totp

    step = max(totp.current_step(), _TOTP_LAST_STEP.get(username, -1) + 1)
    usable_from = (step - totp.DRIFT_STEPS) * totp.STEP_SECONDS
    # What is awaited is the wall clock reaching a step: no Event to set, and the loop's monotonic clock
    # may wake a hair before time.time() gets there, hence the loop.
    while (wait := usable_from - time.time()) > 0:  # noqa: ASYNC110
        await asyncio.sleep(wait)
    _TOTP_LAST_STEP[username] = step
    return totp.code_at(TOTP_SECRETS[username], step)


async def login(http: httpx.AsyncClient, username: str, password: str = Factory.PASSWORD) -> dict[str, Any]:
    """Sign in through the API, answering the second-factor challenge admins get (enrolling on first use)."""
    response = await http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    if body.get("totp_required"):
        if body["enrol"]:
            TOTP_SECRETS[username] = body["secret"]
            _TOTP_LAST_STEP.pop(username, None)  # a new secret has spent no step
        response = await http.post(
            "/api/v1/auth/login/totp",
            json={"challenge": body["challenge"], "code": await totp_code(username)},
        )
        assert response.status_code == 200, response.text
        body = response.json()
    http.headers["X-CSRF-Token"] = body["csrf_token"]
    return body


async def sign_in_browser(context: Any, base_url: str, username: str) -> None:
    """Give an open browser context `username`'s session and CSRF cookies, signed in through the API (second
    factor answered for admins): what the login page leaves behind, without loading it."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        await login(http, username)
        await context.add_cookies(
            [
                {"name": name, "value": value, "url": base_url}
                for name, value in http.cookies.items()
                if name in ("passline_session", "passline_csrf")
            ]
        )


async def signed_in_context(browser: Any, base_url: str, username: str, **options: Any) -> Any:
    """A new browser context carrying `username`'s session and CSRF cookies, signed in through the API
    (second factor answered for admins), so a browser test starts on the screen it is about."""
    context = await browser.new_context(**options)
    await sign_in_browser(context, base_url, username)
    return context

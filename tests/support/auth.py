"""Signing test users in through the API, second factor included."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.factory import Factory

# Second factors the tests' admins enrolled at their first login, by username, and the last step used.
TOTP_SECRETS: dict[str, str] = {}
_TOTP_LAST_STEP: dict[str, int] = {}


def totp_code(username: str) -> str:
    """A fresh code for a test user: the step after the last one used, so signing in again within one
    30-second step still works (the server refuses a spent step)."""
    from app.auth import totp

    # The server takes one step either side of now, so up to three sign-ins per 30 s.
    step = max(totp.current_step() - totp.DRIFT_STEPS, _TOTP_LAST_STEP.get(username, -1) + 1)
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
            "/api/v1/auth/login/totp", json={"challenge": body["challenge"], "code": totp_code(username)}
        )
        assert response.status_code == 200, response.text
        body = response.json()
    http.headers["X-CSRF-Token"] = body["csrf_token"]
    return body

"""Admins sign in with a second factor (DESIGN §8): the password opens a short-lived challenge, a code from
the authenticator app answers it. An admin without a second factor enrols at that step; nobody gets a
session from a password alone once a secret is set, and a code is good once."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.auth import totp
from app.db.models import AuditLog, User
from tests.support.factory import Factory


@pytest.fixture
async def people(factory: Factory) -> None:
    branch = await factory.branch(code="TOTP", name="Two Factor Branch")
    await factory.user("amira", roles=("admin",))
    await factory.user("casey", roles=("cashier",), branches=(branch,))
    await factory.commit()


async def password_step(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": Factory.PASSWORD}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def code_step(client: httpx.AsyncClient, challenge: str, code: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login/totp", json={"challenge": challenge, "code": code})


def code(secret: str, offset: int = 0) -> str:
    return totp.code_at(secret, totp.current_step() + offset)


async def stored_secret(db_session: Any, username: str) -> str | None:
    db_session.expire_all()
    return await db_session.scalar(select(User.totp_secret).where(User.username == username))


async def test_an_admin_without_a_second_factor_enrols_at_sign_in(
    client: httpx.AsyncClient, people: None, db_session: Any
) -> None:
    body = await password_step(client, "amira")
    assert body["totp_required"] is True and body["enrol"] is True
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    # The password alone opened nothing: no cookie, no session, and the secret is not saved yet.
    assert "passline_session" not in client.cookies
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert await stored_secret(db_session, "amira") is None

    wrong = await code_step(
        client, body["challenge"], "000000" if code(body["secret"]) != "000000" else "111111"
    )
    assert wrong.status_code == 401
    assert "passline_session" not in client.cookies

    done = await code_step(client, body["challenge"], code(body["secret"]))
    assert done.status_code == 200, done.text
    assert done.json()["user"]["username"] == "amira"
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    assert await stored_secret(db_session, "amira") == body["secret"]
    actions = set(await db_session.scalars(select(AuditLog.action)))
    assert {"auth.totp_enrolled", "auth.totp_failed", "auth.login"} <= actions


async def test_an_enrolled_admin_needs_a_fresh_code_every_time(
    client: httpx.AsyncClient, people: None, db_session: Any
) -> None:
    first = await password_step(client, "amira")
    secret = first["secret"]
    step = totp.current_step()
    enrolled_with = totp.code_at(secret, step)
    assert (await code_step(client, first["challenge"], enrolled_with)).status_code == 200
    client.cookies.clear()

    second = await password_step(client, "amira")
    assert second["enrol"] is False
    assert second["secret"] is None and second["otpauth_uri"] is None
    # The code that enrolled is spent: replaying it, still inside its window, is refused (the same string,
    # even if the clock has moved on to the next step meanwhile).
    replay = await code_step(client, second["challenge"], enrolled_with)
    assert replay.status_code == 401
    assert replay.json()["detail"] == "Wrong or already used code"
    assert (await code_step(client, second["challenge"], totp.code_at(secret, step + 1))).status_code == 200


async def test_a_challenge_dies_after_five_wrong_codes(client: httpx.AsyncClient, people: None) -> None:
    body = await password_step(client, "amira")
    right = code(body["secret"])
    wrong = "123456" if right != "123456" else "654321"
    for _ in range(4):
        assert (await code_step(client, body["challenge"], wrong)).status_code == 401
    # The fifth wrong code also locks the account's codes for a while (test_auth_totp_lockout.py).
    assert (await code_step(client, body["challenge"], wrong)).status_code == 429
    late = await code_step(client, body["challenge"], right)
    assert late.status_code == 401
    assert "expired" in late.json()["detail"]


async def test_one_code_sent_twice_at_once_opens_one_session(
    client: httpx.AsyncClient, people: None, runtime: Any
) -> None:
    body = await password_step(client, "amira")
    answer = code(body["secret"])
    async with (
        httpx.AsyncClient(transport=client._transport, base_url=client.base_url) as one,
        httpx.AsyncClient(transport=client._transport, base_url=client.base_url) as two,
    ):
        results = await asyncio.gather(
            code_step(one, body["challenge"], answer), code_step(two, body["challenge"], answer)
        )
    assert sorted(r.status_code for r in results) == [200, 401]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"challenge": "made-up", "code": "123456"}, 401),
        ({"challenge": "x", "code": ""}, 400),
        ({"challenge": "x"}, 400),
        ({"challenge": "x", "code": "123456", "extra": 1}, 400),
    ],
)
async def test_bad_second_steps_are_refused_clearly(
    client: httpx.AsyncClient, people: None, payload: dict[str, Any], status: int
) -> None:
    response = await client.post("/api/v1/auth/login/totp", json=payload)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


async def test_staff_without_a_second_factor_sign_in_with_the_password(
    client: httpx.AsyncClient, people: None
) -> None:
    body = await password_step(client, "casey")
    assert "totp_required" not in body
    assert body["user"]["username"] == "casey"
    assert (await client.get("/api/v1/auth/me")).status_code == 200


async def test_a_wrong_password_never_reaches_the_second_step(
    client: httpx.AsyncClient, people: None
) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": "amira", "password": "nope"})
    assert response.status_code == 401
    assert "challenge" not in response.text


async def test_resetting_a_lost_second_factor_signs_out_and_enrols_again(
    client: httpx.AsyncClient, people: None, db_session: Any
) -> None:
    from app.staff.admin import reset_second_factor

    first = await password_step(client, "amira")
    assert (await code_step(client, first["challenge"], code(first["secret"]))).status_code == 200
    assert (await client.get("/api/v1/auth/me")).status_code == 200

    await reset_second_factor(username="amira")  # what `passline reset-totp --username amira` runs

    assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert await stored_secret(db_session, "amira") is None
    again = await password_step(client, "amira")
    assert again["enrol"] is True and again["secret"] != first["secret"]

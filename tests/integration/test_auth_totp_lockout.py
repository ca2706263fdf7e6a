"""Wrong second-factor codes are counted per account in PostgreSQL, across sign-ins: every fifth in a row
locks the account's codes, for longer each time, tells the managers' boards and is audited. A good
sign-in starts the count again."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from app.auth import totp
from app.auth._lockout import BASE_LOCK_SECONDS, MAX_WRONG_CODES, lock_seconds
from app.db.models import AuditLog, User
from app.events.stream import read_after
from tests.support.factory import Factory


@pytest.fixture
async def amira(factory: Factory) -> dict[str, Any]:
    """An admin with a second factor, and the branch whose board hears of a lock."""
    branch = await factory.branch(code="LK", name="Lock Branch")
    user = await factory.user("amira", roles=("admin",), branches=(branch,))
    user.totp_secret = totp.new_secret()
    await factory.commit()
    return {"id": user.id, "secret": user.totp_secret, "branch": branch.id}


async def challenge(client: httpx.AsyncClient) -> str:
    response = await client.post(
        "/api/v1/auth/login", json={"username": "amira", "password": Factory.PASSWORD}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["challenge"])


def wrong_code(secret: str) -> str:
    """A code no step of the drift window accepts."""
    good = {totp.code_at(secret, totp.current_step() + d) for d in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(1000, 2000)) if c not in good)


async def answer(client: httpx.AsyncClient, token: str, code: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login/totp", json={"challenge": token, "code": code})


async def actions(db_session: Any, user_id: int) -> list[tuple[str, dict[str, Any]]]:
    db_session.expire_all()
    rows = await db_session.execute(
        select(AuditLog.action, AuditLog.data)
        .where(AuditLog.entity_type == "user", AuditLog.entity_id == str(user_id))
        .order_by(AuditLog.id)
    )
    return [(action, data) for action, data in rows.all() if action.startswith("auth.totp")]


async def age_audit(db_session: Any, user_id: int, seconds: int) -> None:
    """Move the account's audit trail back in time, as if the lock had been waited out."""
    await db_session.execute(
        text("UPDATE audit_log SET ts = ts - make_interval(secs => :s) WHERE entity_id = :id"),
        {"s": seconds, "id": str(user_id)},
    )
    await db_session.commit()


async def test_wrong_codes_across_sign_ins_lock_the_account(
    client: httpx.AsyncClient, amira: dict[str, Any], db_session: Any, runtime: Any
) -> None:
    bad = wrong_code(amira["secret"])
    # Three wrong codes in one sign-in, two in the next: the count is the account's, not the challenge's.
    first = await challenge(client)
    for _ in range(3):
        assert (await answer(client, first, bad)).status_code == 401
    second = await challenge(client)
    assert (await answer(client, second, bad)).status_code == 401
    locking = await answer(client, second, bad)
    assert locking.status_code == 429, locking.text
    assert "Too many wrong codes" in locking.json()["detail"]
    assert 55 <= int(locking.headers["Retry-After"]) <= BASE_LOCK_SECONDS

    # Locked: even the right code in a fresh sign-in opens nothing.
    third = await challenge(client)
    refused = await answer(client, third, totp.code_at(amira["secret"], totp.current_step()))
    assert refused.status_code == 429, refused.text
    assert "passline_session" not in client.cookies

    trail = await actions(db_session, amira["id"])
    assert [a for a, _ in trail] == ["auth.totp_failed"] * MAX_WRONG_CODES + ["auth.totp_locked"]
    assert [d["failures"] for _, d in trail[:-1]] == [1, 2, 3, 4, 5]
    assert trail[-1][1]["seconds"] == BASE_LOCK_SECONDS and trail[-1][1]["failures"] == 5

    # The managers' board of the account's branch hears of it, through the event bus, after the commit.
    entries = await read_after(runtime.redis, runtime.keys, amira["branch"], "0-0")
    [alert] = [e.data() for e in entries if e.type == "alert.raised"]
    assert alert["kind"] == "second_factor_locked"
    assert alert["user_id"] == amira["id"] and alert["username"] == "amira"
    assert alert["failures"] == 5 and "locked for 60 s" in alert["message"]
    assert "order_id" not in alert

    # Waited out: the right code signs in, and the count starts again from nothing.
    await age_audit(db_session, amira["id"], BASE_LOCK_SECONDS + 1)
    fourth = await challenge(client)
    signed_in = await answer(client, fourth, totp.code_at(amira["secret"], totp.current_step()))
    assert signed_in.status_code == 200, signed_in.text
    client.cookies.clear()
    fifth = await challenge(client)
    assert (await answer(client, fifth, bad)).status_code == 401
    assert [d["failures"] for a, d in (await actions(db_session, amira["id"])) if a == "auth.totp_failed"][
        -1
    ] == 1


async def test_the_lock_grows_with_each_round_of_guesses(
    client: httpx.AsyncClient, amira: dict[str, Any], db_session: Any
) -> None:
    assert [lock_seconds(n * MAX_WRONG_CODES) for n in (1, 2, 3, 4, 7, 40)] == [60, 120, 240, 480, 3600, 3600]
    bad = wrong_code(amira["secret"])
    for expected in (60, 120):
        token = await challenge(client)
        statuses = [(await answer(client, token, bad)).status_code for _ in range(MAX_WRONG_CODES)]
        assert statuses == [401] * (MAX_WRONG_CODES - 1) + [429]
        locks = [d for a, d in await actions(db_session, amira["id"]) if a == "auth.totp_locked"]
        assert locks[-1]["seconds"] == expected
        await age_audit(db_session, amira["id"], expected + 1)


async def test_a_burst_of_guesses_is_counted_one_by_one(
    client: httpx.AsyncClient, amira: dict[str, Any], db_session: Any
) -> None:
    """Ten guesses at once over two sign-ins: the account row serialises them, so exactly five are checked
    and the rest meet the lock."""
    bad = wrong_code(amira["secret"])
    tokens = [await challenge(client), await challenge(client)]
    replies = await asyncio.gather(*(answer(client, tokens[i % 2], bad) for i in range(10)))
    statuses = sorted(r.status_code for r in replies)
    assert statuses.count(401) <= MAX_WRONG_CODES - 1, statuses
    assert 429 in statuses
    trail = await actions(db_session, amira["id"])
    assert [a for a, _ in trail].count("auth.totp_failed") == MAX_WRONG_CODES
    assert [a for a, _ in trail].count("auth.totp_locked") == 1
    db_session.expire_all()
    assert await db_session.scalar(select(User.is_active).where(User.id == amira["id"]))

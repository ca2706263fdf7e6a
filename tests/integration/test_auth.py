"""Login, sessions, CSRF, roles and branch scoping, over HTTP against real PostgreSQL and Redis."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    north = await factory.branch(code="NO", name="North")
    south = await factory.branch(code="SO", name="South")
    await factory.user("nadia", roles=("manager",), branches=(north,))
    await factory.user("carl", roles=("cashier",), branches=(south,))
    await factory.user("root", roles=("admin",))
    await factory.user("gone", roles=("manager",), branches=(north,), is_active=False)
    await factory.commit()
    return {"north": north, "south": south}


async def test_login_sets_http_only_session_cookie_and_readable_csrf_cookie(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"username": "nadia", "password": Factory.PASSWORD}
    )
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("passline_session="))
    csrf_cookie = next(c for c in cookies if c.startswith("passline_csrf="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie or "SameSite=Lax" in session_cookie
    assert "HttpOnly" not in csrf_cookie
    body = response.json()
    assert body["user"]["username"] == "nadia"
    assert body["user"]["roles"] == ["manager"]
    assert [b["code"] for b in body["user"]["branches"]] == ["NO"]
    assert f"passline_csrf={body['csrf_token']}" in csrf_cookie


async def test_me_reports_user_roles_and_branches(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "nadia")
    me = (await client.get("/api/v1/auth/me")).json()
    assert me["username"] == "nadia"
    assert me["roles"] == ["manager"]
    assert me["branches"] == [{"id": shop["north"].id, "code": "NO", "name": "North"}]


async def test_username_is_case_insensitive(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"username": " Nadia ", "password": Factory.PASSWORD}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("nadia", "wrong password"), ("nobody", Factory.PASSWORD), ("gone", Factory.PASSWORD)],
    ids=["wrong-password", "unknown-user", "inactive-user"],
)
async def test_wrong_credentials_all_get_the_same_401(
    client: httpx.AsyncClient, shop: dict[str, Any], username: str, password: str
) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong username or password"
    assert "passline_session" not in response.headers.get("set-cookie", "")


async def test_failed_and_successful_logins_are_audited(
    client: httpx.AsyncClient, shop: dict[str, Any], db_session: Any
) -> None:
    from app.db.models import AuditLog

    await client.post("/api/v1/auth/login", json={"username": "nadia", "password": "nope"})
    await login(client, "nadia")
    actions = (await db_session.scalars(select(AuditLog.action).order_by(AuditLog.id))).all()
    assert actions == ["auth.login_failed", "auth.login"]


async def test_anonymous_requests_get_401(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert (await client.get("/api/v1/branches")).status_code == 401


async def test_logout_ends_the_session_server_side(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "nadia")
    stolen_cookie = client.cookies.get("passline_session")
    assert (await client.post("/api/v1/auth/logout")).status_code == 200
    # Even a copy of the cookie kept by an attacker no longer works: the session is gone from Redis.
    client.cookies.set("passline_session", stolen_cookie or "")
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_cookie_authenticated_write_without_csrf_header_is_refused(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "nadia")
    token = client.headers.pop("X-CSRF-Token")
    refused = await client.post("/api/v1/auth/logout")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    wrong = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    accepted = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200


async def test_another_branchs_record_is_404_and_lists_are_scoped(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "nadia")
    listed = (await client.get("/api/v1/branches")).json()
    assert [b["code"] for b in listed] == ["NO"]
    assert (await client.get(f"/api/v1/branches/{shop['north'].id}")).status_code == 200
    hidden = await client.get(f"/api/v1/branches/{shop['south'].id}")
    assert hidden.status_code == 404
    missing = await client.get("/api/v1/branches/999999")
    assert missing.status_code == 404
    # The two 404s are indistinguishable: existence of another branch's record is not leaked.
    assert hidden.json() == missing.json()


async def test_admin_sees_every_branch(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "root")
    assert [b["code"] for b in (await client.get("/api/v1/branches")).json()] == ["NO", "SO"]


async def test_login_is_rate_limited(client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any) -> None:
    from app.auth.services import AuthService
    from app.settings import SecuritySettings

    async with runtime.sessionmaker() as session:
        service = AuthService(
            session=session,
            redis=runtime.redis,
            keys=runtime.keys,
            security=SecuritySettings(login_attempts_per_minute=3),
        )
        for _ in range(3):
            with pytest.raises(Exception, match="Wrong username"):
                await service.login(username="nadia", password="bad", client_ip="10.0.0.9")
        with pytest.raises(Exception, match="Too many attempts") as excinfo:
            await service.login(username="nadia", password=Factory.PASSWORD, client_ip="10.0.0.9")
    assert excinfo.value.status_code == 429  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (b"{not json", 400, ""),
        (b'{"username": 5, "password": "x"}', 400, "username"),
        (b'{"username": "nadia"}', 400, "password"),
        (b'{"username": "nadia", "password": "x", "role": "admin"}', 400, "role"),
        (b'{"username": "", "password": "x"}', 400, "username"),
        (b"[]", 400, ""),
    ],
    ids=["malformed", "wrong-type", "missing-field", "unknown-field", "empty-username", "not-an-object"],
)
async def test_bad_login_bodies_get_a_4xx_naming_the_problem(
    client: httpx.AsyncClient, shop: dict[str, Any], body: bytes, status: int, needle: str
) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert needle in response.text


async def test_oversized_body_is_refused(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    huge = b'{"username": "nadia", "password": "' + b"x" * 2_000_000 + b'"}'
    response = await client.post(
        "/api/v1/auth/login", content=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_garbage_cookie_is_treated_as_anonymous(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    client.cookies.set("passline_session", "x" * 500)
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    response = await client.get("/api/v1/auth/me", headers={"Cookie": 'passline_session="\\'})
    assert response.status_code == 401

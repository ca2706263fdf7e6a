"""People over HTTP: create, edit, deactivate (sessions end at once), reset password and second factor, PINs
on a signed-in till (locked after five wrong ones), custom roles; a manager never grants admin or touches an
admin (403) and never sees another branch's people (404)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditLog
from tests.support.auth import login
from tests.support.factory import Factory

PASSWORD = "a-long-password-1"


@pytest.fixture
async def staff(factory: Factory) -> dict[str, Any]:
    north = await factory.branch(code="NORTH")
    south = await factory.branch(code="SOUTH")
    boss = await factory.user("boss", roles=("manager",), branches=(north,))
    carla = await factory.user("carla", roles=("cashier",), branches=(north,))
    sam = await factory.user("sam", roles=("cashier",), branches=(south,))
    root = await factory.user("root", roles=("admin",), branches=(north,))
    await factory.commit()
    return {"north": north, "south": south, "boss": boss, "carla": carla, "sam": sam, "root": root}


def person(staff: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "username": "nadia",
        "full_name": "Nadia N",
        "password": PASSWORD,
        "roles": ["cashier"],
        "branch_ids": [staff["north"].id],
    } | extra


async def test_a_manager_adds_a_cashier_who_can_sign_in(
    client: httpx.AsyncClient, staff: dict[str, Any], asgi_app: Any
) -> None:
    await login(client, "boss")
    made = await client.post("/api/v1/admin/users", json=person(staff, employee_code="E77"))
    assert made.status_code == 201, made.text
    assert made.json()["roles"] == ["cashier"]
    assert made.json()["branch_ids"] == [staff["north"].id]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://t") as other:
        body = await login(other, "nadia", PASSWORD)
        assert body["user"]["roles"] == ["cashier"]
    taken = await client.post("/api/v1/admin/users", json=person(staff))
    assert taken.status_code == 409


async def test_a_manager_never_grants_admin_nor_touches_an_admin(
    client: httpx.AsyncClient, staff: dict[str, Any]
) -> None:
    await login(client, "boss")
    grant = await client.post("/api/v1/admin/users", json=person(staff, roles=["admin"]))
    assert grant.status_code == 403
    promote = await client.put(
        f"/api/v1/admin/users/{staff['carla'].id}",
        json={"roles": ["cashier", "admin"], "branch_ids": [staff["north"].id]},
    )
    assert promote.status_code == 403
    for path in ("deactivate", "totp-reset"):
        touched = await client.post(f"/api/v1/admin/users/{staff['root'].id}/{path}")
        assert touched.status_code == 403, path
    listed = (await client.get("/api/v1/admin/users")).json()["items"]
    assert [u["username"] for u in listed] == ["boss", "carla"]


async def test_another_branchs_people_are_a_404_to_a_manager(
    client: httpx.AsyncClient, staff: dict[str, Any]
) -> None:
    await login(client, "boss")
    assert (await client.get(f"/api/v1/admin/users/{staff['sam'].id}")).status_code == 404
    assert (await client.post(f"/api/v1/admin/users/{staff['sam'].id}/deactivate")).status_code == 404
    elsewhere = await client.post("/api/v1/admin/users", json=person(staff, branch_ids=[staff["south"].id]))
    assert elsewhere.status_code == 404


async def test_deactivating_ends_the_persons_sessions_at_once(
    client: httpx.AsyncClient, staff: dict[str, Any], asgi_app: Any, db_session: AsyncSession
) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://t") as till:
        await login(till, "carla")
        assert (await till.get("/api/v1/auth/me")).status_code == 200
        await login(client, "boss")
        response = await client.post(f"/api/v1/admin/users/{staff['carla'].id}/deactivate")
        assert response.status_code == 200, response.text
        assert response.json()["sessions_ended"] == 1
        assert (await till.get("/api/v1/auth/me")).status_code == 401
        refused = await till.post(
            "/api/v1/auth/login", json={"username": "carla", "password": Factory.PASSWORD}
        )
        assert refused.status_code == 401
    row = await db_session.scalar(select(AuditLog).where(AuditLog.action == "user.deactivate"))
    assert row is not None
    assert (row.data["before"]["is_active"], row.data["after"]["is_active"]) == (True, False)


async def test_a_password_reset_ends_sessions_and_the_new_password_works(
    client: httpx.AsyncClient, staff: dict[str, Any], asgi_app: Any
) -> None:
    await login(client, "boss")
    response = await client.post(
        f"/api/v1/admin/users/{staff['carla'].id}/password", json={"password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    short = await client.post(f"/api/v1/admin/users/{staff['carla'].id}/password", json={"password": "short"})
    assert short.status_code == 400
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://t") as till:
        await login(till, "carla", PASSWORD)


async def test_a_pin_switches_the_till_and_five_wrong_ones_lock_it(
    client: httpx.AsyncClient, staff: dict[str, Any], asgi_app: Any, db_session: AsyncSession
) -> None:
    await login(client, "boss")
    made = await client.post("/api/v1/admin/users", json=person(staff))
    nadia = made.json()["id"]
    assert (await client.put(f"/api/v1/admin/users/{nadia}/pin", json={"pin": "12ab"})).status_code == 400
    assert (await client.put(f"/api/v1/admin/users/{nadia}/pin", json={"pin": "4821"})).status_code == 200
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://t") as till:
        await login(till, "carla")
        switched = await till.post("/api/v1/auth/pin", json={"who": "nadia", "pin": "4821"})
        assert switched.status_code == 200, switched.text
        assert switched.json()["user"]["username"] == "nadia"
        till.headers["X-CSRF-Token"] = switched.json()["csrf_token"]
        assert (await till.get("/api/v1/auth/me")).json()["username"] == "nadia"
        # Five wrong PINs in a row lock that PIN, even against the right one afterwards.
        for attempt in range(1, 6):
            wrong = await till.post("/api/v1/auth/pin", json={"who": "nadia", "pin": "0000"})
            assert wrong.status_code == (401 if attempt < 5 else 423), (attempt, wrong.text)
        locked = await till.post("/api/v1/auth/pin", json={"who": "nadia", "pin": "4821"})
        assert locked.status_code == 423
    # A new PIN from a manager unlocks it.
    assert (await client.put(f"/api/v1/admin/users/{nadia}/pin", json={"pin": "5555"})).json()[
        "pin_locked"
    ] is False


async def test_a_pin_needs_a_signed_in_till(client: httpx.AsyncClient, staff: dict[str, Any]) -> None:
    response = await client.post("/api/v1/auth/pin", json={"who": "carla", "pin": "1234"})
    assert response.status_code == 401


async def test_custom_roles_are_named_permission_sets_defined_by_admins(
    client: httpx.AsyncClient, staff: dict[str, Any], asgi_app: Any
) -> None:
    await login(client, "boss")
    refused = await client.post(
        "/api/v1/admin/roles", json={"name": "Shift lead", "permissions": ["cashier"]}
    )
    assert refused.status_code == 403
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://t") as admin:
        await login(admin, "root")
        bad = await admin.post("/api/v1/admin/roles", json={"name": "Boss", "permissions": ["admin"]})
        assert bad.status_code == 422
        role = await admin.post(
            "/api/v1/admin/roles", json={"name": "Shift lead", "permissions": ["cashier", "kitchen"]}
        )
        assert role.status_code == 201, role.text
    made = await client.post(
        "/api/v1/admin/users", json=person(staff, roles=[], custom_role_ids=[role.json()["id"]])
    )
    assert made.status_code == 201, made.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://t") as lead:
        body = await login(lead, "nadia", PASSWORD)
        assert body["user"]["roles"] == ["cashier", "kitchen"]


async def test_changing_your_own_password_keeps_the_session_you_use(
    client: httpx.AsyncClient, staff: dict[str, Any], asgi_app: Any
) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://t") as phone:
        await login(phone, "boss")
        await login(client, "boss")
        response = await client.post(
            f"/api/v1/admin/users/{staff['boss'].id}/password", json={"password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        assert response.json()["sessions_ended"] == 1
        assert (await client.get("/api/v1/auth/me")).status_code == 200
        assert (await phone.get("/api/v1/auth/me")).status_code == 401

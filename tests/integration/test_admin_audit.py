"""The audit log viewer: who changed what and when, with before and after; filters; a manager sees their
branches' entries and the shop-wide ones, never another branch's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from app.lib import audit
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    mine = await factory.branch(code="MINE")
    theirs = await factory.branch(code="THEIRS")
    boss = await factory.user("boss", roles=("manager",), branches=(mine,))
    other = await factory.user("other", roles=("manager",), branches=(theirs,))
    audit.record(
        factory.session,
        action="shift.open",
        entity_type="shift",
        entity_id="s1",
        actor_user_id=boss.id,
        branch_id=mine.id,
    )
    audit.record(
        factory.session,
        action="shift.open",
        entity_type="shift",
        entity_id="s2",
        actor_user_id=other.id,
        branch_id=theirs.id,
    )
    await factory.commit()
    return {"mine": mine, "theirs": theirs, "boss": boss, "other": other}


async def entries(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/admin/audit", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_change_shows_who_what_when_with_before_and_after(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    made = await client.post("/api/v1/admin/categories", json={"code": "soups", "name": "Soups"})
    assert made.status_code == 201, made.text
    renamed = await client.patch(
        f"/api/v1/admin/categories/{made.json()['id']}", json={"name": "Hot soups", "color": "#aa5500"}
    )
    assert renamed.status_code == 200, renamed.text
    rows = await entries(client, entity_type="category")
    assert [r["action"] for r in rows] == ["category.update", "category.create"]
    update = rows[0]
    assert update["actor"]["username"] == "boss"
    assert update["entity_id"] == str(made.json()["id"])
    assert update["data"]["before"]["name"] == "Soups"
    assert update["data"]["after"] == {
        "code": "soups",
        "name": "Hot soups",
        "color": "#aa5500",
        "sort_order": update["data"]["after"]["sort_order"],
    }
    assert dt.datetime.fromisoformat(update["ts"]) <= dt.datetime.now(dt.UTC)
    assert [r["action"] for r in await entries(client, action="category")] == [
        "category.update",
        "category.create",
    ]


async def test_filters_by_person_date_and_record_and_scopes_to_the_managers_branches(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    seen = await entries(client, entity_type="shift")
    assert [r["entity_id"] for r in seen] == ["s1"]
    assert await entries(client, actor_id=shop["other"].id) == []
    assert [r["entity_id"] for r in await entries(client, actor_id=shop["boss"].id, entity_type="shift")] == [
        "s1"
    ]
    assert await entries(client, entity_id="s2") == []
    today = dt.datetime.now(dt.UTC).date()
    assert [
        r["entity_id"]
        for r in await entries(client, entity_type="shift", **{"from": str(today), "to": str(today)})
    ] == ["s1"]
    assert await entries(client, entity_type="shift", **{"from": str(today + dt.timedelta(days=1))}) == []
    assert await entries(client, branch_id=shop["theirs"].id) == []
    backwards = await client.get(
        "/api/v1/admin/audit", params={"from": str(today), "to": str(today - dt.timedelta(days=1))}
    )
    assert backwards.status_code == 422
    facets = (await client.get("/api/v1/admin/audit/facets")).json()
    assert [a["username"] for a in facets["actors"]] == ["boss"]
    assert "shift.open" in facets["actions"]


async def test_the_audit_log_is_for_managers(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.user("till", roles=("cashier",), branches=(await factory.branch(),))
    await factory.commit()
    await login(client, "till")
    assert (await client.get("/api/v1/admin/audit")).status_code == 403

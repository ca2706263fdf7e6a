"""`GET /api/v1/pos/start`: the till's first load in one read, on the demo shop — the tills of the
cashier's branches, the chosen till's catalog, its open shift and the branch's paused channels; the same
figures the four separate reads give, and only the caller's branches."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Branch, PosProfile
from app.demo import DEMO_PASSWORD, seed_demo
from tests.support.auth import login


@pytest.fixture
async def demo(db_session: AsyncSession) -> dict[str, Any]:
    await seed_demo(db_session)
    branches = dict((await db_session.execute(select(Branch.code, Branch.id))).all())
    tills = dict((await db_session.execute(select(PosProfile.branch_id, PosProfile.id))).all())
    return {"branch": branches, "till": tills}


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["passline_csrf"]}


async def start(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/pos/start", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_one_read_gives_what_the_four_reads_give(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    dt_id, rs_id = demo["branch"]["DT"], demo["branch"]["RS"]
    till = demo["till"][dt_id]
    await login(client, "cashier", DEMO_PASSWORD)  # a Downtown cashier
    first = await start(client)
    # Only the cashier's branch, with its tills; the first till chosen, with no shift open yet.
    assert [b["branch_id"] for b in first["branches"]] == [dt_id]
    listed = (await client.get("/api/v1/pos/profiles", params={"branch_id": dt_id})).json()
    assert first["branches"][0]["tills"] == listed
    assert (first["branch_id"], first["pos_profile_id"], first["shift"]) == (dt_id, till, None)
    catalog = (
        await client.get("/api/v1/pos/catalog", params={"branch_id": dt_id, "pos_profile_id": till})
    ).json()
    assert first["catalog"]["products"] == catalog["products"]
    assert first["catalog"]["profile"]["id"] == till
    assert first["pauses"] == (await client.get(f"/api/v1/menu/branches/{dt_id}/pauses")).json()

    # With a shift open, the start carries it, as the till's own read does.
    opened = await client.post(
        "/api/v1/shifts",
        json={"id": str(uuid.uuid4()), "pos_profile_id": till, "opening_cash": "50.00"},
        headers=csrf(client),
    )
    assert opened.status_code == 201, opened.text
    again = await start(client, pos_profile_id=till)
    assert again["shift"] == (await client.get(f"/api/v1/pos/profiles/{till}/shift")).json()
    assert again["shift"]["id"] == opened.json()["id"]

    # Another branch's till, or one that does not exist, is not the caller's: the start falls back to theirs.
    for other in (demo["till"][rs_id], 999_999):
        fallback = await start(client, pos_profile_id=other)
        assert (fallback["branch_id"], fallback["pos_profile_id"]) == (dt_id, till)
    assert (await start(client, branch_id=rs_id))["branch_id"] == dt_id


async def test_bad_input_and_strangers(client: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    assert (await client.get("/api/v1/pos/start")).status_code == 401
    await login(client, "cashier", DEMO_PASSWORD)
    for bad in ({"pos_profile_id": "abc"}, {"pos_profile_id": 0}, {"branch_id": -1}):
        response = await client.get("/api/v1/pos/start", params=bad)
        assert response.status_code == 400, (bad, response.text)
    await login(client, "kitchen", DEMO_PASSWORD)
    assert (await client.get("/api/v1/pos/start")).status_code == 403

"""A branch's tills from /admin/branches (`/api/v1/pos/profiles`): added, renamed, their price list and
checks set, deactivated — refused with the reason while a shift is open on the till."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditLog
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    mine = await factory.branch(code="TMINE")
    await factory.user("boss", roles=("manager",), branches=(mine,))
    await factory.commit()
    return {"mine": mine.id}


async def test_a_till_is_set_up_and_stays_on_while_its_shift_is_open(
    client: httpx.AsyncClient, shop: dict[str, Any], db_session: AsyncSession
) -> None:
    await login(client, "boss")
    made = await client.post(
        "/api/v1/pos/profiles",
        json={
            "branch_id": shop["mine"],
            "code": "front",
            "name": "Front till",
            "default_price_list": "wholesale",
        },
    )
    assert made.status_code == 201, made.text
    till = made.json()
    again = await client.post(
        "/api/v1/pos/profiles", json={"branch_id": shop["mine"], "code": "front", "name": "Other"}
    )
    assert again.status_code == 409 and again.json()["field"] == "code" and "front" in again.json()["detail"]

    renamed = await client.patch(
        f"/api/v1/pos/profiles/{till['id']}",
        json={"name": "Front counter", "confirm_order_total": "5000", "payment_methods": ["cash", "card"]},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Front counter" and renamed.json()["confirm_order_total"] == "5000"
    bad = await client.patch(f"/api/v1/pos/profiles/{till['id']}", json={"confirm_order_total": "-1"})
    assert bad.status_code == 422 and bad.json()["field"] == "confirm_order_total"

    shift = str(uuid.uuid4())
    opened = await client.post(
        "/api/v1/shifts", json={"id": shift, "pos_profile_id": till["id"], "opening_cash": "100.00"}
    )
    assert opened.status_code in (200, 201), opened.text
    refused = await client.patch(f"/api/v1/pos/profiles/{till['id']}", json={"active": False})
    assert refused.status_code == 409, refused.text
    answer = refused.json()
    assert answer["field"] == "active" and answer["reason"] == "shift_open"
    assert "Front counter" in answer["detail"] and "close the shift first" in answer["detail"]
    # Renaming is fine while it sells.
    assert (
        await client.patch(f"/api/v1/pos/profiles/{till['id']}", json={"name": "Front"})
    ).status_code == 200

    closed = await client.post(f"/api/v1/shifts/{shift}/close", json={"counted": {"cash": "100.00"}})
    assert closed.status_code == 200, closed.text
    off = await client.patch(f"/api/v1/pos/profiles/{till['id']}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False

    rows = list(await db_session.scalars(select(AuditLog).where(AuditLog.entity_type == "pos_profile")))
    update = next(r for r in rows if r.action == "pos_profile.update" and "active" in r.data["after"])
    assert update.data == {"before": {"active": True}, "after": {"active": False}}

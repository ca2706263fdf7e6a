"""A paired station display works its own station through the kitchen API, and nothing else."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.db.models import AuditLog
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.kitchen import make_shop, new_order, ticket_of


async def paired_display(factory: Factory, branch_id: int, *, role: str, station: str | None) -> str:
    """An approved display, as the pairing flow leaves it (app/devices); returns its token."""
    from app.auth.sessions import token_digest
    from app.db.models import Device

    token = uuid.uuid4().hex
    factory.session.add(
        Device(
            id=uuid.uuid4(),
            status="approved",
            pairing_code=uuid.uuid4().hex[:6].upper(),
            branch_id=branch_id,
            role=role,
            station_code=station,
            name=f"{role} {station or ''}".strip(),
            token_hash=token_digest(token),
        )
    )
    await factory.commit()
    return token


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    shop = await make_shop(factory)
    shop["grill_display"] = await paired_display(factory, shop["branch"], role="station", station="grill")
    shop["tv"] = await paired_display(factory, shop["branch"], role="queue_tv", station=None)
    return shop


def as_display(token: str) -> dict[str, str]:
    return {"Authorization": f"Device {token}"}


async def test_a_station_display_works_its_station_only(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    order = await new_order(client, shop)
    foreign = await new_order(client, shop, branch="other")
    grill, bar = ticket_of(order, "grill"), ticket_of(order, "bar")
    # The display has no session: only the device header, and no CSRF token.
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    display = client
    headers = as_display(shop["grill_display"])
    snapshot = await display.get(f"/api/v1/kds/{branch}/grill", headers=headers)
    assert snapshot.status_code == 200, snapshot.text
    assert [t["ticket_id"] for t in snapshot.json()["tickets"]] == [grill]
    started = await display.post(f"/api/v1/tickets/{grill}/start", headers=headers)
    assert started.status_code == 200, started.text
    assert started.json()["order_state"] == "preparing"
    assert (await display.post(f"/api/v1/tickets/{grill}/bump", headers=headers)).json()["state"] == "bumped"
    recent = await display.get(f"/api/v1/kds/{branch}/grill/recent", headers=headers)
    assert [t["ticket_id"] for t in recent.json()["tickets"]] == [grill]

    # Another station, the expo, another branch: not this display's.
    assert (await display.get(f"/api/v1/kds/{branch}/bar", headers=headers)).status_code == 404
    assert (await display.post(f"/api/v1/tickets/{bar}/bump", headers=headers)).status_code == 404
    foreign_ticket = ticket_of(foreign, "grill")
    assert (await display.post(f"/api/v1/tickets/{foreign_ticket}/bump", headers=headers)).status_code == 404
    assert (await display.get(f"/api/v1/kds/{shop['other']}/grill", headers=headers)).status_code == 404
    assert (await display.get(f"/api/v1/kds/{branch}/expo", headers=headers)).status_code == 403
    # A queue TV is no kitchen screen; an unknown token is told so.
    tv = as_display(shop["tv"])
    assert (await display.get(f"/api/v1/kds/{branch}/grill", headers=tv)).status_code == 403
    assert (await display.post(f"/api/v1/tickets/{bar}/start", headers=tv)).status_code == 403
    unknown = await display.get(f"/api/v1/kds/{branch}/grill", headers=as_display("nope"))
    assert unknown.status_code == 401
    # No credentials at all.
    assert (await display.post(f"/api/v1/tickets/{bar}/start")).status_code == 401

    async with runtime.sessionmaker() as session:
        rows = (
            await session.execute(
                select(AuditLog.action, AuditLog.actor_user_id, AuditLog.data)
                .where(AuditLog.entity_type == "kitchen_ticket")
                .order_by(AuditLog.id)
            )
        ).all()
    assert [(action, user) for action, user, _ in rows] == [("ticket.started", None), ("ticket.bumped", None)]
    assert all(data["device_id"] for _, _, data in rows)

    # Staff keep working every station of their branch.
    await login(client, "cook")
    assert (await client.post(f"/api/v1/tickets/{bar}/bump")).json()["order_state"] == "ready"

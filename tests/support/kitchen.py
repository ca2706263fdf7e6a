"""The kitchen tests' shop (two branches, grill and bar) and orders rung up by its cashier."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support.auth import login
from tests.support.factory import Factory


async def make_shop(factory: Factory) -> dict[str, Any]:
    """Two branches with stations, two products on two stations, one user per role that matters."""
    from app.db.models import Station

    branch = await factory.branch(code="KT", name="Kitchen")
    other = await factory.branch(code="OX", name="Other")
    factory.session.add_all(
        [
            Station(
                branch_id=branch.id,
                code="grill",
                name="Grill",
                warn_after_seconds=240,
                late_after_seconds=480,
            ),
            Station(branch_id=branch.id, code="bar", name="Bar"),
            Station(branch_id=other.id, code="grill", name="Grill"),
        ]
    )
    burger = await factory.product("Burger", price="50.00", station="grill")
    cola = await factory.product("Cola", price="10.00", station="bar")
    territory = await factory.territory()
    cook = await factory.user("cook", roles=("kitchen",), branches=(branch,))
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.user("rider", roles=("courier",), branches=(branch,))
    await factory.user("root", roles=("admin",))
    await factory.user("stranger", roles=("kitchen", "manager", "cashier"), branches=(other,))
    await factory.user("ocashier", roles=("cashier",), branches=(other,))
    await factory.commit()
    return {
        "branch": branch.id,
        "other": other.id,
        "burger": burger.id,
        "cola": cola.id,
        "territory": territory.id,
        "cook": cook.id,
    }


async def new_order(
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    *,
    products: tuple[str, ...] = ("burger", "cola"),
    channel: str = "counter",
    branch: str = "branch",
    table_label: str | None = None,
) -> dict[str, Any]:
    """An order rung up by the cashier (logs the cashier in)."""
    await login(client, "cashier" if branch == "branch" else "ocashier")
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop[branch],
        "channel": channel,
        "lines": [{"product_id": shop[p], "qty": "1", "note": f"{p} note"} for p in products],
    }
    if channel == "delivery":
        body["delivery"] = {"address": "3 Nile St", "territory_id": shop["territory"]}
    if table_label is not None:
        body["table_label"] = table_label
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def ticket_of(order: dict[str, Any], station: str) -> str:
    return str(next(t["id"] for t in order["tickets"] if t["station_code"] == station))

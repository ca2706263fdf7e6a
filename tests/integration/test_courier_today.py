"""The courier phone's first load in one call: `GET /api/v1/couriers/{id}/today` answers what the deliveries
(on the road) and balance endpoints answer, for the courier themself or a manager, and 404 to anyone else."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support.auth import login
from tests.support.factory import Factory


async def test_today_is_the_deliveries_and_the_balance_in_one_answer(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    branch = await factory.branch(code="CT", name="Courier Today")
    other = await factory.branch(code="CO", name="Other")
    burger = await factory.product("Burger", price="50.00")
    territory = await factory.territory()
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("otto", roles=("manager",), branches=(other,))
    rami = await factory.courier(
        branch, user=await factory.user("rami", roles=("courier",), branches=(branch,))
    )
    sara = await factory.courier(
        branch, user=await factory.user("sara", roles=("courier",), branches=(branch,))
    )
    await factory.commit()

    await login(client, "mia")
    made = await client.post(
        "/api/v1/orders",
        json={
            "id": str(uuid.uuid4()),
            "branch_id": branch.id,
            "channel": "delivery",
            "lines": [{"product_id": burger.id, "qty": "2"}],
            "delivery": {"address": "3 Nile St", "territory_id": territory.id},
        },
    )
    assert made.status_code == 201, made.text
    moved = await client.post(
        f"/api/v1/orders/{made.json()['id']}/transitions",
        json={
            "to": "out_for_delivery",
            "expected_version": made.json()["version"],
            "courier_id": rami.id,
            "settle_mode": "later",
        },
    )
    assert moved.status_code == 200, moved.text

    for who in ("rami", "mia"):
        await login(client, who)
        today = await client.get(f"/api/v1/couriers/{rami.id}/today")
        assert today.status_code == 200, today.text
        body: dict[str, Any] = today.json()
        assert (
            body["deliveries"]
            == (await client.get(f"/api/v1/couriers/{rami.id}/deliveries?active=true")).json()
        )
        assert body["balance"] == (await client.get(f"/api/v1/couriers/{rami.id}/balance")).json()
        assert [d["order_id"] for d in body["deliveries"]] == [made.json()["id"]]
    # Another courier, and a manager of another branch, may not see rami's day.
    for who in ("sara", "otto"):
        await login(client, who)
        assert (await client.get(f"/api/v1/couriers/{rami.id}/today")).status_code == 404
    await login(client, "sara")
    assert (await client.get(f"/api/v1/couriers/{sara.id}/today")).json()["deliveries"] == []

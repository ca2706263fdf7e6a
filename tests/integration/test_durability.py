"""Nothing acknowledged is lost: Redis loses everything in the middle of a flow, `rebuild` brings it back.

This runs against a real uvicorn web process and NO worker, so the event persister never runs: every
acknowledged transition must already be in PostgreSQL when its HTTP answer arrives (the web process's
journal), not "soon after".
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.factory import Factory
from tests.support.live import LiveServer


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="DU", name="Durable")
    burger = await factory.product("Burger", price="50.00")
    fries = await factory.product("Fries", price="20.00", station="fryer")
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {"branch": branch, "burger": burger, "fries": fries}


async def _login(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/v1/auth/login", json={"username": "boss", "password": Factory.PASSWORD})
    assert response.status_code == 200
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]


async def _lose_redis(runtime: Any) -> None:
    keys = [key async for key in runtime.redis.scan_iter(match=f"{runtime.keys.prefix}*", count=1000)]
    if keys:
        await runtime.redis.unlink(*keys)


async def test_flush_redis_mid_flow_rebuild_and_carry_on(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any
) -> None:
    from app.orders.rebuild import rebuild

    acknowledged: dict[str, tuple[str, int]] = {}
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await _login(http)
        for _ in range(4):
            body = {
                "id": str(uuid.uuid4()),
                "branch_id": shop["branch"].id,
                "channel": "counter",
                "lines": [
                    {"product_id": shop["burger"].id, "qty": "1"},
                    {"product_id": shop["fries"].id, "qty": "2"},
                ],
            }
            created = await http.post("/api/v1/orders", json=body)
            assert created.status_code == 201
            acknowledged[body["id"]] = ("received", 1)
        order_ids = list(acknowledged)
        for order_id, path in zip(
            order_ids, (["preparing"], ["preparing", "ready"], ["ready"], []), strict=True
        ):
            for target in path:
                moved = await http.post(f"/api/v1/orders/{order_id}/transitions", json={"to": target})
                assert moved.status_code == 200, moved.text
                acknowledged[order_id] = (target, moved.json()["version"])
        cancelled = await http.post(
            f"/api/v1/orders/{order_ids[3]}/transitions", json={"to": "cancelled", "reason": "walked out"}
        )
        assert cancelled.status_code == 200
        acknowledged[order_ids[3]] = ("cancelled", cancelled.json()["version"])

        # Redis loses everything, sessions included, the moment the last answer arrived.
        await _lose_redis(runtime)
        report = await rebuild(runtime)
        assert report.orders_restored == 3  # the cancelled one is finished and stays out of the hot state

        await _login(http)
        board = (await http.get(f"/api/v1/branches/{shop['branch'].id}/board")).json()
        on_board = {
            card["order_id"]: (card["state"], card["version"])
            for cards in board["columns"].values()
            for card in cards
        }
        assert on_board == {oid: acknowledged[oid] for oid in order_ids[:3]}
        for order_id in order_ids:
            detail = (await http.get(f"/api/v1/orders/{order_id}")).json()
            assert (detail["state"], detail["version"]) == acknowledged[order_id]

        # The flow carries on from the right versions.
        state, version = acknowledged[order_ids[0]]
        assert state == "preparing"
        onward = await http.post(
            f"/api/v1/orders/{order_ids[0]}/transitions", json={"to": "ready", "expected_version": version}
        )
        assert onward.status_code == 200, onward.text
        assert onward.json()["version"] == version + 1

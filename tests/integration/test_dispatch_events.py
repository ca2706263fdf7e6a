"""Who sees the dispatch events (DESIGN §5): the events a real dispatch, accept and settlement append,
through each audience's projection. `courier.*` and `settlement.completed` reach the named courier's room
only, the board gets them whole, the TV and the kitchen get nothing of them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from realtime.projection import COURIER, KANBAN, KDS, QUEUE, courier_room, project
from tests.support.auth import login
from tests.support.dispatch import dispatch, make_shop, new_order, stream
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


DISPATCH_EVENTS = ("courier.assigned", "courier.updated", "settlement.completed")


async def test_dispatch_events_reach_their_courier_and_the_board_only(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await dispatch(client, order["id"], shop["rider"], "later")).status_code == 200
    [delivery] = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/deliveries")).json()
    await login(client, "rider")
    assert (await client.post(f"/api/v1/deliveries/{delivery['id']}/accept")).status_code == 200
    await login(client, "boss")
    settled = await client.post(
        f"/api/v1/couriers/{shop['rider'].id}/settlements", json={"id": str(uuid.uuid4())}
    )
    assert settled.status_code == 201

    branch_id = shop["branch"].id
    entries = [e for e in await stream(runtime, shop) if e.type in DISPATCH_EVENTS]
    assert [e.type for e in entries] == list(DISPATCH_EVENTS)
    for entry in entries:
        data = entry.data()
        [to_courier] = project(COURIER, entry.type, branch_id, data)
        assert to_courier.rooms == (courier_room(shop["rider"].id),)
        assert courier_room(shop["rider2"].id) not in to_courier.rooms
        assert to_courier.data is None  # their own cash and where to go, unchanged
        [to_board] = project(KANBAN, entry.type, branch_id, data)
        assert to_board.data is None
        assert project(QUEUE, entry.type, branch_id, data) == []
        assert project(KDS, entry.type, branch_id, data) == []
    assigned = entries[0].data()
    assert assigned["customer_phone"] == "+201001234567" and assigned["amount_to_collect"] == "134.00"

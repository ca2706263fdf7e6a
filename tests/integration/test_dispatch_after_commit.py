"""A dispatch reaches sockets only after PostgreSQL has committed it (STYLE 8).

A board that hears `order.state_changed → out_for_delivery` and at once reads the order's delivery must
find it. The test holds a lock on `order_events` while the dispatch runs, so storing the transition's event
is slow: a dispatch that announced before committing (its event written into the same transaction) would
be heard while the delivery row is still invisible to everyone else.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.support.auth import login
from tests.support.dispatch import make_shop, new_order
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.sockets import LiveClient, connect


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


async def _delivery_rows(runtime: Any, order_id: str) -> list[Any]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT state, courier_id FROM deliveries WHERE order_id = :id"), {"id": order_id}
        )
        return list(rows.all())


async def _wait_for_move(board: LiveClient, order_id: str, to: str) -> dict[str, Any]:
    while True:
        envelope = await board.next_event()
        data = envelope["data"]
        if envelope["type"] == "order.state_changed" and data["order_id"] == order_id and data["to"] == to:
            return envelope


async def test_the_board_hears_a_dispatch_only_once_its_delivery_is_readable(
    shop: dict[str, Any], runtime: Any, live_server: LiveServer, clients: list[LiveClient]
) -> None:
    board = await connect(clients, live_server, "/kanban", "boss")
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        await login(http, "boss")
        order = await new_order(http, shop)
        async with runtime.engine.connect() as blocker:
            # Inserts into order_events wait for this lock (until the rollback below).
            await blocker.execute(text("LOCK TABLE order_events IN SHARE MODE"))
            try:
                moving = asyncio.create_task(
                    http.post(
                        f"/api/v1/orders/{order['id']}/transitions",
                        json={
                            "to": "out_for_delivery",
                            "courier_id": shop["rider"].id,
                            "settle_mode": "later",
                        },
                    )
                )
                await _wait_for_move(board, order["id"], "out_for_delivery")
                # Heard on the socket: what the event reports must already be committed.
                assert await _delivery_rows(runtime, order["id"]) == [("assigned", shop["rider"].id)]
            finally:
                await blocker.rollback()
            response = await asyncio.wait_for(moving, 30)
        assert response.status_code == 200, response.text

"""After Redis loses its data and `passline rebuild` restores it, a client resuming from an id it got before
the loss is told to `resync` (DESIGN §5) — whether the stream restarted empty or came back from an older
copy — and the snapshot it reloads holds every order, those made while it was away included."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.orders.rebuild import rebuild
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.sockets import LiveClient, connect


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="EP", name="Epoch")
    await factory.station(branch, "grill")
    burger = await factory.product("Burger", price="50.00", station="grill")
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "burger": burger.id}


async def place(server: LiveServer, shop: dict[str, Any]) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, "mia")
        body = {
            "id": str(uuid.uuid4()),
            "branch_id": shop["branch"],
            "channel": "counter",
            "lines": [{"product_id": shop["burger"], "qty": "1"}],
        }
        response = await http.post("/api/v1/orders", json=body)
        assert response.status_code == 201, response.text
        return str(body["id"])


async def board_ids(server: LiveServer, shop: dict[str, Any]) -> set[str]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, "mia")
        response = await http.get(f"/api/v1/branches/{shop['branch']}/board")
        assert response.status_code == 200, response.text
        return {card["order_id"] for cards in response.json()["columns"].values() for card in cards}


async def lose_redis(runtime: Any) -> None:
    keys = [key async for key in runtime.redis.scan_iter(match=f"{runtime.keys.prefix}*", count=1000)]
    if keys:
        await runtime.redis.unlink(*keys)


async def seen_until_quiet(client: LiveClient) -> str:
    """The id of the last event the client got before the stream went quiet."""
    last = ""
    try:
        while True:
            last = (await client.next_event(within=1.0))["id"]
    except TimeoutError:
        return last


async def test_resume_from_before_a_wipe_and_rebuild_gets_resync_and_the_snapshot_has_every_order(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    board = await connect(clients, live_server, "/kanban", "mia")
    first = await place(live_server, shop)
    mark = await seen_until_quiet(board)
    assert mark
    await board.disconnect()

    missed = await place(live_server, shop)  # while the board is away
    await lose_redis(runtime)
    report = await rebuild(runtime)
    assert report.orders_restored == 2
    after = await place(live_server, shop)  # the stream starts again, with ids newer than `mark`

    board = await connect(clients, live_server, "/kanban", "mia", {"last_event_id": mark})
    name, payload = await board.next()
    assert (name, payload["branch_id"]) == ("resync", shop["branch"]), (name, payload)
    assert payload["reason"] in {"stream_reset", "epoch"}
    assert await board_ids(live_server, shop) == {first, missed, after}


async def test_resume_into_a_stream_restored_from_an_older_copy_gets_resync_after_rebuild(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    """Redis came back from an older copy: the stream still holds the client's id and more was added since,
    so only the epoch the rebuild starts can tell the client its view is stale."""
    stream = runtime.keys.events(shop["branch"])
    board = await connect(clients, live_server, "/kanban", "mia")
    first = await place(live_server, shop)
    mark = await seen_until_quiet(board)
    await board.disconnect()
    copy = await runtime.redis.dump(stream)  # the "backup"

    lost = await place(live_server, shop)  # written after the copy: its events are lost
    await runtime.redis.restore(stream, 0, copy, replace=True)
    await rebuild(runtime)
    after = await place(live_server, shop)

    board = await connect(clients, live_server, "/kanban", "mia", {"last_event_id": mark})
    name, payload = await board.next()
    assert (name, payload) == ("resync", {"branch_id": shop["branch"], "reason": "epoch"}), (name, payload)
    assert await board_ids(live_server, shop) == {first, lost, after}

    # A client that resumes from an id of the new epoch is not sent back: it gets what it missed.
    fresh = await connect(clients, live_server, "/kanban", "mia")
    newest = await place(live_server, shop)
    point = await seen_until_quiet(fresh)
    await fresh.disconnect()
    again = await place(live_server, shop)
    fresh = await connect(clients, live_server, "/kanban", "mia", {"last_event_id": point})
    got = await fresh.next_event()
    assert got["type"] == "order.created" and got["data"]["order_id"] == again
    assert newest != again


async def test_a_page_connected_through_the_loss_is_told_to_reload_when_the_rebuild_finishes(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    board = await connect(clients, live_server, "/kanban", "mia")
    kitchen_view = await connect(clients, live_server, "/kanban", "mia")
    first = await place(live_server, shop)
    await seen_until_quiet(board)
    await lose_redis(runtime)
    lost = await place(live_server, shop)  # made after the loss, before the rebuild: no screen saw it
    await rebuild(runtime)
    for client in (board, kitchen_view):
        name, payload = await client.next()
        while name != "resync":  # events of the order placed after the loss may come first
            name, payload = await client.next()
        assert payload == {"branch_id": shop["branch"], "reason": "epoch"}
    assert await board_ids(live_server, shop) == {first, lost}

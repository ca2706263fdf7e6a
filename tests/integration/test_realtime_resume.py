"""Resume over Socket.IO against a real uvicorn server: missed events in order, then live ones, exactly once;
`resync` when the stream no longer holds what the client missed; malformed resume points refused."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.realtime import make_shop, move, new_order
from tests.support.sockets import LiveClient, RefusedError, connect


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


async def test_reconnect_with_last_event_id_gets_exactly_the_missed_events_then_live_ones(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    board = await connect(clients, live_server, "/kanban", "mia")
    order_id, created = await new_order(runtime, branch, stations=("grill",))
    seen = await board.events_until(created[-1])
    assert [e["id"] for e in seen] == created
    await board.disconnect()

    missed = [
        await move(runtime, branch, order_id, "preparing"),
        await move(runtime, branch, order_id, "ready"),
        await move(runtime, branch, order_id, "preparing"),  # a recall at the pass
    ]
    other_id, other_created = await new_order(runtime, branch, stations=())
    missed.extend(other_created)

    board = await connect(clients, live_server, "/kanban", "mia", {"last_event_id": seen[-1]["id"]})
    live = await move(runtime, branch, order_id, "ready")
    got = await board.events_until(live)
    assert [e["id"] for e in got] == [*missed, live]
    assert [e["data"].get("to") for e in got[:3]] == ["preparing", "ready", "preparing"]
    assert got[3]["data"]["order_id"] == other_id
    assert board.events.empty()


async def test_resume_hands_over_to_live_events_without_gaps_or_repeats_under_load(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    """Events keep coming while a client replays several pages: the ids it gets are the stream, once each."""
    from app.events.stream import read_after
    from tests.support.streams import append

    branch = shop["branch"]
    board = await connect(clients, live_server, "/kanban", "mia")
    _, created = await new_order(runtime, branch, stations=())
    start = (await board.next_event())["id"]
    assert start == created[0]
    await board.disconnect()

    async def add(tag: str, n: int) -> str:
        return await append(
            runtime.redis,
            runtime.keys,
            branch,
            type="alert.raised",
            data={"n": n, "tag": tag},
            maxlen=100_000,
        )

    async def until_handed_over() -> str:
        # Keeps appending until the server has sent this client live events (the bridge took over from
        # the replay), then a few more: the handoff always happens while events are arriving.
        live_before = await deliveries(live_server, "live")
        last, n = "", 0
        while n < 20_000:
            last, n = await add("during", n), n + 1
            if n % 20 == 0 and await deliveries(live_server, "live") > live_before:
                break
        for extra in range(20):
            last = await add("after", extra)
        return last

    for n in range(1200):  # more than two replay pages
        await add("missed", n)
    replayed_before = await deliveries(live_server, "replay")
    producer = asyncio.create_task(until_handed_over())
    board = await connect(clients, live_server, "/kanban", "mia", {"last_event_ids": {str(branch): start}})
    final = await producer
    got = await board.events_until(final, within=30)

    expected: list[str] = []
    position = start
    while True:
        page = await read_after(runtime.redis, runtime.keys, branch, position, count=1000)
        if not page:
            break
        expected.extend(e.id for e in page)
        position = page[-1].id
    ids = [e["id"] for e in got]
    assert len(ids) == len(set(ids)), "an event arrived twice"
    assert ids == expected
    assert await deliveries(live_server, "replay") - replayed_before >= 1200


async def deliveries(server: LiveServer, path: str) -> float:
    """This process's count of events queued to /kanban sockets by `path` (live or replay)."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        text = (await http.get("/metrics")).text
    prefix = f'passline_realtime_deliveries_total{{namespace="/kanban",path="{path}"}} '
    return sum(float(line.removeprefix(prefix)) for line in text.splitlines() if line.startswith(prefix))


async def test_resume_on_the_kds_replays_only_its_stations(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    auth = {"branch_id": branch, "stations": ["grill"]}
    grill = await connect(clients, live_server, "/kds", "kit", auth)
    first_id, first = await new_order(runtime, branch, stations=("grill",))
    mark = (await grill.next_event())["id"]
    assert mark == first[1]
    await grill.disconnect()

    _, ids = await new_order(runtime, branch, stations=("bar", "grill"))
    done = await move(runtime, branch, first_id, "ready")

    grill = await connect(clients, live_server, "/kds", "kit", {**auth, "last_event_id": mark})
    got = await grill.events_until(done)
    assert [e["id"] for e in got] == [ids[2], done]


async def test_an_id_older_than_the_retained_stream_gets_resync(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    board = await connect(clients, live_server, "/kanban", "mia")
    order_id, _ = await new_order(runtime, branch, stations=())
    mark = (await board.next_event())["id"]
    await board.disconnect()

    await move(runtime, branch, order_id, "preparing")
    await move(runtime, branch, order_id, "ready")
    await runtime.redis.xtrim(runtime.keys.events(branch), maxlen=1, approximate=False)

    board = await connect(clients, live_server, "/kanban", "mia", {"last_event_id": mark})
    name, payload = await board.next()
    assert name == "resync"
    assert payload == {"branch_id": branch, "reason": "trimmed"}
    # Live events keep flowing after the resync; the client keeps those newer than its new snapshot.
    live = await move(runtime, branch, order_id, "preparing")
    assert (await board.next_event())["id"] == live
    assert board.events.empty()


async def test_a_snapshot_of_an_empty_stream_resumes_from_its_start(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    _, created = await new_order(runtime, branch, stations=("grill",))
    board = await connect(clients, live_server, "/kanban", "mia", {"last_event_ids": {str(branch): "0-0"}})
    got = await board.events_until(created[-1])
    assert [e["id"] for e in got] == created


@pytest.mark.parametrize(
    "auth",
    [
        {"last_event_id": "yesterday"},
        {"last_event_id": "12-x"},
        {"last_event_id": 1700000000000},
        {"last_event_id": "99999999999999999999999-0"},
        {"last_event_ids": {"one": "1-0"}},
        {"last_event_ids": {"1": "nope"}},
        {"last_event_ids": ["1-0"]},
    ],
)
async def test_a_malformed_resume_point_is_refused(
    live_server: LiveServer, shop: dict[str, Any], clients: list[LiveClient], auth: dict[str, Any]
) -> None:
    with pytest.raises(RefusedError) as refused:
        await connect(clients, live_server, "/kanban", "mia", auth)
    assert refused.value.reason["message"].startswith("bad_event_id: ")
    assert refused.value.reason["data"] == {"code": "bad_event_id"}


async def test_last_event_id_needs_a_single_branch(
    live_server: LiveServer, factory: Any, clients: list[LiveClient]
) -> None:
    one = await factory.branch(code="B1")
    two = await factory.branch(code="B2")
    await factory.user("mona", roles=("manager",), branches=(one, two))
    await factory.commit()
    with pytest.raises(RefusedError, match="bad_request"):
        await connect(clients, live_server, "/kanban", "mona", {"last_event_id": "1-0"})
    # Narrowed to one branch, the single id is fine.
    await connect(clients, live_server, "/kanban", "mona", {"branch_id": two.id, "last_event_id": "1-0"})

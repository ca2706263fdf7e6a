"""The persister copies branch streams into PostgreSQL: idempotently, monotonically, past bad entries, and
picking up what a crashed worker left pending. Real PostgreSQL and Redis throughout."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from tests.support.order_rows import make_order, move, product


async def _events(session: Any, order_id: uuid.UUID | None = None) -> list[Any]:
    from app.db.models import OrderEvent
    from app.events import id_key

    query = select(OrderEvent).execution_options(populate_existing=True)
    if order_id is not None:
        query = query.where(OrderEvent.order_id == order_id)
    # In stream order: the journal stores an order's moves as they happen, the persister the rest later.
    return sorted((await session.scalars(query)).all(), key=lambda e: (e.branch_id, id_key(e.stream_id)))


async def _order_row(session: Any, order_id: uuid.UUID) -> Any:
    from app.db.models import Order

    return await session.get(Order, order_id, populate_existing=True)


async def _pending(runtime: Any, branch_id: int) -> int:
    summary = await runtime.redis.xpending(runtime.keys.events(branch_id), runtime.keys.persister_group())
    return int(summary["pending"])


async def _stream_ids(runtime: Any, branch_id: int) -> list[str]:
    return [i.decode() for i, _ in await runtime.redis.xrange(runtime.keys.events(branch_id))]


async def _dead(runtime: Any) -> list[dict[str, str]]:
    entries = await runtime.redis.xrange(runtime.keys.persister_dead())
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


async def _setup(db_session: Any, factory: Any) -> tuple[Any, Any, Any]:
    branch = await factory.branch()
    grill = await product(db_session, name="Burger", station="grill")
    bar = await product(db_session, name="Lemonade", station="bar")
    await factory.commit()
    return branch, grill, bar


async def test_events_are_persisted_once_with_the_order_state(
    runtime: Any, db_session: Any, factory: Any
) -> None:
    from app.orders.persister import persist_once

    branch, grill, bar = await _setup(db_session, factory)
    order = await make_order(db_session, runtime, branch=branch, products=[grill, bar])
    await move(runtime, order, "preparing")
    await move(runtime, order, "ready")
    ids = await _stream_ids(runtime, branch.id)
    assert len(ids) == 5  # order.created, 2 x ticket.created, 2 x order.state_changed

    assert await persist_once(runtime, consumer="one", block_ms=None) == 5
    events = await _events(db_session)
    assert [e.stream_id for e in events] == ids
    assert [e.type for e in events] == [
        "order.created",
        "ticket.created",
        "ticket.created",
        "order.state_changed",
        "order.state_changed",
    ]
    assert all(e.order_id == order.id and e.branch_id == branch.id for e in events)
    assert events[-1].version == 3
    assert events[-1].data["from"] == "preparing" and events[-1].data["to"] == "ready"
    assert abs(events[-1].ts.timestamp() * 1000 - int(ids[-1].split("-")[0])) < 1000
    row = await _order_row(db_session, order.id)
    assert (row.state, row.version) == ("ready", 3)
    assert await _pending(runtime, branch.id) == 0

    # Nothing new: nothing written.
    assert await persist_once(runtime, consumer="one", block_ms=None) == 0
    # Redelivery of everything (as after a crash between commit and XACK) writes no duplicate.
    await runtime.redis.xgroup_setid(runtime.keys.events(branch.id), runtime.keys.persister_group(), "0")
    assert await persist_once(runtime, consumer="two", block_ms=None) == 5
    assert [e.stream_id for e in await _events(db_session)] == ids
    assert await _pending(runtime, branch.id) == 0


async def test_order_state_only_moves_forward(runtime: Any, db_session: Any, factory: Any) -> None:
    from app.orders.persister import persist_once

    branch, grill, _ = await _setup(db_session, factory)
    courier = await _courier(db_session, branch)
    order = await make_order(
        db_session, runtime, branch=branch, products=[grill], channel="delivery", token=None
    )
    await move(runtime, order, "preparing")
    await move(runtime, order, "out_for_delivery", courier_id=courier, settle_mode="later")
    assert await persist_once(runtime, consumer="one", block_ms=None) == 4
    row = await _order_row(db_session, order.id)
    assert (row.state, row.version, row.courier_id) == ("out_for_delivery", 3, courier)

    # A late copy of an older change (another writer, a replay) is recorded in the history but does not
    # move the order back.
    stale = {"order_id": str(order.id), "from": "received", "to": "preparing", "version": 2}
    await runtime.redis.xadd(
        runtime.keys.events(branch.id),
        {
            "type": "order.state_changed",
            "order": str(order.id),
            "v": "2",
            "ts": "1",
            "data": json.dumps(stale),
        },
    )
    assert await persist_once(runtime, consumer="one", block_ms=None) == 1
    row = await _order_row(db_session, order.id)
    assert (row.state, row.version, row.courier_id) == ("out_for_delivery", 3, courier)
    assert len(await _events(db_session, order.id)) == 5


async def test_a_batch_collapses_to_the_newest_state_and_keeps_the_courier(
    runtime: Any, db_session: Any, factory: Any
) -> None:
    from app.orders.persister import persist_once

    branch, grill, _ = await _setup(db_session, factory)
    courier = await _courier(db_session, branch)
    order = await make_order(
        db_session, runtime, branch=branch, products=[grill], channel="delivery", token=None
    )
    await move(runtime, order, "out_for_delivery", courier_id=courier, settle_mode="now")
    await move(runtime, order, "delivered")  # names no courier
    assert await persist_once(runtime, consumer="one", block_ms=None) == 4
    row = await _order_row(db_session, order.id)
    assert (row.state, row.version, row.courier_id) == ("delivered", 3, courier)


async def _courier(session: Any, branch: Any) -> int:
    from app.db.models import Courier

    courier = Courier(branch_id=branch.id, name="Cora")
    session.add(courier)
    await session.commit()
    return int(courier.id)


async def test_unstorable_entries_are_dead_lettered_and_do_not_block_the_rest(
    runtime: Any, db_session: Any, factory: Any
) -> None:
    from app.orders.persister import persist_once

    branch, grill, _ = await _setup(db_session, factory)
    stream = runtime.keys.events(branch.id)
    ghost = str(uuid.uuid4())
    await runtime.redis.xadd(
        stream, {"type": "order.created", "order": ghost, "v": "1", "ts": "1", "data": "{}"}
    )
    order = await make_order(db_session, runtime, branch=branch, products=[grill])
    await runtime.redis.xadd(
        stream, {"type": "alert.raised", "order": "", "v": "", "ts": "1", "data": "{nope"}
    )
    # A state the orders table refuses: PostgreSQL rejects the batch, the persister isolates the entry.
    bad = {"order_id": str(order.id), "from": "received", "to": "teleported", "version": 9}
    await runtime.redis.xadd(
        stream,
        {"type": "order.state_changed", "order": str(order.id), "v": "9", "ts": "1", "data": json.dumps(bad)},
    )
    await move(runtime, order, "ready")

    stored = await persist_once(runtime, consumer="one", block_ms=None)
    assert stored == 3  # order.created, ticket.created, the real state change
    dead = await _dead(runtime)
    assert [(d["branch"], d["order"], d["reason"]) for d in dead[:2]] == [
        (str(branch.id), ghost, "order not in PostgreSQL"),
        (str(branch.id), "", "data is not a JSON object"),
    ]
    assert dead[2]["order"] == str(order.id) and dead[2]["reason"].startswith("rejected by PostgreSQL")
    assert dead[2]["data"] == json.dumps(bad)
    assert await _pending(runtime, branch.id) == 0
    row = await _order_row(db_session, order.id)
    assert (row.state, row.version) == ("ready", 2)
    assert {e.type for e in await _events(db_session)} == {
        "order.created",
        "ticket.created",
        "order.state_changed",
    }
    # Nothing is retried: the loop has moved on.
    assert await persist_once(runtime, consumer="one", block_ms=None) == 0


async def test_a_crashed_consumers_pending_entries_are_claimed_and_persisted(
    runtime: Any, db_session: Any, factory: Any
) -> None:
    from app.orders.persister import claim_stale, persist_once

    branch, grill, _ = await _setup(db_session, factory)
    order = await make_order(db_session, runtime, branch=branch, products=[grill])
    await move(runtime, order, "preparing")
    # Make sure the group exists, then a worker reads the batch and dies before writing it.
    assert await persist_once(runtime, consumer="survivor", block_ms=None) == 3
    await move(runtime, order, "ready")
    stream, group = runtime.keys.events(branch.id), runtime.keys.persister_group()
    taken = await runtime.redis.xreadgroup(group, "crashed", {stream: ">"}, count=10)
    assert len(taken[0][1]) == 1
    assert await persist_once(runtime, consumer="survivor", block_ms=None) == 0
    assert await _pending(runtime, branch.id) == 1

    # Not idle long enough yet: left alone (its owner may only be slow).
    assert await claim_stale(runtime, consumer="survivor") == 0
    assert await claim_stale(runtime, consumer="survivor", min_idle_ms=0) == 1
    assert await persist_once(runtime, consumer="survivor", block_ms=None) == 1
    assert await _pending(runtime, branch.id) == 0
    row = await _order_row(db_session, order.id)
    assert (row.state, row.version) == ("ready", 3)


async def test_a_branch_missing_from_the_branch_set_is_still_followed(
    runtime: Any, db_session: Any, factory: Any
) -> None:
    from app.orders.persister import persist_once

    branch, grill, _ = await _setup(db_session, factory)
    order = await make_order(db_session, runtime, branch=branch, products=[grill])
    # A writer that forgot to list the branch: the persister finds it in PostgreSQL.
    await runtime.redis.delete(runtime.keys.event_branches())
    assert await persist_once(runtime, consumer="one", block_ms=None) == 2
    assert len(await _events(db_session, order.id)) == 2
    members = await runtime.redis.smembers(runtime.keys.event_branches())
    assert str(branch.id).encode() in members


async def test_the_group_is_recreated_when_redis_loses_the_stream(
    runtime: Any, db_session: Any, factory: Any
) -> None:
    from app.orders.persister import Persister

    branch, grill, _ = await _setup(db_session, factory)
    persister = Persister(runtime, consumer="one")
    await persister.discover(force=True)
    await runtime.redis.delete(runtime.keys.events(branch.id))
    order = await make_order(db_session, runtime, branch=branch, products=[grill])
    # The cached branch list is still fresh; the read meets NOGROUP, recreates the group and reads again.
    assert await persister.step(block_ms=None) == 2
    assert len(await _events(db_session, order.id)) == 2


async def test_the_background_persister_follows_live_events(
    runtime: Any, db_session: Any, factory: Any
) -> None:
    from app.orders.persister import PersisterTask

    branch, grill, _ = await _setup(db_session, factory)
    task = PersisterTask(runtime, consumer="live")
    try:
        order = await make_order(db_session, runtime, branch=branch, products=[grill])
        await move(runtime, order, "ready")
        # The move itself is journaled as it is made; the creation's events are the persister's to store.
        for _ in range(100):
            row = await _order_row(db_session, order.id)
            stored = await _events(db_session, order.id)
            if row.version == 2 and len(stored) == 3:
                break
            await asyncio.sleep(0.05)
        assert (row.state, row.version) == ("ready", 2)
        assert len(stored) == 3
    finally:
        await task.stop()
    assert task.task.done() and not task.task.cancelled()


async def test_lag_and_pending_are_in_metrics(
    client: httpx.AsyncClient, runtime: Any, db_session: Any, factory: Any
) -> None:
    from app.orders.persister import ensure_branch_streams, persist_once

    branch, grill, _ = await _setup(db_session, factory)
    await make_order(db_session, runtime, branch=branch, products=[grill])
    await asyncio.sleep(0.05)

    # No persister has ever run (no group yet): both events are behind, the oldest for at least 50 ms.
    body = (await client.get("/metrics")).text
    assert "# TYPE passline_persister_lag_seconds gauge" in body
    assert f'passline_persister_pending{{branch="{branch.id}"}} 2' in body
    lag = re.search(rf'passline_persister_lag_seconds\{{branch="{branch.id}"\}} ([0-9.e-]+)', body)
    assert lag is not None and 0.04 <= float(lag.group(1)) < 60

    # With the group: delivered but not acknowledged (a batch in flight) still counts, with the
    # undelivered rest.
    await ensure_branch_streams(runtime, [branch.id])
    stream, group = runtime.keys.events(branch.id), runtime.keys.persister_group()
    await runtime.redis.xreadgroup(group, "slow", {stream: ">"}, count=1)
    body = (await client.get("/metrics")).text
    assert f'passline_persister_pending{{branch="{branch.id}"}} 2' in body

    await runtime.redis.xgroup_setid(stream, group, "0")
    await runtime.redis.xgroup_delconsumer(stream, group, "slow")
    assert await persist_once(runtime, consumer="one", block_ms=None) == 2
    body = (await client.get("/metrics")).text
    assert f'passline_persister_pending{{branch="{branch.id}"}} 0' in body
    assert f'passline_persister_lag_seconds{{branch="{branch.id}"}} 0' in body


async def test_metrics_survive_redis_errors(runtime: Any, clean_state: None) -> None:
    """A branch listed without a stream reports nothing behind; the scrape never fails."""
    from app.lib.metrics import Registry
    from app.orders.persister import register_persister_metrics

    await runtime.redis.sadd(runtime.keys.event_branches(), 77)
    registry = Registry()
    register_persister_metrics(registry, runtime)
    body = await registry.render()
    assert 'passline_persister_pending{branch="77"} 0' in body
    assert 'passline_persister_lag_seconds{branch="77"} 0' in body

"""The event bus and its journal: announcements after commit by construction, and event-store writes that
never wait on a busy order row nor deadlock with each other."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from app.events import StreamEntry, floor
from app.events.journal import store
from app.events.stream import read_after
from tests.support.factory import Factory
from tests.support.order_rows import make_order, product


def _alert(order_id: str) -> floor.AlertRaised:
    return floor.AlertRaised(
        alert_id=1,
        order_id=order_id,
        kind="state_overdue",
        state="received",
        message="late",
        token=1,
        channel="counter",
        version=1,
        raised_at="2026-01-01T00:00:00+00:00",
    )


async def test_an_announcement_waits_for_the_commit_and_dies_with_a_rollback(
    runtime: Any, db_session: Any, factory: Factory
) -> None:
    branch = await factory.branch()
    await factory.commit()
    bus = runtime.bus

    async with runtime.sessionmaker() as session:
        dropped = bus.on_commit(session, branch.id, floor.ALERT_RAISED, _alert("o-rolled-back"))
        await session.execute(text("SELECT 1"))
        await session.rollback()
        kept = bus.on_commit(session, branch.id, floor.ALERT_RAISED, _alert("o-committed"))
        await session.execute(text("SELECT 1"))
        # Nothing on the stream before the commit.
        assert await read_after(runtime.redis, runtime.keys, branch.id, "0-0") == []
        await session.commit()

    entries = await read_after(runtime.redis, runtime.keys, branch.id, "0-0")
    assert [e.data()["order_id"] for e in entries] == ["o-committed"]
    assert dropped.entry is None
    assert kept.entry is not None and kept.event_id == entries[0].id
    # The entry's time is the Redis clock at the append: the id's milliseconds.
    assert kept.entry.ts_ms == int(entries[0].id.split("-")[0])


async def test_a_payload_of_another_type_is_refused_before_anything_is_written(
    runtime: Any, factory: Factory
) -> None:
    branch = await factory.branch()
    await factory.commit()
    with pytest.raises(TypeError, match=r"alert\.acknowledged carries AlertAcknowledged"):
        await runtime.bus.append(branch.id, floor.ALERT_ACKNOWLEDGED, _alert("o1"))  # type: ignore[arg-type]
    assert await read_after(runtime.redis, runtime.keys, branch.id, "0-0") == []


def _state_change(branch_id: int, order_id: uuid.UUID, stream_id: str, version: int, to: str) -> StreamEntry:
    import json

    return StreamEntry(
        id=stream_id,
        branch_id=branch_id,
        type="order.state_changed",
        order_id=str(order_id),
        version=version,
        ts_ms=int(stream_id.split("-", maxsplit=1)[0]),
        raw_data=json.dumps(
            {"order_id": str(order_id), "from": "received", "to": to, "version": version}
        ).encode(),
    )


async def test_the_journal_never_waits_for_a_busy_order_row(
    runtime: Any, db_session: Any, factory: Factory
) -> None:
    """A payment holds the order's row in its transaction (maybe waiting on a gateway): the journal stores the
    move's event at once and leaves the row to whoever may wait (the persister), who then moves it."""
    branch = await factory.branch()
    grill = await product(db_session, name="Burger", station="grill")
    await factory.commit()
    order = await make_order(db_session, runtime, branch=branch, products=[grill], announce=False)
    event = _state_change(branch.id, order.id, "1700000000000-1", 2, "preparing")

    async with runtime.engine.connect() as holder:
        await holder.execute(text("BEGIN"))
        await holder.execute(text("SELECT 1 FROM orders WHERE id = :o FOR NO KEY UPDATE"), {"o": order.id})
        inserted, advanced = await asyncio.wait_for(store(runtime.engine, [event]), timeout=10)
        assert (inserted, advanced) == (1, 0)
        # The persister's write does wait for the row: it runs off every request's path.
        waiting = asyncio.ensure_future(store(runtime.engine, [event], wait=True))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        await holder.execute(text("COMMIT"))
    assert await asyncio.wait_for(waiting, timeout=10) == (0, 1)
    row = (
        await db_session.execute(text("SELECT state, version FROM orders WHERE id = :o"), {"o": order.id})
    ).one()
    assert tuple(row) == ("preparing", 2)


async def test_concurrent_writers_of_the_same_events_never_deadlock(
    runtime: Any, db_session: Any, factory: Factory
) -> None:
    """The journals of two web processes and the persister, writing overlapping batches in any order."""
    branch = await factory.branch()
    grill = await product(db_session, name="Burger", station="grill")
    await factory.commit()
    orders = [
        await make_order(db_session, runtime, branch=branch, products=[grill], token=n + 1, announce=False)
        for n in range(8)
    ]
    events = [
        _state_change(branch.id, order.id, f"1700000000{n:03d}-{v}", v, "preparing" if v % 2 else "ready")
        for n, order in enumerate(orders)
        for v in (2, 3, 4)
    ]
    rng = random.Random(7)
    written: set[str] = set()
    for _ in range(15):
        batches = [rng.sample(events, k=12) for _ in range(6)]
        # A deadlock would fail one of these statements (PostgreSQL aborts one side of the cycle).
        await asyncio.gather(*(store(runtime.engine, b, wait=i % 2 == 0) for i, b in enumerate(batches)))
        written.update(e.id for b in batches for e in b)
    stored = await db_session.scalar(
        text("SELECT count(*) FROM order_events WHERE branch_id = :b"), {"b": branch.id}
    )
    assert stored == len(written)
    # A journal skips a row someone holds; the persister, which waits, brings it along.
    await store(runtime.engine, [e for e in events if e.id in written], wait=True)
    # Each order ends at the newest version written for it (versions only move forward).
    for order in orders:
        newest = max(e.version or 0 for e in events if e.order_id == str(order.id) and e.id in written)
        version = await db_session.scalar(text("SELECT version FROM orders WHERE id = :o"), {"o": order.id})
        assert version == newest

"""The event store's writes: events into `order_events`, and each order's newest state into `orders`.

Two writers use them. The journal, in every process that moves orders, stores each move's event before
the move is answered, so an acknowledged move survives a Redis that loses everything the next moment
(DESIGN §4). The persister (app/orders/persister) copies every stream afterwards, at least once, and finds
the moves stored.

Neither may ever make the other wait long, let alone deadlock, so every write here is one autocommit
statement and takes its locks in one global order:
- events are inserted sorted by (branch, stream id), so two writers inserting the same events queue
  behind each other instead of waiting in a cycle; ON CONFLICT DO NOTHING makes the second a no-op;
- `orders.state/version` only move forward in version, and the rows are locked in id order. The journal
  skips a row that someone holds (a payment, a dispatch in its transaction) rather than wait: the persister,
  which may wait, brings that row along a moment later.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncpg
import msgspec

from app.db import raw
from app.db.raw import RawSQL
from app.events.envelope import id_key

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from app.events.envelope import StreamEntry

log = logging.getLogger(__name__)

MAX_BATCH = 500
STATE_CHANGED = "order.state_changed"

_json_object = msgspec.json.Decoder(dict[str, Any])

_EVENTS_CTE = """
    events AS (
        INSERT INTO order_events (branch_id, stream_id, order_id, type, version, data, ts)
        SELECT * FROM unnest(
            CAST(:branch_ids AS bigint[]), CAST(:stream_ids AS text[]), CAST(:order_ids AS uuid[]),
            CAST(:types AS text[]), CAST(:versions AS integer[]), CAST(:data AS jsonb[]),
            CAST(:ts AS timestamptz[])
        )
        ON CONFLICT (branch_id, stream_id) DO NOTHING
        RETURNING 1
    )
"""
# The courier comes from the newest event of the batch that names one (`delivered` does not), and only if
# that event is itself newer than the row.
_ADVANCE = """
    v AS (
        SELECT * FROM unnest(
            CAST(:change_ids AS uuid[]), CAST(:change_states AS text[]), CAST(:change_versions AS integer[]),
            CAST(:change_ts AS timestamptz[]), CAST(:courier_ids AS bigint[]), CAST(:courier_versions AS integer[])
        ) AS v(id, state, version, ts, courier_id, courier_version)
    ), locked AS (
        SELECT o.id FROM orders AS o JOIN v ON v.id = o.id
        WHERE o.version < v.version
        ORDER BY o.id
        FOR NO KEY UPDATE OF o {skip}
    ), advanced AS (
        UPDATE orders AS o
        SET state = v.state, version = v.version, updated_at = v.ts,
            courier_id = CASE WHEN v.courier_version > o.version THEN v.courier_id ELSE o.courier_id END
        FROM v
        WHERE o.id = v.id AND o.id IN (SELECT id FROM locked) AND o.version < v.version
        RETURNING 1
    )
"""


def _statement(*, events: bool, advance: bool, wait: bool) -> RawSQL:
    ctes = ([_EVENTS_CTE] if events else []) + (
        [_ADVANCE.format(skip="" if wait else "SKIP LOCKED")] if advance else []
    )
    counts = ", ".join(
        ([("(SELECT count(*) FROM events)")] if events else ["0"])
        + (["(SELECT count(*) FROM advanced)"] if advance else ["0"])
    )
    return RawSQL("WITH " + ",".join(ctes) + f" SELECT {counts}")


_STATEMENTS = {
    (events, advance, wait): _statement(events=events, advance=advance, wait=wait)
    for events in (False, True)
    for advance in (False, True)
    for wait in (False, True)
    if events or advance
}


@dataclass(slots=True)
class _Change:
    version: int
    state: str
    ts: dt.datetime
    courier_id: int | None = None
    courier_version: int = 0


def entry_ts(entry: StreamEntry) -> dt.datetime:
    ms = entry.ts_ms or id_key(entry.id)[0]
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def newest_states(entries: Sequence[StreamEntry]) -> dict[uuid.UUID, _Change]:
    """Each order's newest state among the `order.state_changed` entries (the only one its row needs)."""
    newest: dict[uuid.UUID, _Change] = {}
    for entry in entries:
        if entry.type != STATE_CHANGED or not entry.order_id:
            continue
        try:
            order_id = uuid.UUID(entry.order_id)
            data = _json_object.decode(entry.raw_data)
        except (ValueError, msgspec.DecodeError):
            continue
        version = entry.version if entry.version is not None else data.get("version")
        state = data.get("to")
        if not isinstance(version, int) or not isinstance(state, str):
            continue
        change = newest.get(order_id)
        if change is None:
            change = newest[order_id] = _Change(version, state, entry_ts(entry))
        elif version > change.version:
            change.version, change.state, change.ts = version, state, entry_ts(entry)
        courier = data.get("courier_id")
        if isinstance(courier, int) and not isinstance(courier, bool) and version > change.courier_version:
            change.courier_id, change.courier_version = courier, version
    return newest


async def write(
    conn: asyncpg.Connection,
    entries: Sequence[StreamEntry],
    *,
    events: bool = True,
    advance: bool = True,
    wait: bool,
) -> tuple[int, int]:
    """Store `entries` and/or move their orders forward, in one statement on an autocommit connection.
    Returns (events inserted, orders advanced). `wait=False` skips order rows someone holds."""
    ordered = sorted(entries, key=lambda e: (e.branch_id, id_key(e.id)))
    changes = sorted(newest_states(ordered).items()) if advance else []
    advance = advance and bool(changes)
    events = events and bool(ordered)
    if not (events or advance):
        return 0, 0
    params: dict[str, Any] = {}
    if events:
        params |= {
            "branch_ids": [e.branch_id for e in ordered],
            "stream_ids": [e.id for e in ordered],
            "order_ids": [uuid.UUID(e.order_id) if e.order_id else None for e in ordered],
            "types": [e.type for e in ordered],
            "versions": [e.version for e in ordered],
            # Straight from Redis: PostgreSQL parses it once; nothing is re-encoded here.
            "data": [e.raw_data.decode() for e in ordered],
            "ts": [entry_ts(e) for e in ordered],
        }
    if advance:
        params |= {
            "change_ids": [order_id for order_id, _ in changes],
            "change_states": [c.state for _, c in changes],
            "change_versions": [c.version for _, c in changes],
            "change_ts": [c.ts for _, c in changes],
            "courier_ids": [c.courier_id for _, c in changes],
            "courier_versions": [c.courier_version for _, c in changes],
        }
    row = await _STATEMENTS[(events, advance, wait)].fetchrow(conn, params)
    assert row is not None
    return int(row[0]), int(row[1])


async def store(
    engine: AsyncEngine, entries: Sequence[StreamEntry], *, wait: bool = False
) -> tuple[int, int]:
    """`write` on a pooled connection of its own."""
    async with raw.connection(engine) as conn:
        return await write(conn, entries, wait=wait)


_Pending = tuple["Sequence[StreamEntry]", "asyncio.Future[None]"]


class Journal:
    """Group commit of the moves this process made: whatever arrives while one batch is written goes into
    the next, one statement each; `record` returns once its batch is stored."""

    def __init__(self, engine: AsyncEngine, *, max_batch: int = MAX_BATCH) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.failures = 0

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="passline-event-journal")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        # Whoever still waits is answered: their events are in Redis and the persister will store them.
        while not self._queue.empty():
            _, waiter = self._queue.get_nowait()
            if not waiter.done():
                waiter.set_result(None)

    async def record(self, entries: Sequence[StreamEntry]) -> None:
        """Return once the events are committed to PostgreSQL (or PostgreSQL has failed to take them).
        Without the group-commit task (a one-off command) they are written right here."""
        if self._task is None:
            try:
                await store(self._engine, entries)
            except Exception:
                log.warning("events not stored; the persister will store them", exc_info=True)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((entries, waiter))
        await waiter

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            size = len(batch[0][0])
            while size < self._max_batch and not self._queue.empty():
                item = self._queue.get_nowait()
                batch.append(item)
                size += len(item[0])
            try:
                await store(self._engine, [entry for entries, _ in batch for entry in entries])
                self.batches += 1
            except asyncio.CancelledError:
                _answer(batch)
                raise
            except Exception:
                self.failures += 1
                log.warning(
                    "journal batch not stored; the persister will store it",
                    exc_info=True,
                    extra={"size": size},
                )
            _answer(batch)


def _answer(batch: list[_Pending]) -> None:
    for _, waiter in batch:
        if not waiter.done():
            waiter.set_result(None)

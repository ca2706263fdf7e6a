"""Group commit of acknowledged transitions to PostgreSQL, inside the web process.

A transition is applied in Redis by Lua; before the HTTP answer goes out, its event is also written to
`order_events` and `orders.state/version`, so an acknowledged transition survives even a Redis that loses
everything the next moment (DESIGN §4, "nothing acknowledged is lost"). Requests do not each pay for a
commit: whatever arrives while one batch is being written goes into the next, one transaction each.

The persister still reads every stream afterwards; the writes are idempotent, so it simply finds these
events stored. If PostgreSQL is down the request is answered anyway (Redis has the change, with AOF) and
the persister stores the event when PostgreSQL returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncEngine

    from app.lib.runtime import Runtime
    from app.orders.streams import StreamEntry

log = logging.getLogger(__name__)

MAX_BATCH = 500

# One statement, run in autocommit: the events (idempotent on their stream id, like the persister's) and
# each order's newest state, moving only forward in version. The persister later finds both done.
_JOURNAL = text(
    """
    WITH events AS (
        INSERT INTO order_events (branch_id, stream_id, order_id, type, version, data, ts)
        SELECT * FROM unnest(
            CAST(:branch_ids AS bigint[]), CAST(:stream_ids AS text[]), CAST(:order_ids AS uuid[]),
            CAST(:types AS text[]), CAST(:versions AS integer[]), CAST(:data AS jsonb[]),
            CAST(:ts AS timestamptz[])
        )
        ON CONFLICT (branch_id, stream_id) DO NOTHING
    )
    UPDATE orders AS o
    SET state = v.state, version = v.version, updated_at = v.ts, courier_id = COALESCE(v.courier_id, o.courier_id)
    FROM (
        SELECT DISTINCT ON (e.order_id) e.order_id, e.data ->> 'to' AS state, e.version, e.ts,
               CAST(e.data ->> 'courier_id' AS bigint) AS courier_id
        FROM unnest(
            CAST(:order_ids AS uuid[]), CAST(:versions AS integer[]), CAST(:data AS jsonb[]),
            CAST(:ts AS timestamptz[])
        ) AS e(order_id, version, data, ts)
        ORDER BY e.order_id, e.version DESC
    ) AS v
    WHERE o.id = v.order_id AND o.version < v.version
    """
)

_Pending = tuple["StreamEntry", "asyncio.Future[None]"]


class EventJournal:
    def __init__(self, runtime: Runtime, *, max_batch: int = MAX_BATCH) -> None:
        self._runtime = runtime
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.failures = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="passline-event-journal")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        # Whoever still waits is answered: their change is in Redis and the persister will store it.
        while not self._queue.empty():
            _, waiter = self._queue.get_nowait()
            if not waiter.done():
                waiter.set_result(None)

    async def record(self, entry: StreamEntry) -> None:
        """Return once the event is committed to PostgreSQL (or PostgreSQL has failed to take it)."""
        if self._task is None:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((entry, waiter))
        await waiter

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._write([entry for entry, _ in batch])
                self.batches += 1
            except asyncio.CancelledError:
                for _, waiter in batch:
                    if not waiter.done():
                        waiter.set_result(None)
                raise
            except Exception:
                self.failures += 1
                log.exception(
                    "journal batch not stored; the persister will store it", extra={"size": len(batch)}
                )
            for _, waiter in batch:
                if not waiter.done():
                    waiter.set_result(None)

    async def _write(self, entries: list[StreamEntry]) -> None:
        await store(self._runtime.engine, entries)


async def store(engine: AsyncEngine, entries: Sequence[StreamEntry]) -> None:
    """Write events and their orders' newest state now, in one autocommit statement (idempotent)."""
    params = {
        "branch_ids": [e.branch_id for e in entries],
        "stream_ids": [e.id for e in entries],
        "order_ids": [uuid.UUID(e.order_id) if e.order_id else None for e in entries],
        "types": [e.type for e in entries],
        "versions": [e.version for e in entries],
        # Straight from Redis: PostgreSQL parses it once; nothing is re-encoded here.
        "data": [e.raw_data.decode() for e in entries],
        "ts": [dt.datetime.fromtimestamp(e.ts_ms / 1000, tz=dt.UTC) for e in entries],
    }
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(_JOURNAL, params)

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
import logging
from typing import TYPE_CHECKING

from app.orders.persister import write_entries

if TYPE_CHECKING:
    from app.lib.runtime import Runtime
    from app.orders.streams import StreamEntry

log = logging.getLogger(__name__)

MAX_BATCH = 500

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
                await write_entries(self._runtime, [entry for entry, _ in batch])
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

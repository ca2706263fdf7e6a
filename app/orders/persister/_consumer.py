"""The consuming side of the persister: discovery, reads, the PostgreSQL batch, acknowledgements."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import msgspec
from redis.exceptions import ResponseError
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError

from app.db import raw
from app.db.raw import RawSQL
from app.events import StreamEntry, parse_entry
from app.events.journal import write as store

if TYPE_CHECKING:
    from redis.typing import EncodableT, FieldT

    from app.lib.runtime import Runtime

log = logging.getLogger("app.orders.persister")

# Entries per stream per read. At the DESIGN's 60 events/s a blocking read returns as soon as one entry is
# there, so batches stay small; the cap only matters when catching up on a backlog.
BATCH_COUNT = 500
BLOCK_MS = 1000
# An entry delivered to another consumer and unacknowledged this long belongs to a dead worker: a live
# one acknowledges within a batch's time (milliseconds), and a slow batch is still far below this.
CLAIM_MIN_IDLE_MS = 30_000
CLAIM_EVERY_SECONDS = 30.0
DISCOVER_EVERY_SECONDS = 5.0
# Wait after an error (PostgreSQL or Redis unreachable) before the next try; doubles up to the maximum.
RETRY_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0
DEAD_MAXLEN = 100_000
# Worker shutdown: let the current batch finish for this long, then cancel it (it stays unacknowledged).
STOP_GRACE_SECONDS = 3.0
STATE_CHANGED = "order.state_changed"

_json_object = msgspec.json.Decoder(dict[str, Any])
_Fields = dict["FieldT", "EncodableT"]

_PRESENT = RawSQL(
    """
    SELECT ARRAY(SELECT id FROM orders WHERE id = ANY(CAST(:order_ids AS uuid[]))),
           ARRAY(SELECT id FROM branches WHERE id = ANY(CAST(:branch_ids AS bigint[])))
    """
)


def consumer_name() -> str:
    """Unique per worker process, and readable in XINFO CONSUMERS: host, pid, and a nonce for pid reuse."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------- branches and groups


async def ensure_branch_streams(runtime: Runtime, branch_ids: Iterable[int]) -> None:
    """List the branches in `event_branches` and give each stream the persister group (created with the
    stream if missing, reading from the start so nothing already appended is skipped)."""
    ids = sorted(set(branch_ids))
    if not ids:
        return
    redis, keys = runtime.redis, runtime.keys
    async with redis.pipeline(transaction=False) as pipe:
        pipe.sadd(keys.event_branches(), *ids)
        for branch_id in ids:
            pipe.xgroup_create(keys.events(branch_id), keys.persister_group(), id="0", mkstream=True)
        replies = await pipe.execute(raise_on_error=False)
    for reply in replies[1:]:
        if isinstance(reply, ResponseError) and not str(reply).startswith("BUSYGROUP"):
            raise reply
    if isinstance(replies[0], Exception):
        raise replies[0]


async def known_branches(runtime: Runtime) -> list[int]:
    """Branches with a stream (`event_branches`) and every branch in PostgreSQL: a branch whose first event
    is appended by a writer that forgot the set is still followed."""
    members = await cast("Awaitable[set[bytes]]", runtime.redis.smembers(runtime.keys.event_branches()))
    ids = {int(m) for m in members}
    async with runtime.sessionmaker() as session:
        ids.update((await session.scalars(text("SELECT id FROM branches"))).all())
    return sorted(ids)


async def discover_branches(runtime: Runtime) -> list[int]:
    ids = await known_branches(runtime)
    await ensure_branch_streams(runtime, ids)
    return ids


# ---------------------------------------------------------------- one batch


@dataclass(slots=True)
class _Batch:
    """One read: entries to store, and entries already judged unstorable (with the reason)."""

    entries: list[StreamEntry] = field(default_factory=list)
    dead: list[tuple[int, str, dict[bytes, bytes], str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.entries) + len(self.dead)


@dataclass(slots=True)
class _Written:
    stored: list[StreamEntry] = field(default_factory=list)
    dead: list[tuple[StreamEntry, str]] = field(default_factory=list)
    inserted: int = 0


def _to_batch(reply: Any, branch_by_key: dict[bytes, int]) -> _Batch:
    batch = _Batch()
    for stream_key, messages in reply or []:
        branch_id = branch_by_key[stream_key if isinstance(stream_key, bytes) else stream_key.encode()]
        for entry_id, fields in messages:
            if entry_id is None:
                continue
            if not fields:
                # Delivered earlier, trimmed from the stream (MAXLEN) before it was stored.
                batch.dead.append((branch_id, _s(entry_id), {}, "entry no longer in the stream"))
                continue
            try:
                batch.entries.append(parse_entry(branch_id, entry_id, fields))
            except (KeyError, ValueError) as exc:
                batch.dead.append((branch_id, _s(entry_id), fields, f"malformed entry: {exc!r}"))
    return batch


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _order_uuid(entry: StreamEntry) -> uuid.UUID | None:
    return uuid.UUID(entry.order_id) if entry.order_id else None


def _decode(
    entries: list[StreamEntry], out: _Written
) -> list[tuple[StreamEntry, uuid.UUID | None, dict[str, Any]]]:
    """Entries with their order id and data decoded; the undecodable ones go to `out.dead`."""
    candidates = []
    for entry in entries:
        try:
            order_id = _order_uuid(entry)
        except ValueError:
            out.dead.append((entry, "order id is not a UUID"))
            continue
        try:
            data = _json_object.decode(entry.raw_data)
        except msgspec.DecodeError:
            out.dead.append((entry, "data is not a JSON object"))
            continue
        candidates.append((entry, order_id, data))
    return candidates


async def _write(runtime: Runtime, entries: list[StreamEntry]) -> _Written:
    """Store entries and move their orders forward; entries that cannot be stored are returned as dead, not
    raised. Autocommit statements in the event store's lock order (app/events/journal.py): the journal in
    the web processes writes the same rows, and neither may ever wait for the other in a cycle."""
    out = _Written()
    candidates = _decode(entries, out)
    if not candidates:
        return out
    async with raw.connection(runtime.engine) as conn:
        # One round trip for both checks: what is missing is dead-lettered with a plain reason instead of
        # failing the batch on a foreign key.
        present = await _PRESENT.fetchrow(
            conn,
            {
                "order_ids": list({o for _, o, _ in candidates if o is not None}),
                "branch_ids": list({e.branch_id for e, _, _ in candidates}),
            },
        )
        assert present is not None
        orders_found, branches_found = present
        present_orders, present_branches = set(orders_found), set(branches_found)
        rows_in: list[StreamEntry] = []
        for entry, order_id, _ in candidates:
            if entry.branch_id not in present_branches:
                out.dead.append((entry, "branch not in PostgreSQL"))
            elif order_id is not None and order_id not in present_orders:
                out.dead.append((entry, "order not in PostgreSQL"))
            else:
                rows_in.append(entry)
        if rows_in:
            # The persister may wait for a row someone holds (a payment in its transaction): it is off every
            # request's path, and nothing it holds is waited for in return.
            out.inserted, _ = await store(conn, rows_in, wait=True)
        out.stored = rows_in
    return out


async def write_entries(runtime: Runtime, entries: list[StreamEntry]) -> _Written:
    """Write the batch; if PostgreSQL rejects it for its content, write entry by entry so only the entries
    it rejects are dead-lettered. Connection errors propagate: the batch stays pending and is retried."""
    try:
        return await _write(runtime, entries)
    except (IntegrityError, DataError) as exc:
        if len(entries) == 1:
            return _Written(dead=[(entries[0], f"rejected by PostgreSQL: {exc.orig!r}"[:500])])
        log.warning("persister batch rejected; retrying entry by entry", extra={"entries": len(entries)})
    out = _Written()
    for entry in entries:
        one = await write_entries(runtime, [entry])
        out.stored.extend(one.stored)
        out.dead.extend(one.dead)
        out.inserted += one.inserted
    return out


async def _finish(runtime: Runtime, batch: _Batch, written: _Written) -> None:
    """Dead-letter, then acknowledge everything handled (after the commit: at least once)."""
    redis, keys = runtime.redis, runtime.keys
    dead: list[tuple[int, str, _Fields, str]] = [
        (b, i, dict(f.items()), reason) for b, i, f, reason in batch.dead
    ]
    for entry, reason in written.dead:
        fields: _Fields = {
            "type": entry.type,
            "order": entry.order_id or "",
            "v": "" if entry.version is None else str(entry.version),
            "ts": str(entry.ts_ms),
            "data": entry.raw_data,
        }
        dead.append((entry.branch_id, entry.id, fields, reason))
    acks: dict[int, list[str]] = {}
    for entry in written.stored:
        acks.setdefault(entry.branch_id, []).append(entry.id)
    for branch_id, entry_id, _, _ in dead:
        acks.setdefault(branch_id, []).append(entry_id)
    if not acks:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for branch_id, entry_id, fields, reason in dead:
            log.error(
                "persister dead-lettered an event",
                extra={"branch_id": branch_id, "stream_id": entry_id, "reason": reason},
            )
            pipe.xadd(
                keys.persister_dead(),
                {"branch": str(branch_id), "id": entry_id, "reason": reason, **fields},
                maxlen=DEAD_MAXLEN,
                approximate=True,
            )
        for branch_id, ids in acks.items():
            pipe.xack(keys.events(branch_id), keys.persister_group(), *ids)
        await pipe.execute()


# ---------------------------------------------------------------- the consumer


@dataclass(slots=True)
class PersisterStats:
    persisted: int = 0
    inserted: int = 0
    dead: int = 0
    batches: int = 0
    claimed: int = 0


class Persister:
    """One consumer of the group; holds the branch list between cycles."""

    def __init__(self, runtime: Runtime, *, consumer: str, count: int = BATCH_COUNT) -> None:
        self.runtime = runtime
        self.consumer = consumer
        self.count = count
        self.branches: list[int] = []
        self.stats = PersisterStats()
        self._discovered_at = float("-inf")
        # Start by re-reading this consumer's pending entries (none for a fresh name, but cheap to ask).
        self._own_pending = True

    async def discover(self, *, force: bool = False) -> list[int]:
        """The branches to follow, refreshed every DISCOVER_EVERY_SECONDS; a branch seen for the first time
        gets its group (a group lost later shows up as NOGROUP and forces a full pass)."""
        now = time.monotonic()
        if force or now - self._discovered_at >= DISCOVER_EVERY_SECONDS:
            branches = await known_branches(self.runtime)
            new = set(branches) if force else set(branches) - set(self.branches)
            await ensure_branch_streams(self.runtime, new)
            self.branches = branches
            self._discovered_at = now
        return self.branches

    async def claim_stale(self, *, min_idle_ms: int = CLAIM_MIN_IDLE_MS) -> int:
        """Take over entries another consumer was given and never acknowledged; they are then this
        consumer's pending entries, which the next `step` processes first."""
        redis, keys = self.runtime.redis, self.runtime.keys
        group = keys.persister_group()
        claimed = 0
        # Every branch's first page in one round trip; a branch with more pages goes on alone.
        cursors = dict.fromkeys(await self.discover(), "0-0")
        while cursors:
            async with redis.pipeline(transaction=False) as pipe:
                for branch_id, start in cursors.items():
                    pipe.xautoclaim(
                        keys.events(branch_id),
                        group,
                        self.consumer,
                        min_idle_time=min_idle_ms,
                        start_id=start,
                        count=self.count,
                    )
                replies = await pipe.execute(raise_on_error=False)
            more = {}
            for branch_id, reply in zip(cursors, replies, strict=True):
                if isinstance(reply, ResponseError) and "NOGROUP" in str(reply):
                    self._discovered_at = float("-inf")
                    continue
                if isinstance(reply, Exception):
                    raise reply
                claimed += len(reply[1])
                if _s(reply[0]) != "0-0":
                    more[branch_id] = _s(reply[0])
            cursors = more
        if claimed:
            self._own_pending = True
            log.info("persister claimed stale entries", extra={"entries": claimed, "consumer": self.consumer})
        self.stats.claimed += claimed
        return claimed

    async def _read(self, block_ms: int | None) -> tuple[_Batch, bool]:
        """(batch, whether it came from this consumer's own pending entries)."""
        redis, keys = self.runtime.redis, self.runtime.keys
        branches = await self.discover()
        if not branches:
            if block_ms:
                await asyncio.sleep(block_ms / 1000)
            return _Batch(), False
        by_key = {keys.events(b).encode(): b for b in branches}
        group = keys.persister_group()
        if self._own_pending:
            # Entries delivered to this consumer and not acknowledged: a batch whose write failed, a read
            # whose reply was lost, entries just claimed. Reading them again hands out nothing new.
            own = await redis.xreadgroup(group, self.consumer, dict.fromkeys(by_key, "0"), count=self.count)
            batch = _to_batch(own, by_key)
            if len(batch):
                return batch, True
            self._own_pending = False
        # Until the reply is in hand, entries may have been delivered that only a re-read would find.
        self._own_pending = True
        fresh = await redis.xreadgroup(
            group, self.consumer, dict.fromkeys(by_key, ">"), count=self.count, block=block_ms
        )
        self._own_pending = False
        return _to_batch(fresh, by_key), False

    async def step(self, *, block_ms: int | None = BLOCK_MS) -> int:
        """One read + write + acknowledge cycle; the number of entries stored (new or already there)."""
        try:
            batch, own = await self._read(block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # A stream or group vanished (Redis lost its data, or the keys were deleted): recreate them.
            await self.discover(force=True)
            batch, own = await self._read(None)
        if not len(batch):
            return 0
        # Until acknowledged, the batch is this consumer's pending work (retried first if this fails).
        self._own_pending = True
        written = await write_entries(self.runtime, batch.entries) if batch.entries else _Written()
        await _finish(self.runtime, batch, written)
        # A batch of own pending entries may not have been all of them: look again next time.
        self._own_pending = own
        self.stats.batches += 1
        self.stats.persisted += len(written.stored)
        self.stats.inserted += written.inserted
        self.stats.dead += len(batch.dead) + len(written.dead)
        return len(written.stored)

    async def run(self, stop: asyncio.Event) -> None:
        log.info("persister started", extra={"consumer": self.consumer})
        delay = RETRY_SECONDS
        claimed_at = float("-inf")
        while not stop.is_set():
            try:
                if time.monotonic() - claimed_at >= CLAIM_EVERY_SECONDS:
                    await self.claim_stale()
                    claimed_at = time.monotonic()
                await self.step(block_ms=BLOCK_MS)
                delay = RETRY_SECONDS
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("persister cycle failed; retrying", extra={"retry_in_s": delay})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
        log.info("persister stopped", extra={"consumer": self.consumer, "persisted": self.stats.persisted})


async def persist_once(runtime: Runtime, *, consumer: str, block_ms: int | None) -> int:
    """One cycle with fresh branch discovery; for tests and one-off catch-up. `block_ms=None` does not
    block. Returns the number of entries stored (dead-lettered ones are not counted)."""
    persister = Persister(runtime, consumer=consumer)
    await persister.discover(force=True)
    return await persister.step(block_ms=block_ms)


async def claim_stale(runtime: Runtime, *, consumer: str, min_idle_ms: int = CLAIM_MIN_IDLE_MS) -> int:
    persister = Persister(runtime, consumer=consumer)
    return await persister.claim_stale(min_idle_ms=min_idle_ms)


async def run_persister(runtime: Runtime, stop_event: asyncio.Event, *, consumer: str | None = None) -> None:
    """Run until `stop_event` is set (the current batch finishes) or the task is cancelled (the current
    batch is abandoned unacknowledged; another consumer claims it after `CLAIM_MIN_IDLE_MS`)."""
    await Persister(runtime, consumer=consumer or consumer_name()).run(stop_event)


class PersisterTask:
    """The persister as a background task of a worker process (started in arq's on_startup)."""

    def __init__(self, runtime: Runtime, *, consumer: str | None = None) -> None:
        self.stop_event = asyncio.Event()
        self.task = asyncio.create_task(
            run_persister(runtime, self.stop_event, consumer=consumer), name="passline-persister"
        )

    async def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        self.stop_event.set()
        done, _ = await asyncio.wait({self.task}, timeout=grace_seconds)
        if not done:
            self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

"""Reading a branch stream: what a resuming client missed, and the id a snapshot is current to.

The stream epoch: when Redis loses data, the streams restart (empty, or from an older copy) and the ids a
client holds no longer say what it has seen. `passline rebuild` starts a new epoch — a stream id past
every id of the old one, kept under `Keys.stream_epoch` — and a client resuming from an id before it gets
`resync` (realtime/replay.py). Ids come from Redis's clock, so the epoch is taken from it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from app.events.envelope import parse_entry, text

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.events.bus import StreamKeys
    from app.events.envelope import StreamEntry


async def read_after(
    redis: Redis, keys: StreamKeys, branch_id: int, after: str, *, count: int = 1000
) -> list[StreamEntry]:
    """Entries with ids strictly greater than `after`, oldest first."""
    entries = await redis.xrange(keys.events(branch_id), min=f"({after}", max="+", count=count)
    return [parse_entry(branch_id, entry_id, fields) for entry_id, fields in entries]


async def first_id(redis: Redis, keys: StreamKeys, branch_id: int) -> str | None:
    entries = await redis.xrange(keys.events(branch_id), count=1)
    return text(entries[0][0]) if entries else None


async def last_id(redis: Redis, keys: StreamKeys, branch_id: int) -> str:
    """The id a snapshot taken now is current to ('0-0' for an empty stream)."""
    entries = await redis.xrevrange(keys.events(branch_id), count=1)
    return text(entries[0][0]) if entries else "0-0"


class EpochKeys(Protocol):
    """What the epoch needs of `app.lib.redis.Keys` (events sits below lib's key layout)."""

    def stream_epoch(self) -> str: ...


async def epoch_start(redis: Redis, keys: EpochKeys) -> str | None:
    """The first id of the current stream epoch (None: no rebuild since this Redis's data began)."""
    value = await redis.get(keys.stream_epoch())
    return None if value is None else text(value)


async def start_epoch(redis: Redis, keys: EpochKeys) -> str:
    """A new epoch from the next millisecond of Redis's clock: every id given out before now is older."""
    seconds, micros = await redis.time()
    start = f"{int(seconds) * 1000 + int(micros) // 1000 + 1}-0"
    await redis.set(keys.stream_epoch(), start)
    return start

"""Reading a branch stream: what a resuming client missed, and the id a snapshot is current to."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

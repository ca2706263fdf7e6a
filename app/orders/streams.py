"""Branch event streams: the entry format, reading, and appends made from Python.

One Redis stream per branch (`Keys.events`). Entry fields: `type`, `order` (order id or ''), `v` (order
version or ''), `ts` (ms since epoch, Redis server time) and `data` (JSON). The entry id is the event id
clients see and resume from; Redis makes it strictly increasing within the stream.

Most entries are appended by the Lua scripts in the same atomic step as the state change; `append()` is
for events that change no order state (a token called again, an alert) and is only called by services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import msgspec

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.redis import Keys

_json_encoder = msgspec.json.Encoder()
_json_decoder = msgspec.json.Decoder(dict[str, Any])


class Envelope(msgspec.Struct, frozen=True):
    """What every socket client receives, under the event's name (DESIGN §5)."""

    id: str
    type: str
    branch_id: int
    ts: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StreamEntry:
    id: str
    branch_id: int
    type: str
    order_id: str | None
    version: int | None
    ts_ms: int
    raw_data: bytes

    def data(self) -> dict[str, Any]:
        return _json_decoder.decode(self.raw_data)

    @property
    def ts(self) -> str:
        return dt.datetime.fromtimestamp(self.ts_ms / 1000, tz=dt.UTC).isoformat(timespec="milliseconds")

    def envelope(self, data: dict[str, Any] | None = None) -> Envelope:
        return Envelope(
            id=self.id,
            type=self.type,
            branch_id=self.branch_id,
            ts=self.ts,
            data=self.data() if data is None else data,
        )


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def parse_entry(branch_id: int, entry_id: bytes | str, fields: dict[bytes, bytes]) -> StreamEntry:
    order = fields.get(b"order", b"")
    version = fields.get(b"v", b"")
    return StreamEntry(
        id=_s(entry_id),
        branch_id=branch_id,
        type=_s(fields[b"type"]),
        order_id=_s(order) or None,
        version=int(version) if version else None,
        ts_ms=int(fields.get(b"ts", b"0")),
        raw_data=fields.get(b"data", b"{}"),
    )


def id_key(stream_id: str) -> tuple[int, int]:
    """Stream ids compare as (milliseconds, sequence), not as strings."""
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


def is_stream_id(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 41:
        return False
    ms, sep, seq = value.partition("-")
    return ms.isdigit() and (not sep or seq.isdigit())


async def read_after(
    redis: Redis, keys: Keys, branch_id: int, after: str, *, count: int = 1000
) -> list[StreamEntry]:
    """Entries with ids strictly greater than `after`, oldest first."""
    entries = await redis.xrange(keys.events(branch_id), min=f"({after}", max="+", count=count)
    return [parse_entry(branch_id, entry_id, fields) for entry_id, fields in entries]


async def first_id(redis: Redis, keys: Keys, branch_id: int) -> str | None:
    entries = await redis.xrange(keys.events(branch_id), count=1)
    return _s(entries[0][0]) if entries else None


async def last_id(redis: Redis, keys: Keys, branch_id: int) -> str:
    """The id a snapshot taken now is current to ('0-0' for an empty stream)."""
    entries = await redis.xrevrange(keys.events(branch_id), count=1)
    return _s(entries[0][0]) if entries else "0-0"


async def append(
    redis: Redis,
    keys: Keys,
    branch_id: int,
    *,
    type: str,
    data: dict[str, Any],
    order_id: str | None = None,
    version: int | None = None,
    maxlen: int,
) -> str:
    now_ms = await _server_ms(redis)
    entry_id = await redis.xadd(
        keys.events(branch_id),
        {
            "type": type,
            "order": order_id or "",
            "v": "" if version is None else str(version),
            "ts": str(now_ms),
            "data": _json_encoder.encode(data),
        },
        maxlen=maxlen,
        approximate=True,
    )
    await cast("Awaitable[int]", redis.sadd(keys.event_branches(), branch_id))
    return _s(entry_id)


async def _server_ms(redis: Redis) -> int:
    seconds, micros = await redis.time()
    return int(seconds) * 1000 + int(micros) // 1000

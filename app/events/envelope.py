"""The stream codec: how an event sits in a branch stream, and the envelope every socket client receives.

One Redis stream per branch (`Keys.events`). Entry fields: `type`, `order` (order id or ''), `v` (order
version or ''), `ts` (ms since epoch, Redis server time) and `data` (JSON). The entry id is the event id
clients see and resume from; Redis makes it strictly increasing within the stream.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec

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


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def parse_entry(branch_id: int, entry_id: bytes | str, fields: dict[bytes, bytes]) -> StreamEntry:
    order = fields.get(b"order", b"")
    version = fields.get(b"v", b"")
    return StreamEntry(
        id=text(entry_id),
        branch_id=branch_id,
        type=text(fields[b"type"]),
        order_id=text(order) or None,
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

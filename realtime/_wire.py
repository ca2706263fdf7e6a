"""Socket.IO event frames built once and shared by every recipient.

python-socketio's `emit` to a room already encodes the packet once, but it serialises with the stdlib
`json`, and then starts one asyncio task per recipient and waits for all of them. The bridge does better
with the same public Engine.IO API (`AsyncServer.send_packet`):

- the envelope JSON is written by msgspec, and for audiences that get the event unchanged the `data` part
  is the very bytes stored in the stream (already validated by decoding it once) — no re-encoding at all;
- the finished Engine.IO packet is one object; its `encode()` caches the text, so every socket's writer
  sends the same string;
- delivery is a plain loop of non-blocking queue puts (each socket has an unbounded send queue drained by
  its own writer task), so a burst of events is queued to a socket in order without a task per send.

The text is exactly what python-socketio would send: `4` (Engine.IO message) `2` (Socket.IO event), the
namespace and a comma, then the JSON array `[event name, payload]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from engineio import packet as eio_packet

if TYPE_CHECKING:
    from app.events import StreamEntry

_encoder = msgspec.json.Encoder()


class _Head(msgspec.Struct, frozen=True):
    id: str
    type: str
    branch_id: int
    ts: str


def envelope_json(entry: StreamEntry, data: dict[str, Any] | None) -> bytes:
    """`{id, type, branch_id, ts, data}`; with `data=None` the stream's own data bytes are spliced in."""
    head = _encoder.encode(_Head(entry.id, entry.type, entry.branch_id, entry.ts))
    body = entry.raw_data if data is None else _encoder.encode(data)
    return head[:-1] + b',"data":' + body + b"}"


class Payloads:
    """The envelopes of one stream entry, each encoded at most once however many rooms and namespaces
    it goes to: kanban and POS share the unchanged one."""

    __slots__ = ("_full", "entry")

    def __init__(self, entry: StreamEntry) -> None:
        self.entry = entry
        self._full: bytes | None = None

    def envelope(self, data: dict[str, Any] | None) -> bytes:
        if data is not None:
            return envelope_json(self.entry, data)
        if self._full is None:
            self._full = envelope_json(self.entry, None)
        return self._full


def event_text(namespace: str, event: str, payload_json: bytes) -> str:
    prefix = "2" if namespace == "/" else f"2{namespace},"
    return prefix + "[" + _encoder.encode(event).decode() + "," + payload_json.decode() + "]"


def event_packet(namespace: str, event: str, payload_json: bytes) -> Any:
    """An Engine.IO message packet carrying one Socket.IO event; safe to queue to many sockets."""
    return eio_packet.Packet(eio_packet.MESSAGE, data=event_text(namespace, event, payload_json))


def encode(value: Any) -> bytes:
    return _encoder.encode(value)

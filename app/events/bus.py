"""The event bus: the one way an event reaches a branch stream.

Python writers append through `EventBus.append` with a registered `EventType` and its payload struct, or
register the append to happen once their PostgreSQL transaction commits (`on_commit`, see outbox.py). The
Lua scripts that change hot state write their event in the same atomic step (a state change and its
announcement cannot come apart); they get the stream key and length cap from here and encode their
payloads here. An order's moves are journaled to PostgreSQL before they are answered (`appended_durably`:
an acknowledged move survives a Redis that loses everything the next moment); every other event reports a
change PostgreSQL already holds, and the persister copies it within milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

import msgspec

from app.events.envelope import StreamEntry, id_key, text
from app.events.outbox import Announcement, Outbox

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.db.session import Session
    from app.events.journal import Journal
    from app.events.registry import EventType

T = TypeVar("T", bound=msgspec.Struct)

# Events of one branch kept in Redis. At 60 events/s a day is ~5 M; shops are far below that, and past the
# cap a resuming client simply gets `resync` and reloads its snapshot.
DEFAULT_STREAM_MAXLEN = 1_000_000

_encoder = msgspec.json.Encoder()


class StreamKeys(Protocol):
    """The key names the bus needs (app.lib.redis.Keys)."""

    def events(self, branch_id: int) -> str: ...

    def event_branches(self) -> str: ...


class EventBus:
    def __init__(
        self,
        redis: Redis,
        keys: StreamKeys,
        *,
        journal: Journal | None = None,
        maxlen: int = DEFAULT_STREAM_MAXLEN,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.journal = journal
        self.maxlen = maxlen

    def stream(self, branch_id: int) -> str:
        return self.keys.events(branch_id)

    @staticmethod
    def encode(event: EventType[T], data: T) -> bytes:
        """A payload for a Lua writer (order.created, ticket.created, payment.*), checked against its type."""
        event.check(data)
        return _encoder.encode(data)

    async def append(
        self,
        branch_id: int,
        event: EventType[T],
        data: T,
        *,
        order_id: str | None = None,
        version: int | None = None,
    ) -> StreamEntry:
        """Append now. For a change of PostgreSQL, use `on_commit` instead (or append after the commit)."""
        raw = self.encode(event, data)
        async with self.redis.pipeline(transaction=False) as pipe:
            # No `ts` field: the entry id's milliseconds are the Redis server's clock at the append, the
            # same clock the Lua writers read with TIME, so no extra round trip asks for it.
            pipe.xadd(
                self.stream(branch_id),
                {
                    "type": event.name,
                    "order": order_id or "",
                    "v": "" if version is None else version,
                    "data": raw,
                },
                maxlen=self.maxlen,
                approximate=True,
            )
            pipe.sadd(self.keys.event_branches(), branch_id)
            entry_id, _ = await pipe.execute()
        stream_id = text(entry_id)
        return StreamEntry(
            id=stream_id,
            branch_id=branch_id,
            type=event.name,
            order_id=order_id,
            version=version,
            ts_ms=id_key(stream_id)[0],
            raw_data=raw,
        )

    async def appended_durably(self, entries: Sequence[StreamEntry]) -> None:
        """Journal events and return once PostgreSQL has them: an acknowledged order move must survive a
        Redis that loses everything the next moment (DESIGN §4)."""
        if self.journal is not None and entries:
            await self.journal.record(entries)

    # ------------------------------------------------------------------ after commit

    def outbox(self) -> Outbox:
        """Announcements to make later, in order, with `await outbox.publish()`."""
        return Outbox(self)

    def on_commit(
        self,
        session: Session,
        branch_id: int,
        event: EventType[T],
        data: T,
        *,
        order_id: str | None = None,
        version: int | None = None,
    ) -> Announcement:
        """Announce once `session`'s transaction commits (dropped if it rolls back). The returned handle
        carries the stream entry after the commit."""
        outbox = _session_outbox(session, self)
        return outbox.add(branch_id, event, data, order_id=order_id, version=version)


def _session_outbox(session: Session, bus: EventBus) -> Outbox:
    """The outbox of the session's open transaction, published when it commits."""
    outbox: Outbox | None = session.transaction_info.get("outbox")
    if outbox is None:
        outbox = session.transaction_info["outbox"] = Outbox(bus)
        session.on_commit(outbox.publish)
    return outbox

"""Announcements waiting for their moment: the commit of a transaction, or the move of an order.

An outbox keeps events in the order they were added and appends them all when published. The event bus
gives each transaction of a session its own outbox, published when that transaction commits (and dropped
if it rolls back); the order door keeps one for a move's news, published after the move itself.

Publishing happens after a durable change, so a failure to append (Redis away) is logged and does not
undo or fail the change: the screens catch up from their next snapshot, and the sweeps that re-run
job-driven outcomes read PostgreSQL, not the stream.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import msgspec

if TYPE_CHECKING:
    from app.events.envelope import StreamEntry
    from app.events.registry import EventType

log = logging.getLogger(__name__)

T = TypeVar("T", bound=msgspec.Struct)


class Appender(Protocol):
    """What an outbox publishes through (the event bus)."""

    async def append(
        self,
        branch_id: int,
        event: EventType[T],
        data: T,
        *,
        order_id: str | None = None,
        version: int | None = None,
    ) -> StreamEntry: ...


@dataclass(slots=True)
class Announcement:
    """One event to append; `entry` is set once it is on the stream."""

    branch_id: int
    event: EventType[Any]
    data: msgspec.Struct
    order_id: str | None
    version: int | None
    entry: StreamEntry | None = None

    @property
    def event_id(self) -> str | None:
        return self.entry.id if self.entry is not None else None


Announcer = Callable[[], Awaitable[Any]]


class Outbox:
    __slots__ = ("_items", "bus")

    def __init__(self, bus: Appender) -> None:
        self.bus = bus
        self._items: list[Announcement | Announcer] = []

    def __len__(self) -> int:
        return len(self._items)

    def add(
        self,
        branch_id: int,
        event: EventType[T],
        data: T,
        *,
        order_id: str | None = None,
        version: int | None = None,
    ) -> Announcement:
        # Checked now, not at publication: a wrong payload is the caller's bug and fails its request.
        event.check(data)
        item = Announcement(branch_id, event, data, order_id, version)
        self._items.append(item)
        return item

    def later(self, announcer: Announcer) -> None:
        """An announcement a script makes itself (the payment status and `payment.*` in one step), in its
        place among the others."""
        self._items.append(announcer)

    async def publish(self) -> None:
        items, self._items = self._items, []
        for item in items:
            try:
                if isinstance(item, Announcement):
                    item.entry = await self.bus.append(
                        item.branch_id, item.event, item.data, order_id=item.order_id, version=item.version
                    )
                else:
                    await item()
            except Exception:
                log.exception("a committed change was not announced", extra={"announcement": repr(item)})

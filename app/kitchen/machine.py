"""The Redis side of the kitchen: the Lua scripts for tickets, rush and the screens' snapshots, and their
replies as typed values.

Like `app.orders.machine`, every change is one atomic script that also appends its event to the branch
stream, and every snapshot is one atomic read that names the stream id it is current to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from app.events import StreamEntry
from app.events import kitchen as kitchen_events
from app.lib.lua import Script
from app.orders.states import State

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.events import EventBus
    from app.lib.lua import LuaScripts
    from app.lib.redis import Keys

TicketAction = Literal["start", "bump", "recall"]
TicketOutcome = Literal["ok", "same", "conflict", "notfound"]
RushOutcome = Literal["ok", "same", "closed", "notfound"]

EVENT_TYPES: dict[TicketAction, str] = {
    "start": kitchen_events.TICKET_STARTED.name,
    "bump": kitchen_events.TICKET_BUMPED.name,
    "recall": kitchen_events.TICKET_RECALLED.name,
}
# Subtracted from a rush ticket's station score (ms since epoch, ~1.7e12): every rush ticket sorts before
# every other one, and rush tickets among themselves stay oldest first.
RUSH_OFFSET_MS = 10**12
KITCHEN_STATES = (State.RECEIVED, State.PREPARING, State.READY)


TICKET = Script("app.kitchen", "ticket")
RUSH = Script("app.kitchen", "rush")
STATION = Script("app.kitchen", "station")
EXPO = Script("app.kitchen", "expo")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ms(value: Any) -> int | None:
    text = _text(value)
    return int(text) if text else None


@dataclass(frozen=True, slots=True)
class TicketReply:
    outcome: TicketOutcome
    previous: str | None = None
    state: str | None = None
    started_ms: int | None = None
    bumped_ms: int | None = None
    order_state: str | None = None
    reason: str | None = None  # conflicts: bumped / not_bumped / order_closed
    event: StreamEntry | None = None  # ok only


@dataclass(frozen=True, slots=True)
class RushReply:
    outcome: RushOutcome
    state: str | None = None
    event: StreamEntry | None = None


@dataclass(frozen=True, slots=True)
class StationRow:
    ticket_id: str
    score: float
    state: str
    created_ms: int | None
    started_ms: int | None
    rush: bool | None  # None: the hash has no flag of its own (the data's applies)
    data: str


@dataclass(frozen=True, slots=True)
class ExpoTicketRow:
    ticket_id: str
    station_code: str
    state: str


@dataclass(frozen=True, slots=True)
class ExpoRow:
    order_id: str
    entered_ms: int
    state: str
    version: int
    channel: str
    token: int | None
    card: str
    rush: bool
    created_ms: int | None
    tickets: list[ExpoTicketRow]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A ticket the expo snapshot should look for (from PostgreSQL)."""

    order_id: str
    ticket_id: str
    station_code: str


class KitchenMachine:
    """The kitchen scripts over one Redis client (the runtime's)."""

    def __init__(self, redis: Redis, keys: Keys, lua: LuaScripts, bus: EventBus) -> None:
        self.redis = redis
        self.keys = keys
        self.bus = bus
        self.stream_maxlen = bus.maxlen
        self._ticket = lua[TICKET]
        self._rush = lua[RUSH]
        self._station = lua[STATION]
        self._expo = lua[EXPO]

    async def ticket(
        self,
        *,
        branch_id: int,
        ticket_id: str,
        order_id: str,
        station_code: str,
        action: TicketAction,
        actor: int | None,
    ) -> TicketReply:
        reply = await self._ticket(
            keys=[
                self.keys.ticket(branch_id, ticket_id),
                self.keys.station_tickets(branch_id, station_code),
                self.bus.stream(branch_id),
                self.keys.order(branch_id, order_id),
            ],
            args=[action, self.stream_maxlen, "" if actor is None else str(actor), RUSH_OFFSET_MS],
        )
        outcome: TicketOutcome = _text(reply[0])  # type: ignore[assignment]
        if outcome == "notfound":
            return TicketReply(outcome)
        if outcome == "conflict":
            return TicketReply(
                outcome, state=_text(reply[1]), reason=_text(reply[2]), order_state=_text(reply[3]) or None
            )
        event = None
        if outcome == "ok":
            data = _text(reply[4]).encode()
            event = StreamEntry(
                id=_text(reply[3]),
                branch_id=branch_id,
                type=EVENT_TYPES[action],
                order_id=order_id,
                version=None,
                ts_ms=json.loads(data)["at"],
                raw_data=data,
            )
        return TicketReply(
            outcome,
            previous=_text(reply[1]),
            state=_text(reply[2]),
            started_ms=_ms(reply[5]),
            bumped_ms=_ms(reply[6]),
            order_state=_text(reply[7]) or None,
            event=event,
        )

    async def rush(
        self,
        *,
        branch_id: int,
        order_id: str,
        rush: bool,
        tickets: list[tuple[str, str]],
        actor: int | None,
    ) -> RushReply:
        """`tickets`: (ticket id, station code) of every ticket of the order."""
        keys = [self.keys.order(branch_id, order_id), self.bus.stream(branch_id)]
        for ticket_id, station in tickets:
            keys.extend(
                (self.keys.ticket(branch_id, ticket_id), self.keys.station_tickets(branch_id, station))
            )
        reply = await self._rush(
            keys=keys,
            args=[
                "1" if rush else "0",
                self.stream_maxlen,
                RUSH_OFFSET_MS,
                "" if actor is None else str(actor),
                *(ticket_id for ticket_id, _ in tickets),
            ],
        )
        outcome: RushOutcome = _text(reply[0])  # type: ignore[assignment]
        if outcome == "notfound":
            return RushReply(outcome)
        if outcome != "ok":
            return RushReply(outcome, state=_text(reply[1]))
        event = StreamEntry(
            id=_text(reply[2]),
            branch_id=branch_id,
            type=kitchen_events.RUSH_CHANGED.name,
            order_id=order_id,
            version=None,
            ts_ms=int(reply[4]),
            raw_data=_text(reply[3]).encode(),
        )
        return RushReply(outcome, state=_text(reply[1]), event=event)

    async def station(self, *, branch_id: int, station_code: str) -> tuple[str, list[StationRow]]:
        reply = await self._station(
            keys=[self.bus.stream(branch_id), self.keys.station_tickets(branch_id, station_code)],
            args=[self.keys.ticket(branch_id, ""), self.keys.order(branch_id, "")],
        )
        rows = [
            StationRow(
                ticket_id=_text(row[0]),
                score=float(row[1]),
                state=_text(row[2]),
                created_ms=_ms(row[3]),
                started_ms=_ms(row[4]),
                rush=None if not _text(row[5]) else _text(row[5]) == "1",
                data=_text(row[6]),
            )
            for row in reply[1]
        ]
        return _text(reply[0]), rows

    async def expo(
        self, *, branch_id: int, candidates: list[Candidate]
    ) -> tuple[str, list[ExpoRow], list[str]]:
        """(stream id, open kitchen orders with their tickets, orders none of the candidates belong to)."""
        args: list[str] = [self.keys.order(branch_id, "")]
        for candidate in candidates:
            args.extend((candidate.order_id, candidate.ticket_id, candidate.station_code))
        reply = await self._expo(
            keys=[
                self.bus.stream(branch_id),
                *(self.keys.state_index(branch_id, s) for s in KITCHEN_STATES),
                *(self.keys.ticket(branch_id, c.ticket_id) for c in candidates),
            ],
            args=args,
        )
        orders = [
            ExpoRow(
                order_id=_text(row[0]),
                entered_ms=int(float(row[1])),
                state=_text(row[2]),
                version=int(_text(row[3]) or 0),
                channel=_text(row[4]),
                token=_ms(row[5]),
                card=_text(row[6]),
                rush=_text(row[7]) == "1",
                created_ms=_ms(row[8]),
                tickets=[ExpoTicketRow(_text(t[0]), _text(t[1]), _text(t[2])) for t in row[9]],
            )
            for row in reply[1]
        ]
        return _text(reply[0]), orders, [_text(m) for m in reply[2]]

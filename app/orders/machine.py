"""The Redis side of the order state machine: its Lua scripts and the replies they give.

The scripts are declared here and loaded once per runtime (app/lib/lua.py). The transition table from
`states.py` is rendered into the transition script, so the check runs inside Redis in the same atomic step
as the compare-and-set and the event append. Only the order door (app/orders/door.py) moves orders:
`transition` and `transition_many` are its tools, and a test fails if anything else calls them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from redis.exceptions import NoScriptError, WatchError

from app.events import StreamEntry
from app.lib.lua import Script
from app.lib.redis import hmget
from app.orders.states import OPEN_STATES, TRANSITIONS, State, rule_for

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import Pipeline

    from app.events import EventBus
    from app.lib.lua import LuaScripts
    from app.lib.redis import Keys

Outcome = Literal["ok", "notfound", "conflict", "forbidden", "invalid", "missing"]
# How long the order -> branch pointer is kept; older orders fall back to one PostgreSQL read.
ORDER_BRANCH_TTL_SECONDS = 7 * 24 * 3600
# A finished order's hash lingers so late readers (a courier's page, the TV) still resolve it.
FINISHED_TTL_SECONDS = 24 * 3600
# `transition_many` re-reads and retries when one of its orders changed under it (a kitchen bump).
MAX_MANY_TRIES = 5


def _lua_set(values: Any) -> str:
    return "{" + ", ".join(f"[{json.dumps(str(v))}] = true" for v in sorted(values)) + "}"


@cache
def render_table() -> str:
    rules = []
    for (origin, target), rule in sorted(TRANSITIONS.items()):
        parts = [f"roles = {_lua_set(rule.roles)}"]
        if rule.channels is not None:
            parts.append(f"channels = {_lua_set(rule.channels)}")
        parts.append("requires = {" + ", ".join(json.dumps(f) for f in rule.requires) + "}")
        if rule.requires_paid:
            parts.append("paid = true")
        if rule.correction:
            parts.append("correction = true")
        rules.append(f"  [{json.dumps(f'{origin}>{target}')}] = {{{', '.join(parts)}}},")
    index = ", ".join(f"{state} = {position}" for position, state in enumerate(OPEN_STATES, start=3))
    return "local RULES = {\n" + "\n".join(rules) + "\n}\nlocal INDEX = {" + index + "}\n"


def _with_table(source: str) -> str:
    return source.replace("--@TABLE@", render_table())


def _with_tickets(source: str) -> str:
    return source.replace(
        "--@TICKETS@", resources.files("app.orders").joinpath("lua/_tickets.lua").read_text()
    )


TRANSITION = Script("app.orders", "transition", render=_with_table)
INIT_ORDER = Script("app.orders", "init_order", render=_with_tickets)
ADD_TICKETS = Script("app.orders", "add_tickets", render=_with_tickets)
BOARD = Script("app.orders", "board")
RESTORE_ORDER = Script("app.orders", "restore_order")


@dataclass(frozen=True, slots=True)
class TransitionReply:
    outcome: Outcome
    state: str | None = None  # the state before the move (ok) or the current one (refusals)
    version: int | None = None
    stream_id: str | None = None
    detail: str | None = None  # why: stale_version / illegal / unpaid / the missing field / channel
    event: StreamEntry | None = None  # the appended order.state_changed (ok only)


@dataclass(frozen=True, slots=True)
class TicketSpec:
    ticket_id: str
    station_code: str
    data: str  # ticket.created payload, JSON


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def parse_reply(branch_id: int, order_id: str, raw: Any) -> TransitionReply:
    """The transition script's reply, as the caller answers it."""
    outcome: Outcome = _text(raw[0])  # type: ignore[assignment]
    if outcome == "notfound":
        return TransitionReply(outcome)
    state, version = _text(raw[1]), int(raw[2])
    if outcome != "ok":
        return TransitionReply(outcome, state, version, detail=_text(raw[3]) if len(raw) > 3 else None)
    stream_id = _text(raw[3])
    event = StreamEntry(
        id=stream_id,
        branch_id=branch_id,
        type="order.state_changed",
        order_id=order_id,
        version=version,
        ts_ms=int(raw[5]),
        raw_data=raw[4] if isinstance(raw[4], bytes) else str(raw[4]).encode(),
    )
    return TransitionReply(outcome, state, version, stream_id=stream_id, event=event)


@dataclass(frozen=True, slots=True)
class LiveOrder:
    """The fields of an order's hash that decide whether a move is allowed."""

    state: str | None
    version: int | None
    channel: str | None
    payment_status: str | None


def precheck(  # noqa: PLR0911  # one early answer per rule, as in the script
    live: LiveOrder,
    *,
    to: State,
    expected_version: int | None,
    roles: tuple[str, ...],
    guard: dict[str, Any],
) -> TransitionReply | None:
    """What transition.lua would refuse, checked in Python on a read of the hash (None: it would move).

    Mirrors the script rule for rule and in the same order, so a caller can refuse before it writes
    anything of its own, and a refusal reads exactly like the script's.
    """
    if live.state is None or live.version is None:
        return TransitionReply("notfound")
    current, version = live.state, live.version
    if expected_version is not None and expected_version != version:
        return TransitionReply("conflict", current, version, detail="stale_version")
    try:
        rule = rule_for(State(current), to)
    except ValueError:
        rule = None
    if rule is None:
        return TransitionReply("conflict", current, version, detail="illegal")
    if "admin" not in roles and not rule.roles.intersection(roles):
        return TransitionReply("forbidden", current, version)
    if rule.channels is not None and live.channel not in rule.channels:
        return TransitionReply("invalid", current, version, detail="channel")
    for field in rule.requires:
        if guard.get(field) in (None, ""):
            return TransitionReply("missing", current, version, detail=field)
    if rule.requires_paid and live.payment_status != "paid":
        return TransitionReply("conflict", current, version, detail="unpaid")
    return None


class OrderMachine:
    """The order scripts over one Redis client; cheap to build (the scripts are the runtime's)."""

    __slots__ = (
        "_add_tickets",
        "_board",
        "_transition",
        "finished_ttl",
        "keys",
        "lua",
        "redis",
        "stream_maxlen",
    )

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        lua: LuaScripts,
        bus: EventBus,
        *,
        finished_ttl: int = FINISHED_TTL_SECONDS,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.stream_maxlen = bus.maxlen
        self.finished_ttl = finished_ttl
        self.lua = lua
        self._transition = lua[TRANSITION]
        self._add_tickets = lua[ADD_TICKETS]
        self._board = lua[BOARD]

    async def init_order(
        self,
        *,
        branch_id: int,
        order_id: str,
        state: State,
        fields: dict[str, str],
        created: str,
        tickets: list[TicketSpec],
    ) -> tuple[bool, list[str]]:
        """Put an order and its tickets into the hot state (one script), and list the branch and the order's
        branch pointer, in one round trip.

        Returns (whether the order was new, stream ids appended). Safe to repeat: nothing is announced twice.
        """
        keys = [
            self.keys.order(branch_id, order_id),
            self.keys.events(branch_id),
            self.keys.state_index(branch_id, state),
            *(self.keys.station_tickets(branch_id, t.station_code) for t in tickets),
        ]
        args: list[Any] = [order_id, state.value, json.dumps(fields), self.stream_maxlen, created]
        for ticket in tickets:
            args.extend((self.keys.ticket(branch_id, ticket.ticket_id), ticket.ticket_id, ticket.data))

        def build(pipe: Pipeline) -> None:
            self.lua.queue(pipe, INIT_ORDER, keys, args)
            pipe.sadd(self.keys.event_branches(), branch_id)
            pipe.set(self.keys.order_branch(order_id), branch_id, ex=ORDER_BRANCH_TTL_SECONDS)

        reply, _, _ = await self.lua.pipelined(build, scripts=[INIT_ORDER], transaction=False)
        created_new = _text(reply[0]) == "ok"
        ids = [_text(i) for i in (reply[1:] if created_new else reply[2:])]
        return created_new, ids

    async def add_tickets(self, *, branch_id: int, order_id: str, tickets: list[TicketSpec]) -> list[str]:
        """Tickets for an order already in the hot state (a released scheduled order); idempotent."""
        args: list[Any] = [order_id, self.stream_maxlen]
        for ticket in tickets:
            args.extend((self.keys.ticket(branch_id, ticket.ticket_id), ticket.ticket_id, ticket.data))
        ids = await self._add_tickets(
            keys=[
                self.keys.events(branch_id),
                *(self.keys.station_tickets(branch_id, t.station_code) for t in tickets),
            ],
            args=args,
        )
        return [_text(i) for i in ids]

    async def board(self, branch_id: int) -> tuple[str, dict[str, list[list[str]]]]:
        """(stream id the snapshot is current to, open orders per state) in one atomic read."""
        reply = await self._board(
            keys=[self.keys.events(branch_id), *(self.keys.state_index(branch_id, s) for s in OPEN_STATES)],
            args=[self.keys.order(branch_id, "")],
        )
        columns = {
            state.value: [[_text(v) for v in row] for row in column]
            for state, column in zip(OPEN_STATES, reply[1:], strict=True)
        }
        return _text(reply[0]), columns

    async def transition(
        self,
        *,
        branch_id: int,
        order_id: str,
        to: State,
        expected_version: int | None,
        roles: tuple[str, ...],
        guard: dict[str, Any],
    ) -> TransitionReply:
        keys = self._transition_keys(branch_id, self.keys.order(branch_id, order_id))
        args = [
            to.value,
            "" if expected_version is None else str(expected_version),
            ",".join(roles),
            json.dumps({k: v for k, v in guard.items() if v is not None}),
            self.stream_maxlen,
            self.finished_ttl,
        ]
        return parse_reply(branch_id, order_id, await self._transition(keys=keys, args=args))

    async def read_live(self, branch_id: int, order_ids: list[str]) -> list[LiveOrder]:
        """The deciding fields of several orders' hashes, for `precheck`."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for order_id in order_ids:
                pipe.hmget(self.keys.order(branch_id, order_id), list(_LIVE_FIELDS))
            rows = await pipe.execute()
        return [_live(row) for row in rows]

    async def transition_many(
        self,
        *,
        branch_id: int,
        order_ids: list[str],
        to: State,
        roles: tuple[str, ...],
        guard: dict[str, Any],
        expected_versions: list[int | None] | None = None,
    ) -> list[TransitionReply]:
        """Move several orders of one branch to `to` in one MULTI, all or none.

        The hashes are WATCHed and read, every move is prechecked against the table the script enforces,
        then every script runs in one MULTI at the version just read. A hash that changes in between (a
        kitchen bump) aborts the EXEC as a whole and the read is repeated, so inside the MULTI the scripts
        can only all succeed. A refusal is returned for every order (the refused one's, repeated) and
        nothing is applied.
        """
        order_keys = [self.keys.order(branch_id, o) for o in order_ids]
        expected = expected_versions or [None] * len(order_ids)
        encoded_guard = json.dumps({k: v for k, v in guard.items() if v is not None})
        for _ in range(MAX_MANY_TRIES):
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(*order_keys)
                    versions = []
                    for key, wanted in zip(order_keys, expected, strict=True):
                        live = _live(await hmget(pipe, key, *_LIVE_FIELDS))
                        refusal = precheck(live, to=to, expected_version=wanted, roles=roles, guard=guard)
                        if refusal is not None:
                            # Leaving the pipeline's block unwatches.
                            return [refusal] * len(order_ids)
                        versions.append(live.version)
                    pipe.multi()  # type: ignore[no-untyped-call]  # unannotated in redis-py
                    for key, version in zip(order_keys, versions, strict=True):
                        args = [to.value, version, ",".join(roles), encoded_guard]
                        args += [self.stream_maxlen, self.finished_ttl]
                        self.lua.queue(pipe, TRANSITION, self._transition_keys(branch_id, key), args)
                    raw_replies = await pipe.execute()
                except WatchError:
                    continue
                except NoScriptError:
                    # Redis restarted and lost its scripts: every command of the MULTI failed alike.
                    await self.lua.load(TRANSITION)
                    continue
            return [
                parse_reply(branch_id, order_id, raw)
                for order_id, raw in zip(order_ids, raw_replies, strict=True)
            ]
        return [TransitionReply("conflict", detail="busy")] * len(order_ids)

    def _transition_keys(self, branch_id: int, order_key: str) -> list[str]:
        return [
            order_key,
            self.keys.events(branch_id),
            *(self.keys.state_index(branch_id, s) for s in OPEN_STATES),
        ]


_LIVE_FIELDS = ("state", "version", "channel", "payment_status")


def _live(row: list[Any]) -> LiveOrder:
    state, version, channel, payment = row
    return LiveOrder(
        state=None if state is None else _text(state),
        version=None if version is None else int(version),
        channel=None if channel is None else _text(channel),
        payment_status=None if payment is None else _text(payment),
    )

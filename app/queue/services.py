"""The queue TV's board and the walk-in service queue.

The board is one Lua read (lua/board.lua) over the order state indexes, the order hashes' tokens and the
branch's open service tickets, with the stream id it is current to.

Walk-in tickets live in PostgreSQL (`service_tickets`, numbers from a counter row per branch and business
day, like order tokens). Each change is committed first, then announced: the ticket's open state goes in a
Redis hash the board reads (`Keys.service_tickets`), then the event goes on the branch stream
(`service.ticket_created`, `service.ticket_called`, `service.ticket_updated`). Hash before stream: a board
read between the two sees the new state with an older stream id, and the event that follows sets the same
state again, which is harmless — the other order could lose a change. Every event carries the ticket's
whole state (number, counter, state), so applying one twice changes nothing.

Changes to one ticket are serialised by its row lock and answered 409 when they no longer apply (done
twice). Two counters calling the next number at once get different tickets (SKIP LOCKED).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Self, cast
from zoneinfo import ZoneInfo

import msgspec
from litestar.exceptions import NotFoundException
from sqlalchemy import and_, func, or_, select, text

from app.auth.devices import DevicePrincipal, ensure_viewer_sees_branch
from app.auth.guards import ensure_branch_visible
from app.db.models import Branch, ServiceTicket
from app.events import floor
from app.events.stream import last_id
from app.lib import audit, ratelimit
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import LazyText, _, _p
from app.lib.lua import Script
from app.lib.redis import hset
from app.menu.pacing import KitchenLoad, at
from app.orders.states import TOKEN_CHANNELS, State
from app.queue.schemas import (
    CounterSnapshot,
    PreparingToken,
    QueueBoardOut,
    ReadyToken,
    ServiceNumber,
    ServiceOption,
    ServiceTicketOut,
    TicketTaken,
)
from app.queue.setup import check_counter, counters_of, services_of

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.events import EventBus
    from app.lib.deps import Scope
    from app.lib.lua import LuaScripts
    from app.lib.redis import Keys

log = logging.getLogger(__name__)

# What the kiosk offers is the branch's own list, set up in /admin/branches (app/queue/setup.py).
OPEN_STATES = ("waiting", "called", "serving")
# A kiosk is one device at a door: a ticket every three seconds is already no customer. A flood from many
# addresses still meets the branch's own limit. Both are counted before any database work.
TICKETS_PER_MINUTE_PER_IP = 20
TICKETS_PER_MINUTE_PER_BRANCH = 60
# Estimated wait: waiting ahead x the average time a counter spent on the last N finished tickets.
RECENT_DONE = 20
DEFAULT_SERVICE_SECONDS = 180

CREATED = floor.SERVICE_TICKET_CREATED.name
CALLED = floor.SERVICE_TICKET_CALLED.name
UPDATED = floor.SERVICE_TICKET_UPDATED.name
EVENTS = {
    event.name: event
    for event in (floor.SERVICE_TICKET_CREATED, floor.SERVICE_TICKET_CALLED, floor.SERVICE_TICKET_UPDATED)
}

# (action, states it may start from, state it ends in)
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "recall": (("called", "no_show"), "called"),
    # To another counter, also mid-service (the clerk there takes over): called there, announced again.
    "transfer": (("called", "serving"), "called"),
    "serve": (("called",), "serving"),
    "done": (("called", "serving"), "done"),
    "no_show": (("called",), "no_show"),
}

# "Number 12 is done; it cannot be …": what each move would have done.
# Lazy, so the refusal reads in the asker's language.
_DONE_WORDS: dict[str, LazyText] = {
    "recall": _("called again"),
    "transfer": _("sent to another counter"),
    "serve": _("served"),
    "done": _("marked done"),
    "no_show": _("marked a no-show"),
}

# A ticket's state in the middle of a sentence ("Number 12 is done").
_STATE_WORDS: dict[str, LazyText] = {
    "waiting": _p("queue ticket", "waiting"),
    "called": _p("queue ticket", "called"),
    "serving": _p("queue ticket", "being served"),
    "done": _p("queue ticket", "done"),
    "no_show": _p("queue ticket", "a no-show"),
}

_json = msgspec.json.Encoder()
_hash_value = msgspec.json.Decoder(dict[str, Any])


BOARD = Script("app.queue", "board")


async def service_options(session: Session, branch_id: int) -> list[ServiceOption]:
    """What the branch's kiosk offers now, in the manager's order (titles lazy: the reader's language)."""
    return [
        ServiceOption(code=s.code, title=s.title, average_seconds=s.average_seconds)
        for s in await services_of(session, branch_id)
    ]


def ticket_out(ticket: ServiceTicket) -> ServiceTicketOut:
    return ServiceTicketOut(
        id=ticket.id,
        branch_id=ticket.branch_id,
        business_date=ticket.business_date,
        number=ticket.number,
        service=ticket.service,
        state=ticket.state,
        counter=ticket.counter,
        created_at=ticket.created_at,
        called_at=ticket.called_at,
        served_at=ticket.served_at,
        done_at=ticket.done_at,
    )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class QueueService:
    def __init__(self, *, session: Session, redis: Redis, keys: Keys, bus: EventBus, lua: LuaScripts) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.bus = bus
        self.lua = lua

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(session=scope.session, redis=scope.redis, keys=scope.keys, bus=scope.bus, lua=scope.lua)

    # ------------------------------------------------------------------ the TV

    async def board(self, *, branch_id: int, viewer: SessionUser | DevicePrincipal) -> QueueBoardOut:
        ensure_viewer_sees_branch(viewer, branch_id, what="Branch")
        branch = await self.session.get(Branch, branch_id)
        if branch is None:
            raise NotFoundException(detail=_("Branch not found"))
        await self._restore_open_tickets(branch_id)
        reply = await self.lua[BOARD](
            keys=[
                self.keys.events(branch_id),
                self.keys.state_index(branch_id, State.RECEIVED),
                self.keys.state_index(branch_id, State.PREPARING),
                self.keys.state_index(branch_id, State.READY),
                self.keys.service_tickets(branch_id),
            ],
            args=[self.keys.order(branch_id, ""), branch.queue_ready_seconds * 1000],
        )
        stream_id, now_ms, received, preparing, ready, service = reply

        def rows(column: list[list[Any]]) -> list[tuple[str, int, int]]:
            out = []
            for order_id, score, channel, token in column:
                if _text(channel) in TOKEN_CHANNELS:
                    out.append((_text(order_id), int(float(_text(score))), int(_text(token))))
            return out

        waiting = sorted([*rows(received), *rows(preparing)], key=lambda row: row[1])
        numbers = [_hash_value.decode(raw) for raw in service]
        # Numbers at a counter first, the latest call first (the strip's lead); then the queue in order.
        numbers.sort(key=lambda t: (t["state"] == "waiting", -(t.get("called_ms") or 0), t["number"]))
        return QueueBoardOut(
            branch_id=branch_id,
            stream_id=_text(stream_id),
            now_ms=int(now_ms),
            preparing=[PreparingToken(order_id=o, token=t) for o, _state, t in waiting],
            ready=[ReadyToken(order_id=o, token=t, ready_at_ms=ms) for o, ms, t in rows(ready)],
            service=[
                ServiceNumber(number=t["number"], counter=t.get("counter"), state=t["state"]) for t in numbers
            ],
            language=branch.announce_language,
            ready_seconds=branch.queue_ready_seconds,
            # Read after the stream position: a quote made since is also in its `order.created` event.
            quotes={
                k: at(v)
                for k, v in (await KitchenLoad(self.redis, self.keys, self.lua).quotes(branch_id)).items()
            },
        )

    async def _restore_open_tickets(self, branch_id: int) -> None:
        """Put PostgreSQL's open tickets back into a Redis hash that is gone (Redis lost its data), so the
        TV shows them again without waiting for each one to change. HSETNX: a change announced meanwhile
        is newer than what was read here and is kept."""
        key = self.keys.service_tickets(branch_id)
        if await self.redis.exists(key):
            return
        rows = (
            await self.session.scalars(
                select(ServiceTicket).where(
                    ServiceTicket.branch_id == branch_id, ServiceTicket.state.in_(OPEN_STATES)
                )
            )
        ).all()
        if not rows:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            for ticket in rows:
                pipe.hsetnx(key, str(ticket.id), _hash_json(ticket))
            await pipe.execute()
        log.info("walk-in queue restored in Redis", extra={"branch_id": branch_id, "tickets": len(rows)})

    # ------------------------------------------------------------------ the kiosk

    async def services(self, *, branch_id: int) -> list[ServiceOption]:
        branch = await self.session.get(Branch, branch_id)
        if branch is None or not branch.active:
            raise NotFoundException(detail=_("Branch not found"))
        return await service_options(self.session, branch_id)

    async def take_ticket(self, *, branch_id: int, service: str, client_ip: str) -> TicketTaken:
        await ratelimit.enforce(
            self.redis, self.keys, bucket="kiosk-ip", subject=client_ip, limit=TICKETS_PER_MINUTE_PER_IP
        )
        await ratelimit.enforce(
            self.redis,
            self.keys,
            bucket="kiosk-branch",
            subject=str(branch_id),
            limit=TICKETS_PER_MINUTE_PER_BRANCH,
        )
        branch = await self.session.get(Branch, branch_id)
        if branch is None or not branch.active:
            raise NotFoundException(detail=_("Branch not found"))
        offered = {s.code: s for s in await services_of(self.session, branch_id)}
        if service not in offered:
            raise unprocessable(
                "service",
                _(
                    "%(service)s is not offered here; one of %(codes)s",
                    service=repr(service),
                    codes=", ".join(offered),
                ),
            )
        business_date = dt.datetime.now(ZoneInfo(branch.timezone)).date()
        number = await self.session.scalar(
            text(
                "INSERT INTO service_ticket_counters (branch_id, business_date, last_number) "
                "VALUES (:branch_id, :business_date, 1) "
                "ON CONFLICT (branch_id, business_date) "
                "DO UPDATE SET last_number = service_ticket_counters.last_number + 1 "
                "RETURNING last_number"
            ),
            {"branch_id": branch_id, "business_date": business_date},
        )
        ticket = ServiceTicket(
            id=uuid.uuid4(),
            branch_id=branch_id,
            business_date=business_date,
            number=int(number or 0),
            service=service,
            state="waiting",
        )
        self.session.add(ticket)
        audit.record(
            self.session,
            action="service_ticket.created",
            entity_type="service_ticket",
            entity_id=ticket.id,
            branch_id=branch_id,
            data={"number": ticket.number, "service": service, "ip": client_ip},
        )
        await self.session.flush()
        ahead = await self._waiting_ahead(ticket)
        average = await self._average_service_seconds(branch_id, offered[service].average_seconds)
        self._announce(ticket, CREATED)
        await self.session.commit()
        await self.session.refresh(ticket)
        return TicketTaken(
            id=ticket.id,
            branch_id=branch_id,
            number=ticket.number,
            service=service,
            waiting_ahead=ahead,
            estimated_wait_seconds=round(ahead * average),
            created_at=ticket.created_at,
        )

    async def _waiting_ahead(self, ticket: ServiceTicket) -> int:
        ahead = await self.session.scalar(
            select(func.count())
            .select_from(ServiceTicket)
            .where(
                ServiceTicket.branch_id == ticket.branch_id,
                ServiceTicket.state == "waiting",
                ServiceTicket.id != ticket.id,
                or_(
                    ServiceTicket.business_date < ticket.business_date,
                    and_(
                        ServiceTicket.business_date == ticket.business_date,
                        ServiceTicket.number < ticket.number,
                    ),
                ),
            )
        )
        return int(ahead or 0)

    async def _average_service_seconds(self, branch_id: int, expected: int | None = None) -> float:
        """Mean time from call to done of the branch's last RECENT_DONE finished tickets; before there are
        any, the service's expected time as the manager set it (or DEFAULT_SERVICE_SECONDS)."""
        recent = (
            select((func.extract("epoch", ServiceTicket.done_at - ServiceTicket.called_at)).label("seconds"))
            .where(
                ServiceTicket.branch_id == branch_id,
                ServiceTicket.state == "done",
                ServiceTicket.called_at.is_not(None),
                ServiceTicket.done_at.is_not(None),
            )
            .order_by(ServiceTicket.done_at.desc())
            .limit(RECENT_DONE)
            .subquery()
        )
        average = await self.session.scalar(select(func.avg(recent.c.seconds)))
        if average is not None:
            return float(average)
        return float(expected or DEFAULT_SERVICE_SECONDS)

    # ------------------------------------------------------------------ the counters

    async def counter_snapshot(self, *, branch_id: int, actor: SessionUser) -> CounterSnapshot:
        """The counter screen's start: the stream id first, then the open tickets (see CounterSnapshot)."""
        ensure_branch_visible(actor, branch_id, what="Branch")
        branch = await self.session.get(Branch, branch_id)
        if branch is None:
            raise NotFoundException(detail=_("Branch not found"))
        stream_id = await last_id(self.redis, self.keys, branch_id)
        seconds, micros = await self.redis.time()
        today = dt.datetime.now(ZoneInfo(branch.timezone)).date()
        rows = await self.session.scalars(
            select(ServiceTicket)
            .where(
                ServiceTicket.branch_id == branch_id,
                or_(
                    ServiceTicket.state.in_(OPEN_STATES),
                    # Today's no-shows, for the clerk to call again when they come back.
                    and_(ServiceTicket.state == "no_show", ServiceTicket.business_date == today),
                ),
            )
            .order_by(ServiceTicket.business_date, ServiceTicket.number)
        )
        tickets = [ticket_out(t) for t in rows.all()]
        return CounterSnapshot(
            branch_id=branch_id,
            stream_id=stream_id,
            now_ms=int(seconds) * 1000 + int(micros) // 1000,
            tickets=tickets,
            services=await service_options(self.session, branch_id),
            counters=await counters_of(self.session, branch_id),
        )

    async def open_tickets(self, *, branch_id: int, actor: SessionUser) -> list[ServiceTicketOut]:
        ensure_branch_visible(actor, branch_id, what="Branch")
        rows = await self.session.scalars(
            select(ServiceTicket)
            .where(ServiceTicket.branch_id == branch_id, ServiceTicket.state.in_(OPEN_STATES))
            .order_by(ServiceTicket.business_date, ServiceTicket.number)
        )
        return [ticket_out(t) for t in rows.all()]

    async def call_next(
        self,
        *,
        branch_id: int,
        counter: str,
        service: str | None,
        actor: SessionUser,
        services: list[str] | None = None,
    ) -> ServiceTicketOut:
        ensure_branch_visible(actor, branch_id, what="Branch")
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail=_("Branch not found"))
        # Also a service no longer offered: its customers still waiting are called.
        known = {s.code: s.title for s in await services_of(self.session, branch_id, active_only=False)}
        for field, name in [
            ("service", service),
            *((f"service_codes[{i}]", s) for i, s in enumerate(services or ())),
        ]:
            if name is not None and name not in known:
                raise unprocessable(
                    field,
                    _(
                        "unknown service %(service)s; one of %(codes)s",
                        service=repr(name),
                        codes=", ".join(known),
                    ),
                )
        await check_counter(self.session, branch_id, counter)
        stmt = (
            select(ServiceTicket)
            .where(ServiceTicket.branch_id == branch_id, ServiceTicket.state == "waiting")
            .order_by(ServiceTicket.business_date, ServiceTicket.number)
            .limit(1)
            # Two counters pressing "next" together each get a different customer.
            .with_for_update(skip_locked=True)
        )
        if service is not None:
            stmt = stmt.where(ServiceTicket.service == service)
        if services:
            stmt = stmt.where(ServiceTicket.service.in_(services))
        ticket = await self.session.scalar(stmt)
        if ticket is None:
            wanted = [str(known[s]) for s in ([service] if service else services or [])]
            detail = (
                _("Nobody is waiting for %(services)s", services=" or ".join(wanted))
                if wanted
                else _("Nobody is waiting")
            )
            raise conflict(detail, reason="queue_empty")
        ticket.state = "called"
        ticket.counter = counter
        ticket.called_at = dt.datetime.now(dt.UTC)
        ticket.called_by = actor.user_id
        return await self._commit_change(ticket, actor, action="called", event=CALLED)

    async def move(
        self, *, ticket_id: uuid.UUID, action: str, actor: SessionUser, counter: str | None = None
    ) -> ServiceTicketOut:
        origins, target = MOVES[action]
        ticket = await self.session.scalar(
            select(ServiceTicket).where(ServiceTicket.id == ticket_id).with_for_update()
        )
        if ticket is None or not actor.can_see_branch(ticket.branch_id):
            raise NotFoundException(detail=_("Ticket not found"))
        if ticket.state not in origins:
            raise conflict(
                _(
                    "Number %(number)s is %(state)s; it cannot be %(done)s",
                    number=ticket.number,
                    state=_STATE_WORDS.get(ticket.state, ticket.state.replace("_", " ")),
                    done=_DONE_WORDS[action],
                ),
                state=ticket.state,
                reason="illegal",
            )
        if action == "transfer" and counter == ticket.counter:
            raise unprocessable(
                "counter",
                _(
                    "number %(number)s is already at counter %(counter)s",
                    number=ticket.number,
                    counter=counter,
                ),
            )
        if counter is not None:
            await check_counter(self.session, ticket.branch_id, counter)
        now = dt.datetime.now(dt.UTC)
        ticket.state = target
        if action in ("recall", "transfer"):
            ticket.called_at = now
            ticket.called_by = actor.user_id
            ticket.counter = counter or ticket.counter
            ticket.done_at = None
        elif action == "serve":
            ticket.served_at = now
        else:
            ticket.done_at = now
        return await self._commit_change(
            ticket, actor, action=action, event=CALLED if action in ("recall", "transfer") else UPDATED
        )

    async def _commit_change(
        self, ticket: ServiceTicket, actor: SessionUser, *, action: str, event: str
    ) -> ServiceTicketOut:
        audit.record(
            self.session,
            action=f"service_ticket.{action}",
            entity_type="service_ticket",
            entity_id=ticket.id,
            actor_user_id=actor.user_id,
            branch_id=ticket.branch_id,
            data={"number": ticket.number, "state": ticket.state, "counter": ticket.counter},
        )
        self._announce(ticket, event, recall=action in ("recall", "transfer"))
        await self.session.commit()
        await self.session.refresh(ticket)
        return ticket_out(ticket)

    # ------------------------------------------------------------------ announcing (after commit)

    def _announce(self, ticket: ServiceTicket, event: str, *, recall: bool = False) -> None:
        """Once committed: the board's hash of open tickets, then the event."""
        key, ticket_id = self.keys.service_tickets(ticket.branch_id), str(ticket.id)
        open_json = _hash_json(ticket) if ticket.state in OPEN_STATES else None

        async def refresh_board() -> None:
            if open_json is not None:
                await hset(self.redis, key, {ticket_id: open_json})
            else:
                await cast("Awaitable[int]", self.redis.hdel(key, ticket_id))

        self.session.on_commit(refresh_board)
        data = _event_data(ticket)
        if event == CALLED:
            data.recall = recall
        self.bus.on_commit(self.session, ticket.branch_id, EVENTS[event], data)


def _event_data(ticket: ServiceTicket) -> floor.ServiceTicketChanged:
    """The whole ticket, as the staff boards get it (the TV gets number, counter and state: projection)."""
    return floor.ServiceTicketChanged(
        ticket_id=str(ticket.id),
        number=ticket.number,
        service=ticket.service,
        state=ticket.state,
        counter=ticket.counter,
        business_date=ticket.business_date.isoformat(),
    )


def _hash_json(ticket: ServiceTicket) -> str:
    """An open ticket as the board reads it from the Redis hash."""
    called_ms = int(ticket.called_at.timestamp() * 1000) if ticket.called_at else None
    return _json.encode({**msgspec.structs.asdict(_event_data(ticket)), "called_ms": called_ms}).decode()

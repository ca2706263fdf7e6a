"""Starting, bumping and recalling tickets, and the snapshots the kitchen screens render.

A ticket change is decided in Redis (one Lua compare-and-set that also moves the ticket in its station set
and appends its event) while the PostgreSQL row is locked, then mirrored into `kitchen_tickets` and
audited in the same request. The order moves that follow (`preparing`, `ready`, back to `preparing` after
a recall) are the order service's: it is the only emitter of order events.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import msgspec
from litestar.exceptions import NotFoundException, ServiceUnavailableException
from sqlalchemy import Select, select

from app.db.models import KitchenTicket, Order, Station
from app.events import kitchen as ev
from app.kitchen.machine import EVENT_TYPES, KITCHEN_STATES, Candidate, TicketAction
from app.kitchen.schemas import (
    ExpoOrder,
    ExpoSnapshot,
    ExpoTicket,
    KdsItem,
    KdsTicket,
    RecentOut,
    StationSnapshot,
    TicketActionOut,
)
from app.kitchen.services._base import KitchenActor, KitchenServiceBase
from app.lib import audit
from app.lib.errors import conflict
from app.lib.i18n import LazyText, _
from app.orders.states import TERMINAL

log = logging.getLogger(__name__)

RECENT_DEFAULT = 10
RECENT_MAX = 50
# A bumped ticket older than this is not offered for recall: the food has long left the pass.
RECENT_WINDOW = dt.timedelta(hours=12)
# The expo snapshot asks again when orders appear between its PostgreSQL read and its Redis read.
EXPO_TRIES = 3

_ticket_decoder = msgspec.json.Decoder(ev.TicketCreated)
_card_decoder = msgspec.json.Decoder(dict[str, object])
_KITCHEN_STATE_VALUES = frozenset(s.value for s in KITCHEN_STATES)

_CONFLICTS = {
    "bumped": _("The ticket is already bumped; recall it first"),
    "not_bumped": _("Only a bumped ticket can be recalled; this one is %(state)s"),
    "order_closed": _("The order is %(order_state)s; its tickets can no longer be worked on"),
}


def from_ms(value: int | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)


def kds_ticket(
    data: ev.TicketCreated,
    *,
    state: str,
    created_ms: int | None,
    started_ms: int | None,
    rush: bool | None,
    bumped_ms: int | None = None,
) -> KdsTicket:
    return KdsTicket(
        ticket_id=data.ticket_id,
        order_id=data.order_id,
        station_code=data.station_code,
        token=data.token,
        channel=data.channel,
        table_label=data.table_label,
        # The hash's own flag is the live one (rush set after creation); the data's is the one at creation.
        rush=data.rush if rush is None else rush,
        items=[
            KdsItem(
                line_no=i.line_no,
                name=i.name,
                qty=i.qty,
                unit=i.unit,
                note=i.note,
                bundle=i.bundle,
                modifiers=i.modifiers,
                allergy=i.allergy,
                allergens=i.allergens,
            )
            for i in data.items
        ],
        note=data.note,
        state=state,
        created_ms=created_ms,
        started_ms=started_ms,
        bumped_ms=bumped_ms,
    )


def _queue_order(rush: bool, created_ms: int | None) -> tuple[bool, int]:
    """Sort key: rush first, then oldest first."""
    return (not rush, created_ms if created_ms is not None else 0)


class TicketMixin(KitchenServiceBase):
    # ------------------------------------------------------------------ ticket moves

    async def act(
        self, *, ticket_id: uuid.UUID, action: TicketAction, actor: KitchenActor
    ) -> TicketActionOut:
        # The row lock serialises moves of one ticket across web processes, so the Redis decision and the
        # row written after it always agree.
        ticket = await self.session.scalar(
            select(KitchenTicket).where(KitchenTicket.id == ticket_id).with_for_update()
        )
        if ticket is None or not actor.sees(ticket.branch_id, ticket.station_code):
            raise NotFoundException(detail=_("Ticket not found"))
        branch_id, order_id, station = ticket.branch_id, ticket.order_id, ticket.station_code
        reply = await self.machine.ticket(
            branch_id=branch_id,
            ticket_id=str(ticket_id),
            order_id=str(order_id),
            station_code=station,
            action=action,
            actor=actor.user_id,
        )
        if reply.outcome == "notfound":
            await self.session.rollback()
            log.error("ticket missing from the hot state", extra={"ticket_id": str(ticket_id)})
            raise ServiceUnavailableException(
                detail=_("This ticket's live state is missing; run `passline rebuild`")
            )
        if reply.outcome == "conflict":
            await self.session.rollback()
            message = _CONFLICTS.get(reply.reason or "", _("Conflict"))
            raise conflict(
                LazyText(message.msgid, {"state": reply.state, "order_state": reply.order_state}),
                state=reply.state,
                reason=reply.reason,
                order_state=reply.order_state,
            )
        assert reply.state is not None
        changed = reply.outcome == "ok"
        # Mirror Redis into the row, also on a repeat: it repairs a row a crashed request left behind.
        ticket.state = reply.state
        ticket.started_at = from_ms(reply.started_ms)
        ticket.bumped_at = from_ms(reply.bumped_ms)
        if changed:
            audit.record(
                self.session,
                action=EVENT_TYPES[action],
                entity_type="kitchen_ticket",
                entity_id=ticket_id,
                actor_user_id=actor.user_id,
                branch_id=branch_id,
                data={
                    "order_id": str(order_id),
                    "station_code": station,
                    "from": reply.previous,
                    "to": reply.state,
                    **({"device_id": actor.device_id} if actor.device_id else {}),
                },
            )
        siblings = list(
            (
                await self.session.scalars(select(KitchenTicket.id).where(KitchenTicket.order_id == order_id))
            ).all()
        )
        await self.session.commit()

        order_state = await self.flows.progress(
            branch_id=branch_id,
            order_id=order_id,
            ticket_ids=siblings,
            recalled=changed and action == "recall",
            actor=actor.user_id,
        )
        return TicketActionOut(
            ticket_id=ticket_id,
            order_id=order_id,
            station_code=station,
            state=reply.state,
            changed=changed,
            event_id=reply.event.id if reply.event is not None else None,
            started_ms=reply.started_ms,
            bumped_ms=reply.bumped_ms,
            order_state=order_state,
        )

    # ------------------------------------------------------------------ snapshots

    async def _station(self, branch_id: int, code: str, actor: KitchenActor) -> Station:
        if not actor.sees(branch_id, code):
            raise NotFoundException(detail=_("Station not found"))
        station = await self.session.scalar(
            select(Station).where(Station.branch_id == branch_id, Station.code == code)
        )
        if station is None:
            raise NotFoundException(detail=_("Station not found"))
        return station

    async def station(self, *, branch_id: int, code: str, actor: KitchenActor) -> StationSnapshot:
        station = await self._station(branch_id, code, actor)
        stream_id, rows = await self.machine.station(branch_id=branch_id, station_code=code)
        tickets = []
        for row in rows:
            data = self._decode(row.ticket_id, row.data)
            if data is not None:
                tickets.append(
                    kds_ticket(
                        data,
                        state=row.state,
                        created_ms=row.created_ms,
                        started_ms=row.started_ms,
                        rush=row.rush,
                    )
                )
        # The station set's scores already put rush first; sorting again keeps that true for tickets a
        # rebuild restored with plain creation scores.
        tickets.sort(key=lambda t: _queue_order(t.rush, t.created_ms))
        return StationSnapshot(
            branch_id=branch_id,
            stream_id=stream_id,
            station=station.code,
            name=station.name,
            warn_after_seconds=station.warn_after_seconds,
            late_after_seconds=station.late_after_seconds,
            tickets=tickets,
        )

    async def recent(self, *, branch_id: int, code: str, limit: int, actor: KitchenActor) -> RecentOut:
        """Bumped tickets of the station whose order the kitchen still works on, newest bump first."""
        await self._station(branch_id, code, actor)
        since = dt.datetime.now(dt.UTC) - RECENT_WINDOW
        # PostgreSQL's order state trails Redis by the persister's lag: it narrows the candidates, Redis has
        # the last word. Twice the limit leaves room for orders that finished a moment ago.
        ids = list(
            (
                await self.session.scalars(
                    select(KitchenTicket.id)
                    .join(Order, Order.id == KitchenTicket.order_id)
                    .where(
                        KitchenTicket.branch_id == branch_id,
                        KitchenTicket.station_code == code,
                        KitchenTicket.state == "bumped",
                        KitchenTicket.bumped_at >= since,
                        Order.state.not_in([s.value for s in TERMINAL]),
                    )
                    .order_by(KitchenTicket.bumped_at.desc())
                    .limit(limit * 2)
                )
            ).all()
        )
        await self.session.rollback()
        async with self.redis.pipeline(transaction=True) as pipe:
            for ticket_id in ids:
                pipe.hmget(
                    self.keys.ticket(branch_id, str(ticket_id)),
                    ["state", "order_id", "created_ms", "started_ms", "bumped_ms", "rush", "data"],
                )
            ticket_rows = await pipe.execute()
        async with self.redis.pipeline(transaction=True) as pipe:
            for row in ticket_rows:
                pipe.hget(self.keys.order(branch_id, (row[1] or b"").decode()), "state")
            order_states = await pipe.execute()
        tickets: list[KdsTicket] = []
        for ticket_id, row, order_state in zip(ids, ticket_rows, order_states, strict=True):
            state, _unused, created, started, bumped, rush, raw = row
            if state != b"bumped" or order_state is None or order_state.decode() not in _KITCHEN_STATE_VALUES:
                continue
            data = self._decode(str(ticket_id), raw or b"")
            if data is None:
                continue
            tickets.append(
                kds_ticket(
                    data,
                    state="bumped",
                    created_ms=_int(created),
                    started_ms=_int(started),
                    bumped_ms=_int(bumped),
                    rush=None if rush is None else rush == b"1",
                )
            )
        tickets.sort(key=lambda t: t.bumped_ms or 0, reverse=True)
        return RecentOut(branch_id=branch_id, station=code, tickets=tickets[:limit])

    async def expo(self, *, branch_id: int, actor: KitchenActor) -> ExpoSnapshot:
        if not actor.sees(branch_id):
            raise NotFoundException(detail=_("Branch not found"))
        # Tickets are committed to PostgreSQL before Redis hears of their order, so every order in the
        # kitchen's indexes has its tickets here, unless it was created after this read: the script names
        # those, and they are looked up and the snapshot taken again.
        candidates = await self._candidates(
            select(KitchenTicket.order_id, KitchenTicket.id, KitchenTicket.station_code)
            .join(Order, Order.id == KitchenTicket.order_id)
            .where(KitchenTicket.branch_id == branch_id, Order.state.not_in([s.value for s in TERMINAL]))
        )
        for _unused in range(EXPO_TRIES):
            stream_id, rows, missing = await self.machine.expo(branch_id=branch_id, candidates=candidates)
            if not missing:
                break
            candidates += await self._candidates(
                select(KitchenTicket.order_id, KitchenTicket.id, KitchenTicket.station_code).where(
                    KitchenTicket.order_id.in_([uuid.UUID(m) for m in missing])
                )
            )
        await self.session.rollback()
        orders = [
            ExpoOrder(
                order_id=row.order_id,
                state=row.state,
                version=row.version,
                channel=row.channel,
                token=row.token,
                table_label=_table_label(row.card),
                rush=row.rush,
                created_ms=row.created_ms,
                entered_ms=row.entered_ms,
                tickets=sorted(
                    (
                        ExpoTicket(ticket_id=t.ticket_id, station_code=t.station_code, state=t.state)
                        for t in row.tickets
                    ),
                    key=lambda t: t.station_code,
                ),
            )
            for row in rows
        ]
        orders.sort(key=lambda o: _queue_order(o.rush, o.created_ms))
        return ExpoSnapshot(branch_id=branch_id, stream_id=stream_id, orders=orders)

    async def _candidates(self, stmt: Select[uuid.UUID, uuid.UUID, str]) -> list[Candidate]:
        result = await self.session.execute(stmt)
        return [Candidate(str(order_id), str(ticket_id), station) for order_id, ticket_id, station in result]

    @staticmethod
    def _decode(ticket_id: str, raw: str | bytes) -> ev.TicketCreated | None:
        try:
            return _ticket_decoder.decode(raw)
        except msgspec.DecodeError:
            log.error("ticket data in Redis does not decode; not shown", extra={"ticket_id": ticket_id})
            return None


def _int(value: bytes | None) -> int | None:
    return int(value) if value else None


def _table_label(card: str) -> str | None:
    try:
        label = _card_decoder.decode(card).get("table_label")
    except msgspec.DecodeError:
        return None
    return label if isinstance(label, str) else None

"""`passline rebuild`: restore the hot state of every open order from PostgreSQL into Redis (DESIGN §4).

For when Redis lost its data (or part of it). PostgreSQL is the system of record: each open order's hash
(the fields `init_order` and `transition` keep), its kanban index entry scored by when it entered its state,
and its kitchen tickets with their station sets are written back; every branch is listed in
`event_branches` again and its stream gets the persister group. Nothing is appended to the streams — no
event happened — but a new stream epoch starts (app/events/stream.py), so clients holding an older stream
id get `resync` and reload their snapshot, even when Redis came back from an older copy that still has it.

First the rows catch up with the event store: a move the journal stored in `order_events` whose `orders`
row it skipped (someone held the row) and the persister never got to (Redis lost the stream) is applied
to the row, so an acknowledged move is what the hot state is rebuilt from.

Idempotent and safe beside live traffic: an order whose Redis hash carries a NEWER version than PostgreSQL
(the persister has not caught up yet) is left alone, and a ticket hash that exists is live kitchen state and
is kept. Needs only PostgreSQL and Redis, not the web process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from app.db.models import Branch, Customer, KitchenTicket, Order, OrderLine
from app.events.stream import start_epoch
from app.orders import hot
from app.orders.machine import RESTORE_ORDER
from app.orders.persister import ensure_branch_streams
from app.orders.states import OPEN_STATES, TERMINAL, State

if TYPE_CHECKING:
    from app.lib.runtime import Runtime

log = logging.getLogger(__name__)

# Orders per PostgreSQL page and per Redis pipeline: bounded memory whatever the number of open orders.
PAGE_SIZE = 200
# Fields of the order hash PostgreSQL may have no value for; cleared when it has none.
_OPTIONAL_FIELDS = ("courier_id",)

_encoder = msgspec.json.Encoder()


@dataclass(slots=True)
class RebuildReport:
    branches: int = 0
    orders_restored: int = 0  # missing from Redis, written
    orders_refreshed: int = 0  # present at the same or an older version, overwritten with PostgreSQL's
    orders_kept: int = 0  # Redis holds a newer version: left alone
    tickets_restored: int = 0
    tickets_kept: int = 0
    orders_caught_up: int = 0  # rows behind the event store, moved forward first
    epoch: str = ""  # the stream epoch this rebuild started

    def count(self, reply: Any) -> None:
        """Tally one reply of restore_order.lua."""
        outcome = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
        if outcome == "kept":
            self.orders_kept += 1
        elif outcome == "restored":
            self.orders_restored += 1
        else:
            self.orders_refreshed += 1
        self.tickets_restored += int(reply[2])
        self.tickets_kept += int(reply[3])

    def lines(self) -> list[str]:
        return [
            f"branches:          {self.branches}",
            f"orders restored:   {self.orders_restored}",
            f"orders refreshed:  {self.orders_refreshed}",
            f"orders kept (Redis newer): {self.orders_kept}",
            f"tickets restored:  {self.tickets_restored}",
            f"tickets kept:      {self.tickets_kept}",
            f"orders caught up with stored events: {self.orders_caught_up}",
            f"stream epoch:      {self.epoch} (clients resuming from before it reload)",
        ]


# ---------------------------------------------------------------- what the hot state holds


def _ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


def order_fields(order: Order, *, customer_name: str | None, currency_exponent: int) -> dict[str, str]:
    """The order hash as `init_order` + `transition` leave it, from the PostgreSQL row."""
    return {
        "order_id": str(order.id),
        "state": order.state,
        "version": str(order.version),
        "created_ms": str(_ms(order.created_at)),
        # The service stamps created_at in Python, PostgreSQL stamps updated_at at transaction start, so a
        # new order's updated_at can precede its created_at by milliseconds.
        "updated_ms": str(max(_ms(order.created_at), _ms(order.updated_at))),
        **hot.hash_fields(order, customer_name=customer_name, exponent=currency_exponent, lines=order.lines),
    }


def ticket_fields(order: Order, lines: Sequence[OrderLine], ticket: KitchenTicket) -> dict[str, str]:
    fields = {
        "ticket_id": str(ticket.id),
        "order_id": str(order.id),
        "state": ticket.state,
        "created_ms": str(_ms(ticket.created_at)),
        "data": _encoder.encode(hot.ticket_created(order, lines, ticket)).decode(),
    }
    # The station timers and the recall drawer read these; without them a rebuilt started ticket would
    # look as if nobody had touched it.
    if ticket.rush:
        fields["rush"] = "1"
    if ticket.started_at is not None:
        fields["started_ms"] = str(_ms(ticket.started_at))
    if ticket.bumped_at is not None:
        fields["bumped_ms"] = str(_ms(ticket.bumped_at))
    return fields


# ---------------------------------------------------------------- the rebuild


# Each open order's newest stored state change, where it is newer than the row (the journal's rows are
# the acknowledged moves). Monotonic like every other write of `orders.state/version`.
_CATCH_UP = text(
    """
    UPDATE orders AS o
    SET state = e.data ->> 'to', version = e.version, updated_at = e.ts,
        courier_id = COALESCE(CAST(e.data ->> 'courier_id' AS bigint), o.courier_id)
    FROM (
        SELECT DISTINCT ON (ev.order_id) ev.order_id, ev.data, ev.version, ev.ts
        FROM order_events AS ev JOIN orders AS open ON open.id = ev.order_id
        WHERE ev.type = 'order.state_changed' AND ev.version > open.version
        ORDER BY ev.order_id, ev.version DESC
    ) AS e
    WHERE o.id = e.order_id AND o.version < e.version
    """
)


async def rebuild(runtime: Runtime, *, page_size: int = PAGE_SIZE) -> RebuildReport:
    restore = runtime.lua[RESTORE_ORDER]
    report = RebuildReport()
    async with runtime.sessionmaker() as session:
        caught_up = await session.execute(_CATCH_UP)
        report.orders_caught_up = int(getattr(caught_up, "rowcount", 0) or 0)
        await session.commit()
        branches = {b.id: b for b in (await session.scalars(select(Branch))).all()}
        await ensure_branch_streams(runtime, branches)
        report.branches = len(branches)
        after: uuid.UUID | None = None
        while True:
            query = (
                select(Order)
                .where(Order.state.not_in([s.value for s in TERMINAL]))
                .order_by(Order.id)
                .limit(page_size)
                .options(selectinload(Order.lines))
            )
            if after is not None:
                query = query.where(Order.id > after)
            orders = (await session.scalars(query)).all()
            if not orders:
                break
            names = await _customer_names(session, orders)
            tickets = await _tickets(session, orders)
            async with runtime.redis.pipeline(transaction=False) as pipe:
                for order in orders:
                    keys, args = _restore_call(
                        runtime,
                        order,
                        tickets.get(order.id, []),
                        customer_name=names.get(order.customer_id),
                        currency_exponent=branches[order.branch_id].currency_exponent,
                    )
                    await restore(keys=keys, args=args, client=pipe)
                replies = await pipe.execute()
            for reply in replies:
                report.count(reply)
            after = orders[-1].id
            # This page is done with: keep the identity map (and memory) flat.
            session.expunge_all()
    # Last, so a snapshot taken while the rebuild ran is stale too: every client resuming from an id of
    # before now reloads its snapshot (realtime/replay.py).
    report.epoch = await start_epoch(runtime.redis, runtime.keys)
    log.info("rebuild finished", extra={"report": dataclasses.asdict(report)})
    return report


def _restore_call(
    runtime: Runtime,
    order: Order,
    tickets: list[KitchenTicket],
    *,
    customer_name: str | None,
    currency_exponent: int,
) -> tuple[list[str], list[str]]:
    """KEYS and ARGV of restore_order.lua for one order."""
    keys = runtime.keys
    open_states = [s.value for s in OPEN_STATES]
    fields = order_fields(order, customer_name=customer_name, currency_exponent=currency_exponent)
    # A scheduled order's tickets reach the kitchen when it is released (and announced then), not before.
    own = [] if order.state == State.SCHEDULED else tickets
    ticket_keys: list[str] = []
    ticket_args: list[str] = []
    for ticket in own:
        ticket_keys += [
            keys.ticket(order.branch_id, str(ticket.id)),
            keys.station_tickets(order.branch_id, ticket.station_code),
        ]
        ticket_args += [
            str(ticket.id),
            str(_ms(ticket.created_at)),
            "0" if ticket.state == "bumped" else "1",
            _encoder.encode(ticket_fields(order, order.lines, ticket)).decode(),
        ]
    return (
        [
            keys.order(order.branch_id, str(order.id)),
            *(keys.state_index(order.branch_id, s) for s in open_states),
            *ticket_keys,
        ],
        [
            str(order.id),
            str(order.version),
            str(open_states.index(order.state) + 1),
            str(len(open_states)),
            fields["updated_ms"],
            _encoder.encode(fields).decode(),
            _encoder.encode([f for f in _OPTIONAL_FIELDS if f not in fields]).decode(),
            *ticket_args,
        ],
    )


async def _customer_names(session: Any, orders: Sequence[Order]) -> dict[int | None, str]:
    ids = {o.customer_id for o in orders if o.customer_id is not None}
    if not ids:
        return {}
    rows = await session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids)))
    return {row.id: row.name for row in rows}


async def _tickets(session: Any, orders: Sequence[Order]) -> dict[uuid.UUID, list[KitchenTicket]]:
    rows = await session.scalars(
        select(KitchenTicket)
        .where(KitchenTicket.order_id.in_([o.id for o in orders]))
        .order_by(KitchenTicket.order_id, KitchenTicket.station_code)
    )
    out: dict[uuid.UUID, list[KitchenTicket]] = {}
    for ticket in rows:
        out.setdefault(ticket.order_id, []).append(ticket)
    return out

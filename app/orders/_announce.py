"""Putting a committed order into the hot state: its hash, kanban index, tickets and their events.

One MULTI (init_order.lua + add_tickets.lua) appends `order.created` and a `ticket.created` per station in
the same atomic step as the hot state; safe to repeat (a replayed create announces nothing twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.events import kitchen as kitchen_events
from app.events import orders as order_events
from app.orders import hot
from app.orders.machine import TicketSpec
from app.orders.states import State

if TYPE_CHECKING:
    import uuid

    from app.db.models import Customer, KitchenTicket, Order, OrderLine
    from app.events import EventBus
    from app.orders.machine import OrderMachine


def ticket_specs(
    bus: EventBus, order: Order, lines: Sequence[OrderLine], tickets: Sequence[KitchenTicket]
) -> list[TicketSpec]:
    return [
        TicketSpec(
            str(ticket.id),
            ticket.station_code,
            bus.encode(kitchen_events.TICKET_CREATED, hot.ticket_created(order, lines, ticket)).decode(),
        )
        for ticket in tickets
    ]


async def announce_new(
    machine: OrderMachine,
    bus: EventBus,
    order: Order,
    lines: Sequence[OrderLine],
    tickets: Sequence[KitchenTicket],
    *,
    customer: tuple[Customer, str | None] | None,
    exponent: int,
    transferred_from: tuple[uuid.UUID, int] | None = None,
) -> None:
    who, phone = customer if customer is not None else (None, None)
    created = hot.order_created(
        order,
        lines,
        customer=order_events.CustomerRef(id=who.id, name=who.name, phone=phone) if who else None,
        exponent=exponent,
    )
    if transferred_from is not None:
        created.transferred_from = str(transferred_from[0])
        created.transferred_from_branch = transferred_from[1]
    created_data = bus.encode(order_events.ORDER_CREATED, created)
    specs = ticket_specs(bus, order, lines, tickets)
    await machine.init_order(
        branch_id=order.branch_id,
        order_id=str(order.id),
        state=State(order.state),
        fields=hot.hash_fields(
            order, customer_name=who.name if who else None, exponent=exponent, lines=lines
        ),
        created=created_data.decode(),
        tickets=specs,
    )


async def announce_tickets(
    machine: OrderMachine,
    bus: EventBus,
    order: Order,
    lines: Sequence[OrderLine],
    tickets: Sequence[KitchenTicket],
) -> None:
    """Tickets for an order already in the hot state (a released scheduled order); idempotent."""
    specs = ticket_specs(bus, order, lines, tickets)
    await machine.add_tickets(branch_id=order.branch_id, order_id=str(order.id), tickets=specs)

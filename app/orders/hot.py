"""What the hot state and the events say about an order, built from its rows.

The order service uses these when it announces an order; `passline rebuild` uses them when it restores
one from PostgreSQL. One definition, so a rebuilt hash or ticket is exactly what the service wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import msgspec

from app.db.models import KitchenTicket, Order, OrderLine
from app.events import kitchen as kitchen_events
from app.events import orders as order_events
from app.lib.money import money


class CardItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One thing ordered, as the board's card lists it (folded until opened)."""

    qty: str
    name: str
    unit: str = "piece"
    note: str = ""
    # A bundle's component (a combo's drink): listed under the bundle's line.
    part: bool = False


class Card(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What the kanban card shows besides state and version; kept in the order's hot hash."""

    token: int | None
    channel: str
    total: str
    payment_status: str
    created_at: str
    customer_name: str | None = None
    table_label: str | None = None
    slot_start: str | None = None
    slot_end: str | None = None
    territory_id: int | None = None
    courier_id: int | None = None
    # What was ordered, in line order (the transition and payment scripts edit other fields of this JSON
    # and leave these alone).
    items: list[CardItem] = msgspec.field(default_factory=list)


_encoder = msgspec.json.Encoder()
# An en dash, not a hyphen: a removal reads as taking away, at a glance from across the kitchen.
REMOVE_MARK = "\u2013"


def qty_text(value: Decimal) -> str:
    # PostgreSQL pads to the column's scale (2.000); "2" and "0.25" are what a cook reads.
    return f"{value.normalize():f}"


def money_text(value: Decimal, exponent: int) -> str:
    return str(money(value, exponent))


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def kitchen_lines(lines: Sequence[OrderLine]) -> list[OrderLine]:
    """The lines the kitchen makes, by line number: a bundle's own line is not made, its components are."""
    bundles = {line.parent_line_no for line in lines if line.parent_line_no is not None}
    return sorted((line for line in lines if line.line_no not in bundles), key=lambda item: item.line_no)


def modifier_text(modifiers: Sequence[dict[str, object]] | None, *, station: str | None = None) -> str:
    """A line's modifiers as a cook reads them, one per line: "+ extra cheese", "\u2013 no onion". With a
    station, only those made there (an option without a station of its own is made with its item)."""
    return "\n".join(
        f"{REMOVE_MARK if m.get('kind') == 'remove' else '+'} {m.get('name')}"
        for m in modifiers or ()
        if station is None or m.get("station_code") in (None, station)
    )


def modifier_stations(line: OrderLine) -> list[str]:
    """Stations other than the line's own that make one of its modifiers (a side of fries)."""
    out: list[str] = []
    for m in line.modifiers or ():
        code = m.get("station_code")
        if isinstance(code, str) and code != line.station_code and code not in out:
            out.append(code)
    return out


def _station_items(line: OrderLine, station: str, bundle: str | None) -> list[kitchen_events.TicketItem]:
    """What `station` makes of a line: the line itself (with the modifiers made there), or the modifiers
    another station's item sends it, each shown under that item's name."""
    if line.station_code == station:
        return [
            kitchen_events.TicketItem(
                line_no=line.line_no,
                name=line.name,
                qty=qty_text(line.qty),
                unit=line.unit,
                note=line.note,
                bundle=bundle,
                modifiers=modifier_text(line.modifiers, station=station),
                allergy=line.allergy or "",
                allergens=",".join(line.allergens or ()),
            )
        ]
    return [
        kitchen_events.TicketItem(
            line_no=line.line_no,
            name=str(m.get("name")),
            qty=qty_text(line.qty),
            unit=line.unit,
            note="",
            bundle=line.name,
            allergy=line.allergy or "",
            allergens=",".join(line.allergens or ()),
        )
        for m in line.modifiers or ()
        if m.get("station_code") == station
    ]


def card_items(lines: Sequence[OrderLine]) -> list[CardItem]:
    return [
        CardItem(
            qty=qty_text(line.qty),
            name=line.name,
            unit=line.unit,
            note=line.note,
            part=line.parent_line_no is not None,
        )
        for line in sorted(lines, key=lambda item: item.line_no)
    ]


def card(order: Order, *, customer_name: str | None, exponent: int, lines: Sequence[OrderLine] = ()) -> Card:
    return Card(
        token=order.token,
        channel=order.channel,
        total=money_text(order.total, exponent),
        payment_status=order.payment_status,
        created_at=iso(order.created_at) or "",
        customer_name=customer_name,
        table_label=order.table_label,
        slot_start=iso(order.slot_start),
        slot_end=iso(order.slot_end),
        territory_id=order.territory_id,
        courier_id=order.courier_id,
        items=card_items(lines),
    )


def hash_fields(
    order: Order, *, customer_name: str | None, exponent: int, lines: Sequence[OrderLine] = ()
) -> dict[str, str]:
    """The order hash fields besides those the Lua scripts own (state, version, timestamps)."""
    fields = {
        "branch_id": str(order.branch_id),
        "channel": order.channel,
        "token": "" if order.token is None else str(order.token),
        "payment_status": order.payment_status,
        # The payments service's Lua copy of the status only moves forward from this sequence; unset on a
        # just-created order (the column's default, 0).
        "payment_seq": str(order.payment_seq or 0),
        "card": _encoder.encode(
            card(order, customer_name=customer_name, exponent=exponent, lines=lines)
        ).decode(),
    }
    if order.courier_id is not None:
        fields["courier_id"] = str(order.courier_id)
    return fields


def order_created(
    order: Order, lines: Sequence[OrderLine], *, customer: order_events.CustomerRef | None, exponent: int
) -> order_events.OrderCreated:
    return order_events.OrderCreated(
        order_id=str(order.id),
        branch_id=order.branch_id,
        channel=order.channel,
        state=order.state,
        version=1,
        token=order.token,
        table_label=order.table_label,
        note=order.note,
        payment_status=order.payment_status,
        totals=order_events.Totals(
            subtotal=money_text(order.subtotal, exponent),
            tax=money_text(order.tax_total, exponent),
            delivery_charge=money_text(order.delivery_charge, exponent),
            total=money_text(order.total, exponent),
        ),
        customer=customer,
        delivery=(
            order_events.Delivery(
                address=order.delivery_address,
                territory_id=order.territory_id or 0,
                slot_start=iso(order.slot_start),
                slot_end=iso(order.slot_end),
            )
            if order.delivery_address is not None
            else None
        ),
        lines=[
            order_events.Line(
                line_no=line.line_no,
                product_id=line.product_id,
                name=line.name,
                qty=qty_text(line.qty),
                unit=line.unit,
                station_code=line.station_code,
                note=line.note,
                line_total=money_text(line.line_total, exponent),
                parent_line_no=line.parent_line_no,
                modifiers=modifier_text(line.modifiers),
                allergy=line.allergy or "",
                allergens=",".join(line.allergens or ()),
            )
            for line in sorted(lines, key=lambda item: item.line_no)
        ],
        created_at=iso(order.created_at) or "",
        quoted_ready_at=iso(order.quoted_ready_at),
    )


def ticket_created(
    order: Order, lines: Sequence[OrderLine], ticket: KitchenTicket
) -> kitchen_events.TicketCreated:
    names = {line.line_no: line.name for line in lines}
    station = ticket.station_code
    return kitchen_events.TicketCreated(
        ticket_id=str(ticket.id),
        order_id=str(order.id),
        station_code=ticket.station_code,
        token=order.token,
        channel=order.channel,
        table_label=order.table_label,
        rush=ticket.rush,
        items=[
            item
            for line in kitchen_lines(lines)
            for item in _station_items(line, station, names.get(line.parent_line_no or 0))
        ],
        note=order.note,
    )

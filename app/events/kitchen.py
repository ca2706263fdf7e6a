"""Kitchen events: tickets created and worked, rush toggles, and tokens called at the pass.

`ticket.created` is written by app/orders/lua/init_order.lua and add_tickets.lua from a payload encoded
here; `ticket.started|bumped|recalled` by app/kitchen/lua/ticket.lua and the rush toggle by rush.lua, in
the same atomic step as the change (held to these structs by the contract test).
"""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType, View, Visibility


class TicketItem(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    line_no: int
    name: str
    qty: str
    unit: str
    note: str
    # The bundle (combo meal) this item is part of, so the KDS shows it under the bundle's name; left out
    # for items sold on their own.
    bundle: str | None = None
    # Menu depth, as text a cook reads (scalars, so the kitchen's view can pass them): the modifiers one
    # per line ("+ extra cheese", then "- no onion" with an en dash), the cashier's allergy flag, the product's allergen codes
    # comma-separated.
    modifiers: str = ""
    allergy: str = ""
    allergens: str = ""


class TicketCreated(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ticket_id: str
    order_id: str
    station_code: str
    token: int | None
    channel: str
    table_label: str | None
    rush: bool
    items: list[TicketItem]
    note: str


class TicketChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`ticket.started`, `ticket.bumped`, `ticket.recalled`: the whole ticket as the station snapshot shows
    it after the change, so a screen can upsert it from the event alone (a recalled ticket reappears with
    its items). Times are Redis server milliseconds, the same clock as the snapshot's."""

    ticket_id: str
    order_id: str
    station_code: str
    token: int | None
    channel: str
    table_label: str | None
    rush: bool
    items: list[TicketItem]
    note: str
    state: str  # after the change: started / bumped
    created_ms: int
    started_ms: int | None
    bumped_ms: int | None
    at: int  # when the change happened
    actor: int | None = None


class RushChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`order.updated` for a rush toggle. Carries no version: rush is not a state change, so it never
    makes a client's `expected_version` stale."""

    order_id: str
    rush: bool
    token: int | None
    channel: str
    ticket_ids: list[str]
    actor: int | None = None


class TokenCalled(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`token.called`: the pass calls a ready order's token (again) on the queue TV."""

    order_id: str
    token: int
    channel: str
    actor: int | None = None


# What a cook needs on a ticket: items, notes, timers, where it goes — never money, payment or customer.
KDS_TICKET = View(
    (
        "ticket_id",
        "order_id",
        "station_code",
        "token",
        "channel",
        "table_label",
        "rush",
        "note",
        "state",
        # Ticket timers (ms, Redis clock) as the station snapshot carries them, and when a change happened.
        "created_ms",
        "started_ms",
        "bumped_ms",
        "at",
    ),
    object_lists={
        "items": ("line_no", "name", "qty", "unit", "note", "bundle", "modifiers", "allergy", "allergens")
    },
)
_TICKET_VIEWS: dict[Audience, Visibility] = {
    Audience.BOARD: FULL,
    Audience.TILL: FULL,
    Audience.KITCHEN: KDS_TICKET,
}

TICKET_CREATED = EventType("ticket.created", TicketCreated, views=_TICKET_VIEWS)
TICKET_STARTED = EventType("ticket.started", TicketChanged, views=_TICKET_VIEWS)
TICKET_BUMPED = EventType("ticket.bumped", TicketChanged, views=_TICKET_VIEWS)
TICKET_RECALLED = EventType("ticket.recalled", TicketChanged, views=_TICKET_VIEWS)
RUSH_CHANGED = EventType(
    "order.updated",
    RushChanged,
    views={
        Audience.BOARD: FULL,
        Audience.TILL: FULL,
        Audience.KITCHEN: View(("order_id", "token", "rush"), text_lists=("ticket_ids",)),
        # Token-level news: the board may flag the number.
        Audience.TV: View(("order_id", "token", "channel", "rush")),
    },
)
TOKEN_CALLED = EventType(
    "token.called",
    TokenCalled,
    views={Audience.BOARD: FULL, Audience.TILL: FULL, Audience.TV: View(("order_id", "token", "channel"))},
)

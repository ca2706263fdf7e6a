"""Order events: created, state changed, and the decisions a cancel carries (DESIGN §5).

`order.state_changed` is written by the transition script (app/orders/lua/transition.lua) in the same
atomic step as the move; `StateChanged` is its shape, held to it by the contract test.
"""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType, View


class CustomerRef(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: int
    name: str
    phone: str | None


class Totals(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    subtotal: str
    tax: str
    delivery_charge: str
    total: str


class Delivery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    address: str
    territory_id: int
    slot_start: str | None
    slot_end: str | None


class Line(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    line_no: int
    product_id: int
    name: str
    qty: str
    unit: str
    station_code: str
    note: str
    line_total: str
    # A bundle's component names the bundle's line (left out for every other line).
    parent_line_no: int | None = None
    # Menu depth: modifiers one per line ("+ extra cheese"), the allergy flag, allergen codes.
    modifiers: str = ""
    allergy: str = ""
    allergens: str = ""


class OrderCreated(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    # omit_defaults drops only the transfer link below when it is unset; every other field has no default,
    # so an ordinary order.created keeps exactly its shape.
    order_id: str
    branch_id: int
    channel: str
    state: str
    version: int
    token: int | None
    table_label: str | None
    note: str
    payment_status: str
    totals: Totals
    customer: CustomerRef | None
    delivery: Delivery | None
    lines: list[Line]
    created_at: str
    # A copy made by a transfer between branches names the order it replaces (cancelled in its branch).
    transferred_from: str | None = None
    transferred_from_branch: int | None = None
    # Menu depth: the ready time quoted from the kitchen's live load (ISO), shown on the till and the TV.
    quoted_ready_at: str | None = None


class StateChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, rename={"from_state": "from"}):
    order_id: str
    from_state: str
    to: str
    version: int
    channel: str
    token: int | None
    actor: int | None = None
    reason: str | None = None
    courier_id: int | None = None
    settle_mode: str | None = None
    correction: bool = False


class CancelDecided(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """`order.updated` right after a cancel made through the card action, when there is more to say than the
    `order.state_changed` the state machine wrote: what happens to money already taken, and where a
    transferred order went. Carries no version (like a rush toggle) so no client's expected_version goes
    stale."""

    order_id: str
    state: str  # always "cancelled"
    reason: str
    payment_status: str
    # None: nothing was paid, so there was nothing to decide.
    refund: bool | None = None
    transferred_to: str | None = None
    transferred_to_branch: int | None = None
    actor: int | None = None


ORDER_CREATED = EventType(
    "order.created",
    OrderCreated,
    views={
        Audience.BOARD: FULL,
        Audience.TILL: FULL,
        Audience.TV: View(("order_id", "token", "state", "channel", "quoted_ready_at")),
    },
)
STATE_CHANGED = EventType(
    "order.state_changed",
    StateChanged,
    views={
        Audience.BOARD: FULL,
        Audience.TILL: FULL,
        # Order-level changes the kitchen reacts to (a cancelled or recalled order); no actor or courier.
        Audience.KITCHEN: View(("order_id", "from", "to", "version", "channel", "token", "correction")),
        Audience.TV: View(("order_id", "token", "from", "to", "channel")),
        # Only an event naming the courier reaches them (the projection routes by `courier_id`).
        Audience.COURIER: View(
            ("order_id", "from", "to", "version", "channel", "token", "courier_id", "settle_mode", "reason")
        ),
    },
)
CANCEL_DECIDED = EventType("order.updated", CancelDecided, views={Audience.BOARD: FULL, Audience.TILL: FULL})

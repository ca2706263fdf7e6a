"""What each audience may READ of an order over HTTP: the same audiences and allow-lists as the sockets.

A person reads as one audience, the widest their roles give (`audience_of`): the managers' board, the
tills, the kitchen or a courier; hr and any role without an order screen read no orders at all. The views
below are `View`s, exactly like the events' (app/events/registry.py): an audience sees a field only when
its view names it, so a field added to an order's answer stays with the staff boards until someone decides
the kitchen or a courier may see it. The kitchen gets what a cook needs (items, notes, tickets) and never
money, payment or customer; a courier gets where to go and what to collect, and only for their own
deliveries (the order services filter by courier; the views say which fields).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.events.registry import FULL, Audience, View, Visibility

# Widest first: a manager who also cooks reads as a manager.
_AUDIENCE_OF_ROLE = (
    ("admin", Audience.BOARD),
    ("manager", Audience.BOARD),
    ("cashier", Audience.TILL),
    ("kitchen", Audience.KITCHEN),
    ("courier", Audience.COURIER),
)


def audience_of(roles: Iterable[str]) -> Audience | None:
    """The audience a person with these roles reads orders as; None: no orders at all (hr)."""
    held = set(roles)
    return next((audience for role, audience in _AUDIENCE_OF_ROLE if role in held), None)


# What a cook reads of a line: what to make, never its price.
_KITCHEN_LINE = ("line_no", "product_id", "name", "qty", "unit", "station_code", "note", "parent_line_no")
_KITCHEN_ORDER = ("id", "branch_id", "channel", "state", "version", "token", "business_date", "created_at")

# GET /orders/{id}: one order.
ORDER: dict[Audience, Visibility] = {
    Audience.BOARD: FULL,
    Audience.TILL: FULL,
    Audience.KITCHEN: View(
        (*_KITCHEN_ORDER, "table_label", "note"),
        object_lists={"lines": _KITCHEN_LINE, "tickets": ("id", "station_code", "state")},
    ),
    # Where to go and what to collect, for their own delivery.
    Audience.COURIER: View(
        (*_KITCHEN_ORDER, "note", "payment_status", "balance"),
        object_lists={"lines": ("line_no", "name", "qty", "unit", "note", "parent_line_no")},
        objects={"delivery": View(("address", "territory_id", "slot_start", "slot_end", "courier_id"))},
    ),
}

# GET /orders: one row per order.
ORDER_SUMMARY: dict[Audience, Visibility] = {
    Audience.BOARD: FULL,
    Audience.TILL: FULL,
    Audience.KITCHEN: View(("id", "branch_id", "channel", "state", "version", "token", "created_at")),
    Audience.COURIER: View(
        ("id", "branch_id", "channel", "state", "version", "token", "created_at", "payment_status", "total")
    ),
}

_CARD = ("order_id", "state", "version", "channel", "token", "entered_ms")
_CARD_ITEMS = ("qty", "name", "unit", "note", "part")

# GET /branches/{id}/board: one card per open order.
BOARD_CARD: dict[Audience, Visibility] = {
    Audience.BOARD: FULL,
    Audience.TILL: FULL,
    Audience.KITCHEN: View(
        _CARD,
        objects={
            "card": View(
                ("token", "channel", "table_label", "created_at"), object_lists={"items": _CARD_ITEMS}
            )
        },
    ),
    Audience.COURIER: View(
        (*_CARD, "payment_status"),
        objects={
            "card": View(
                (
                    "token",
                    "channel",
                    "created_at",
                    "total",
                    "payment_status",
                    "customer_name",
                    "slot_start",
                    "slot_end",
                    "territory_id",
                    "courier_id",
                ),
                object_lists={"items": _CARD_ITEMS},
            )
        },
    ),
}

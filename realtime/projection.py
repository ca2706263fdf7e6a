"""What each audience may see of a stream event (DESIGN §5): pure functions, event -> routes.

A projection takes one event (type, branch, decoded data) and returns the rooms of its namespace that get
it and the data they get. `data=None` means "the event's own data, unchanged": the bridge then reuses the
bytes exactly as they sit in the stream instead of re-encoding them (kanban and POS see everything).

The audiences that must not see everything work from allow-lists, never from deny-lists: a field a later
issue adds to an event reaches the TV, the kitchen or a courier only once it is listed here, so a new
`customer_phone` cannot leak by accident. Unknown event types follow the same rule per namespace: the
staff boards (kanban, POS) get them, the kitchen, the TV and couriers do not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from app.orders.states import TOKEN_CHANNELS

KANBAN = "/kanban"
POS = "/pos"
KDS = "/kds"
QUEUE = "/queue"
COURIER = "/courier"
NAMESPACES = (KANBAN, POS, KDS, QUEUE, COURIER)


def branch_room(branch_id: int) -> str:
    return f"branch:{branch_id}"


def station_room(branch_id: int, station_code: str) -> str:
    return f"station:{branch_id}:{station_code}"


def kds_room(branch_id: int) -> str:
    """Order-level changes for every kitchen screen of a branch (a cancelled order clears its tickets)."""
    return f"kds:{branch_id}"


def courier_room(courier_id: int) -> str:
    return f"courier:{courier_id}"


class Route(NamedTuple):
    """One payload for every socket in any of `rooms` (a socket in several of them gets it once)."""

    rooms: tuple[str, ...]
    data: dict[str, Any] | None  # None: the event's data unchanged


Projector = Callable[[str, int, Mapping[str, Any]], list[Route]]

_SCALARS = (str, int, float, bool, type(None))


def _pick(data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    # Scalars only: an allow-listed name must not smuggle a nested object (a `token` that became a dict
    # with the customer in it) past the list.
    return {f: data[f] for f in fields if f in data and isinstance(data[f], _SCALARS)}


# --------------------------------------------------------------------------- staff boards


# Money taken, voided or given back on an order (app/payments): the staff boards only. Never the kitchen,
# the TV or a courier's page, whatever the event carries (the allow-lists below do not name them, and the
# courier projection refuses them by type so a `courier_id` in the data cannot route one there).
PAYMENT_EVENTS = frozenset({"payment.collected", "payment.voided", "payment.refunded"})

# Managers' news only: late-order alerts and where the couriers are. The POS gets everything else in full;
# the TV, the kitchen and the couriers' pages get neither (their allow-lists below do not name them).
MANAGER_ONLY = frozenset({"alert.raised", "alert.acknowledged"})


def is_courier_location(event_type: str, data: Mapping[str, Any]) -> bool:
    # `courier.updated` also reports a delivery's progress (app/dispatch); only a location ping has `lat`.
    return event_type == "courier.updated" and "lat" in data


# An invoice was issued (or amended): {order_id, invoice_id, number, total[, kind, amends]}. News for the
# staff boards only: the kanban's card offers the invoice, the till prints it. The kitchen, the TV and the
# couriers never see it (not on their allow-lists; tests/integration/test_invoice_projection.py).
INVOICE_EVENTS = frozenset({"invoice.issued"})


def kanban(event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
    """Managers: full envelopes, every type (a new event type shows up on the board without a change here)."""
    return [Route((branch_room(branch_id),), None)]


def pos(event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
    """Cashiers: their branch's orders and payments, in full; not the managers' alerts and courier map."""
    if event_type in MANAGER_ONLY or is_courier_location(event_type, data):
        return []
    return [Route((branch_room(branch_id),), None)]


# --------------------------------------------------------------------------- kitchen

# What a cook needs on a ticket: items, notes, timers, where it goes — never money, payment or customer.
KDS_TICKET_FIELDS = (
    "ticket_id",
    "order_id",
    "station_code",
    "token",
    "channel",
    "table_label",
    "rush",
    "note",
    "state",
    "course",
    "started_at",
    "bumped_at",
    "recalled_at",
    "reason",
    # Ticket timers (ms, Redis clock) as the station snapshot carries them, and when a change happened.
    "created_ms",
    "started_ms",
    "bumped_ms",
    "at",
)
KDS_ITEM_FIELDS = ("line_no", "name", "qty", "unit", "note", "course")
# Order-level changes the kitchen reacts to (a cancelled or recalled order); no actor, courier or settle mode.
KDS_ORDER_FIELDS = ("order_id", "from", "to", "version", "channel", "token", "correction")


def _kds_ticket(data: Mapping[str, Any]) -> dict[str, Any]:
    out = _pick(data, KDS_TICKET_FIELDS)
    items = data.get("items")
    if isinstance(items, list):
        out["items"] = [_pick(item, KDS_ITEM_FIELDS) for item in items if isinstance(item, Mapping)]
    return out


# A ticket's progress also reaches the branch's kitchen room: the expo follows every ticket of an order,
# including a station configured after it connected. A new ticket goes to its station only.
KDS_PROGRESS = frozenset({"ticket.started", "ticket.bumped", "ticket.recalled"})
# A rush toggle (`order.updated` carrying `rush`): which order, its token and tickets, and the flag.
KDS_RUSH_FIELDS = ("order_id", "token", "rush")


def _kds_rush(data: Mapping[str, Any]) -> dict[str, Any]:
    out = _pick(data, KDS_RUSH_FIELDS)
    ticket_ids = data.get("ticket_ids")
    if isinstance(ticket_ids, list):
        out["ticket_ids"] = [t for t in ticket_ids if isinstance(t, str)]
    return out


def _is_rush_change(event_type: str, data: Mapping[str, Any]) -> bool:
    # `order.updated` is a general event; only its rush form carries a boolean `rush`.
    return event_type == "order.updated" and isinstance(data.get("rush"), bool)


def kds(event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
    if event_type.startswith("ticket."):
        station = data.get("station_code")
        if not isinstance(station, str) or not station:
            return []
        rooms: tuple[str, ...] = (station_room(branch_id, station),)
        if event_type in KDS_PROGRESS:
            rooms = (*rooms, kds_room(branch_id))
        return [Route(rooms, _kds_ticket(data))]
    if event_type == "order.state_changed":
        return [Route((kds_room(branch_id),), _pick(data, KDS_ORDER_FIELDS))]
    if _is_rush_change(event_type, data):
        return [Route((kds_room(branch_id),), _kds_rush(data))]
    return []


# --------------------------------------------------------------------------- the TV in the shop

# A token board shows numbers and their state. Nothing else is sent, so nothing else can be shown to a
# room full of strangers: no names, phones, addresses, amounts, lines or notes.
QUEUE_FIELDS: dict[str, tuple[str, ...]] = {
    "order.created": ("order_id", "token", "state", "channel"),
    "order.state_changed": ("order_id", "token", "from", "to", "channel"),
    "token.called": ("order_id", "token", "channel"),
}
# A rush toggle is token-level news (the board may flag the number); nothing else of `order.updated` is.
QUEUE_RUSH_FIELDS = ("order_id", "token", "channel", "rush")
# The walk-in service queue (app/queue): a number, the counter it is called to, and its state. No service,
# no ticket id: "number 12 to counter 3" is all the room needs.
QUEUE_SERVICE_FIELDS: dict[str, tuple[str, ...]] = {
    "service.ticket_created": ("number", "counter", "state"),
    "service.ticket_called": ("number", "counter", "state"),
    "service.ticket_updated": ("number", "counter", "state"),
}


def queue(event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
    service_fields = QUEUE_SERVICE_FIELDS.get(event_type)
    if service_fields is not None:
        return [Route((branch_room(branch_id),), _pick(data, service_fields))]
    fields = QUEUE_RUSH_FIELDS if _is_rush_change(event_type, data) else QUEUE_FIELDS.get(event_type)
    if fields is None:
        return []
    channel = data.get("channel")
    # Only channels that get a token are on the board; a delivery order has no business on the TV.
    # `token.called` may omit the channel (the token is what is called), the others always carry it.
    on_board = isinstance(channel, str) and channel in TOKEN_CHANNELS
    if not on_board and not (channel is None and event_type == "token.called"):
        return []
    return [Route((branch_room(branch_id),), _pick(data, fields))]


# --------------------------------------------------------------------------- couriers

# Courier events are about the courier they name; they pass unchanged (the courier needs the address to
# deliver and sees their own cash). An order's state change reaches a courier only stripped, and only when
# it names them (dispatch, delivered, returned carry `courier_id`).
COURIER_PASS_THROUGH = frozenset({"courier.assigned", "courier.updated", "settlement.completed"})
COURIER_ORDER_FIELDS = (
    "order_id",
    "from",
    "to",
    "version",
    "channel",
    "token",
    "courier_id",
    "settle_mode",
    "reason",
)


def _courier_id(value: Any) -> int | None:
    # Guard data comes from JSON: an id may arrive as 7 or "7"; anything else names nobody.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value) or None
    return None


def courier(event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
    courier_id = _courier_id(data.get("courier_id"))
    if courier_id is None:
        return []
    if event_type == "order.state_changed":
        return [Route((courier_room(courier_id),), _pick(data, COURIER_ORDER_FIELDS))]
    # A courier's own position is for the board; their phone already knows where it is.
    if event_type not in COURIER_PASS_THROUGH or is_courier_location(event_type, data):
        return []
    rooms = [courier_room(courier_id)]
    # A reassignment tells the courier who lost the order too, so it leaves their list at once.
    previous = _courier_id(data.get("previous_courier_id"))
    if previous is not None and previous != courier_id:
        rooms.append(courier_room(previous))
    return [Route(tuple(rooms), None)]


PROJECTORS: dict[str, Projector] = {
    KANBAN: kanban,
    POS: pos,
    KDS: kds,
    QUEUE: queue,
    COURIER: courier,
}


def project(namespace: str, event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
    return PROJECTORS[namespace](event_type, branch_id, data)

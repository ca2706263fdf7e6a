"""What each audience may see of a stream event (DESIGN §5): pure functions, event -> routes.

The fields come from the event registry (app/events): each event type names, per audience, the view it
may have — the staff boards the whole payload, the kitchen, the TV and a courier allow-listed fields only.
What stays here is routing: which rooms of a namespace get the event. `data=None` in a route means "the
event's own data, unchanged": the bridge then reuses the bytes exactly as they sit in the stream instead of
re-encoding them.

Unknown event types (or a payload that matches none of its name's variants) reach the staff boards only
(kanban, POS): a new event is seen by the people who run the shop before anyone decides whether the
kitchen, the TV or a courier may see it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from app.events import FULL, Audience, View, variant
from app.orders.states import TOKEN_CHANNELS

KANBAN = "/kanban"
POS = "/pos"
KDS = "/kds"
QUEUE = "/queue"
COURIER = "/courier"
NAMESPACES = (KANBAN, POS, KDS, QUEUE, COURIER)
AUDIENCES = {
    KANBAN: Audience.BOARD,
    POS: Audience.TILL,
    KDS: Audience.KITCHEN,
    QUEUE: Audience.TV,
    COURIER: Audience.COURIER,
}


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

# A ticket's progress also reaches the branch's kitchen room: the expo follows every ticket of an order,
# including a station configured after it connected. A new ticket goes to its station only.
KDS_PROGRESS = frozenset({"ticket.started", "ticket.bumped", "ticket.recalled"})


def _view(namespace: str, event_type: str, data: Mapping[str, Any]) -> View | bool | None:
    """The audience's view of this event: True for the whole payload, a View, or None (nothing)."""
    spec = variant(event_type, data)
    if spec is None:
        return True if namespace in (KANBAN, POS) else None
    view = spec.view(AUDIENCES[namespace])
    if view is FULL:
        return True
    return view if isinstance(view, View) else None


def _data(view: View | bool, data: Mapping[str, Any]) -> dict[str, Any] | None:
    return None if view is True else view.pick(data)  # type: ignore[union-attr]


def staff(namespace: str) -> Projector:
    """The managers' board and the tills: their branch room, with what their view allows."""

    def project(event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
        view = _view(namespace, event_type, data)
        if view is None:
            return []
        return [Route((branch_room(branch_id),), _data(view, data))]

    return project


def kds(event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
    view = _view(KDS, event_type, data)
    if view is None:
        return []
    if event_type.startswith("ticket."):
        station = data.get("station_code")
        if not isinstance(station, str) or not station:
            return []
        rooms: tuple[str, ...] = (station_room(branch_id, station),)
        if event_type in KDS_PROGRESS:
            rooms = (*rooms, kds_room(branch_id))
        return [Route(rooms, _data(view, data))]
    return [Route((kds_room(branch_id),), _data(view, data))]


def queue(event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
    view = _view(QUEUE, event_type, data)
    if view is None:
        return []
    if "channel" in data or event_type.startswith("order."):
        # Only channels that get a token are on the board; a delivery order has no business on the TV.
        # `token.called` may omit the channel (the token is what is called).
        channel = data.get("channel")
        on_board = isinstance(channel, str) and channel in TOKEN_CHANNELS
        if not on_board and not (channel is None and event_type == "token.called"):
            return []
    return [Route((branch_room(branch_id),), _data(view, data))]


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
    """An event reaches a courier only when it names them, and only as their view allows."""
    courier_id = _courier_id(data.get("courier_id"))
    if courier_id is None:
        return []
    view = _view(COURIER, event_type, data)
    if view is None:
        return []
    rooms = [courier_room(courier_id)]
    # A reassignment tells the courier who lost the order too, so it leaves their list at once.
    previous = _courier_id(data.get("previous_courier_id"))
    if previous is not None and previous != courier_id:
        rooms.append(courier_room(previous))
    return [Route(tuple(rooms), _data(view, data))]


PROJECTORS: dict[str, Projector] = {
    KANBAN: staff(KANBAN),
    POS: staff(POS),
    KDS: kds,
    QUEUE: queue,
    COURIER: courier,
}


def project(namespace: str, event_type: str, branch_id: int, data: Mapping[str, Any]) -> list[Route]:
    return PROJECTORS[namespace](event_type, branch_id, data)

"""Events of the road: orders handed to couriers, deliveries accepted, couriers' positions (DESIGN §6)."""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType


class CourierAssigned(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`courier.assigned`: an order handed to a courier (DESIGN §6). Passes unchanged to that courier's
    page, which needs where to go, whom to call and what to collect; money as strings."""

    order_id: str
    courier_id: int
    delivery_id: str
    trip_id: str | None
    amount_to_collect: str
    courier_fee: str
    settle_mode: str
    address: str | None
    slot_start: str | None
    slot_end: str | None
    token: int | None
    channel: str
    customer_name: str | None = None
    customer_phone: str | None = None
    version: int  # the order's version after the dispatch
    actor: int | None = None


class DeliveryChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`courier.updated` for a delivery the courier accepted (delivered and returned are the order's own
    `order.state_changed`, which names the courier)."""

    delivery_id: str
    order_id: str
    courier_id: int
    state: str
    cash_collected: str | None = None
    return_reason: str | None = None
    actor: int | None = None


class CourierLocation(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """`courier.updated` for a location ping: where a courier is. Kanban only (never the TV, the kitchen,
    or other couriers)."""

    courier_id: int
    lat: float
    lng: float
    at: str
    accuracy: float | None = None


# A courier's page needs where to go, whom to call and what to collect: their own deliveries pass whole
# (the projection routes them to that courier's room only).
COURIER_ASSIGNED = EventType(
    "courier.assigned",
    CourierAssigned,
    views={Audience.BOARD: FULL, Audience.TILL: FULL, Audience.COURIER: FULL},
)
DELIVERY_CHANGED = EventType(
    "courier.updated",
    DeliveryChanged,
    views={Audience.BOARD: FULL, Audience.TILL: FULL, Audience.COURIER: FULL},
)
# Where the couriers are is for the managers' map; a courier's phone already knows where it is.
COURIER_LOCATION = EventType("courier.updated", CourierLocation, views={Audience.BOARD: FULL})

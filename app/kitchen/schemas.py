"""Request and response bodies of the kitchen API (tickets, station and expo snapshots, rush, call,
metrics). Times on tickets are Redis server milliseconds since the epoch, the clock the events carry."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec


class KdsItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    line_no: int
    name: str
    qty: str
    unit: str
    note: str
    # The combo this item is part of (as in `ticket.created`), so the cook plates it with the meal.
    bundle: str | None = None
    # Menu depth (see app/events/kitchen.py TicketItem).
    modifiers: str = ""
    allergy: str = ""
    allergens: str = ""


class KdsTicket(msgspec.Struct, kw_only=True):
    """A ticket as a station screen shows it; the same shape as the data of `ticket.*` events."""

    ticket_id: str
    order_id: str
    station_code: str
    token: int | None
    channel: str
    table_label: str | None
    rush: bool
    items: list[KdsItem]
    note: str
    state: str
    created_ms: int | None
    started_ms: int | None
    bumped_ms: int | None = None


class StationSnapshot(msgspec.Struct, kw_only=True):
    branch_id: int
    stream_id: str
    station: str
    name: str
    warn_after_seconds: int
    late_after_seconds: int
    # Rush tickets first, then oldest first.
    tickets: list[KdsTicket]


class RecentOut(msgspec.Struct, kw_only=True):
    """Recently bumped tickets of a station that can still be recalled, newest bump first."""

    branch_id: int
    station: str
    tickets: list[KdsTicket]


class TicketActionOut(msgspec.Struct, kw_only=True):
    ticket_id: uuid.UUID
    order_id: uuid.UUID
    station_code: str
    state: str
    # False when the ticket already was where the request wanted it (a double tap): nothing was emitted.
    changed: bool
    event_id: str | None
    started_ms: int | None
    bumped_ms: int | None
    # The order's state after any automatic move this caused (None if Redis no longer holds the order).
    order_state: str | None


class ExpoTicket(msgspec.Struct, kw_only=True):
    ticket_id: str
    station_code: str
    state: str


class ExpoOrder(msgspec.Struct, kw_only=True):
    order_id: str
    state: str
    version: int
    channel: str
    token: int | None
    table_label: str | None
    rush: bool
    created_ms: int | None
    entered_ms: int  # when the order entered its current state
    tickets: list[ExpoTicket]


class ExpoSnapshot(msgspec.Struct, kw_only=True):
    branch_id: int
    stream_id: str
    # Rush orders first, then oldest first.
    orders: list[ExpoOrder]


class RushIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    rush: bool


class RushOut(msgspec.Struct, kw_only=True):
    order_id: uuid.UUID
    rush: bool
    changed: bool
    event_id: str | None


class CallOut(msgspec.Struct, kw_only=True):
    order_id: uuid.UUID
    token: int
    event_id: str


class StationMetrics(msgspec.Struct, kw_only=True):
    station_code: str
    name: str | None
    tickets: int  # created in the period
    bumped: int  # of those, bumped (the ones with a prep time)
    avg_prep_seconds: float | None
    p50_prep_seconds: float | None
    p90_prep_seconds: float | None
    late_after_seconds: int
    late: int  # bumped after more than late_after_seconds


class ProductMetrics(msgspec.Struct, kw_only=True):
    product_id: int
    name: str
    tickets: int  # tickets the product was on
    qty: str
    avg_prep_seconds: float | None


class HourBucket(msgspec.Struct, kw_only=True):
    hour: dt.datetime  # start of the hour, in the branch's time zone
    tickets: int
    bumped: int


class KitchenMetrics(msgspec.Struct, kw_only=True):
    branch_id: int
    since: dt.datetime
    until: dt.datetime
    stations: list[StationMetrics]
    products: list[ProductMetrics]
    hours: list[HourBucket]

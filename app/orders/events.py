"""Schemas of the order events' `data` (DESIGN §5). Services build them; tests decode what clients get.

The Lua scripts write `order.state_changed` themselves (its data is assembled inside the atomic step);
`StateChanged` describes that shape so consumers can decode it.
"""

from __future__ import annotations

import msgspec


class CustomerRef(msgspec.Struct, kw_only=True):
    id: int
    name: str
    phone: str | None


class Totals(msgspec.Struct, kw_only=True):
    subtotal: str
    tax: str
    delivery_charge: str
    total: str


class Delivery(msgspec.Struct, kw_only=True):
    address: str
    territory_id: int
    slot_start: str | None
    slot_end: str | None


class Line(msgspec.Struct, kw_only=True, omit_defaults=True):
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


class OrderCreated(msgspec.Struct, kw_only=True, omit_defaults=True):
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


class TicketItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    line_no: int
    name: str
    qty: str
    unit: str
    note: str
    # The bundle (combo meal) this item is part of, so the KDS shows it under the bundle's name; left out
    # for items sold on their own.
    bundle: str | None = None


class TicketCreated(msgspec.Struct, kw_only=True):
    ticket_id: str
    order_id: str
    station_code: str
    token: int | None
    channel: str
    table_label: str | None
    rush: bool
    items: list[TicketItem]
    note: str


class StateChanged(msgspec.Struct, kw_only=True, rename={"from_state": "from"}):
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


encoder = msgspec.json.Encoder()


# Kitchen events: tickets moved by app/kitchen, rush and token calls by the order service.


class TicketChanged(msgspec.Struct, kw_only=True):
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


class RushChanged(msgspec.Struct, kw_only=True):
    """`order.updated` for a rush toggle. Carries no version: rush is not a state change, so it never
    makes a client's `expected_version` stale."""

    order_id: str
    rush: bool
    token: int | None
    channel: str
    ticket_ids: list[str]
    actor: int | None = None


class TokenCalled(msgspec.Struct, kw_only=True):
    """`token.called`: the pass calls a ready order's token (again) on the queue TV."""

    order_id: str
    token: int
    channel: str
    actor: int | None = None


# --------------------------------------------------------------------------- dispatch and courier cash


class CourierAssigned(msgspec.Struct, kw_only=True):
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


class DeliveryChanged(msgspec.Struct, kw_only=True):
    """`courier.updated` for a delivery the courier accepted (delivered and returned are the order's own
    `order.state_changed`, which names the courier)."""

    delivery_id: str
    order_id: str
    courier_id: int
    state: str
    cash_collected: str | None = None
    return_reason: str | None = None
    actor: int | None = None


class SettlementCompleted(msgspec.Struct, kw_only=True):
    """`settlement.completed`: cash squared between a courier and the branch. `net` > 0: the courier paid
    the branch; < 0: the branch paid the courier (`owed_by` says who paid)."""

    settlement_id: str
    courier_id: int
    branch_id: int
    kind: str  # dispatch / single / bulk
    net: str
    owed_by: str  # courier / branch / none
    collections: str
    fees: str
    transactions: int
    transaction_ids: list[int]
    note: str
    order_id: str | None = None  # a settlement made by a dispatch or a return names its order
    actor: int | None = None


# --------------------------------------------------------------------------- board: card actions, alerts, couriers


class CancelDecided(msgspec.Struct, kw_only=True, omit_defaults=True):
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


class AlertRaised(msgspec.Struct, kw_only=True):
    """`alert.raised`: an order over its state's time limit (`state_overdue`) or a delivery past its slot
    (`slot_missed`). Managers only (kanban)."""

    alert_id: int
    order_id: str
    kind: str
    state: str
    message: str
    token: int | None
    channel: str
    version: int
    raised_at: str


class AlertAcknowledged(msgspec.Struct, kw_only=True):
    """`alert.acknowledged`: a manager dealt with an alert; every board drops it."""

    alert_id: int
    order_id: str
    acknowledged_by: int
    acknowledged_at: str


class CourierLocation(msgspec.Struct, kw_only=True, omit_defaults=True):
    """`courier.updated` for a location ping: where a courier is. Kanban only (never the TV, the kitchen,
    or other couriers)."""

    courier_id: int
    lat: float
    lng: float
    at: str
    accuracy: float | None = None

"""Request and response bodies of the order API. Money and quantities travel as strings."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from app.lib.fields import Checked, Money, Qty
from app.orders.payment_reads import InvoiceRef, PaymentOut
from app.orders.states import Channel, State

MAX_LINES = 200
MAX_SYNC_BATCH = 100

Note = Annotated[str, msgspec.Meta(max_length=500)]
PositiveId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]
PriceList = Literal["counter", "wholesale", "customer"]
Reason = Annotated[str, msgspec.Meta(max_length=200)]
UnitCode = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]


class ChoiceIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """One pick of a bundle's choice group: `group` is the group's code."""

    group: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    product_id: PositiveId
    unit: UnitCode | None = None


class LineIn(Checked, forbid_unknown_fields=True, kw_only=True):
    product_id: PositiveId
    qty: Qty
    unit: UnitCode | None = None
    price_list: PriceList = "counter"
    # A manual rate (customer-specific deals); needs the manager role.
    unit_price: Money | None = None
    note: Note = ""
    # An amount off this line (in the prices' terms); needs the manager role and a reason.
    discount: Money | None = None
    discount_reason: Reason | None = None
    # A bundle's picks for its choice groups.
    choices: Annotated[list[ChoiceIn], msgspec.Meta(max_length=20)] | None = None


class DeliveryIn(Checked, forbid_unknown_fields=True, kw_only=True):
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    territory_id: PositiveId
    slot_start: dt.datetime | None = None
    slot_end: dt.datetime | None = None


class OrderCreate(Checked, forbid_unknown_fields=True, kw_only=True):
    id: uuid.UUID
    branch_id: PositiveId
    channel: Channel
    lines: Annotated[list[LineIn], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    customer_id: PositiveId | None = None
    delivery: DeliveryIn | None = None
    table_label: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    note: Note = ""
    # An amount off the whole order, spread over its lines; needs the manager role and a reason.
    discount: Money | None = None
    discount_reason: Reason | None = None
    # A till's sale: the till, and the cashier's shift (required when the till's profile says so).
    pos_profile_id: PositiveId | None = None
    shift_id: uuid.UUID | None = None


class OrderSync(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Items are decoded one by one in the service, so one malformed order does not reject the batch.
    # Any JSON value: even an item that is not an object is that item's own 422, not the batch's 400.
    orders: Annotated[list[Any], msgspec.Meta(min_length=1, max_length=MAX_SYNC_BATCH)]


class TransitionIn(Checked, forbid_unknown_fields=True, kw_only=True):
    to: State
    expected_version: Annotated[int, msgspec.Meta(ge=0)] | None = None
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None
    courier_id: PositiveId | None = None
    settle_mode: Literal["now", "later"] | None = None
    # `delivered` only: the cash the courier took (default: what they were to collect). Text or a number,
    # checked by the dispatch service so a bad amount is a 422 naming this field.
    cash_collected: Annotated[str, msgspec.Meta(max_length=32)] | int | float | None = None


class TotalsOut(msgspec.Struct, kw_only=True):
    subtotal: Decimal
    tax: Decimal
    delivery_charge: Decimal
    total: Decimal


class LineOut(msgspec.Struct, kw_only=True):
    line_no: int
    product_id: int
    name: str
    qty: Decimal
    unit: str
    unit_factor: Decimal
    price_list: str
    unit_price: Decimal
    tax_rate: Decimal
    discount: Decimal
    line_subtotal: Decimal
    line_tax: Decimal
    line_total: Decimal
    station_code: str
    note: str
    # A bundle's component points at the bundle's line.
    parent_line_no: int | None = None
    discount_reason: str | None = None


class DeliveryOut(msgspec.Struct, kw_only=True):
    address: str
    territory_id: int | None
    slot_start: dt.datetime | None
    slot_end: dt.datetime | None
    courier_id: int | None


class TicketOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    station_code: str
    state: str


class EventOut(msgspec.Struct, kw_only=True):
    id: str
    type: str
    version: int | None
    ts: dt.datetime
    data: dict[str, Any]


class OrderOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    branch_id: int
    channel: str
    state: str
    version: int
    token: int | None
    business_date: dt.date
    payment_status: str
    totals: TotalsOut
    # Captured payments less refunds, and what is still to pay (never below zero).
    paid_total: Decimal
    balance: Decimal
    customer_id: int | None
    table_label: str | None
    note: str
    delivery: DeliveryOut | None
    lines: list[LineOut]
    tickets: list[TicketOut]
    created_at: dt.datetime
    discount: Decimal = Decimal(0)
    discount_reason: str | None = None
    pos_profile_id: int | None = None
    shift_id: uuid.UUID | None = None
    events: list[EventOut] | None = None
    # Filled by the order's own read (GET /orders/{id}); a create answers with none yet.
    payments: list[PaymentOut] = msgspec.field(default_factory=list)
    # The original invoice (not its amendments), once issued.
    invoice: InvoiceRef | None = None


class OrderSummary(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    branch_id: int
    channel: str
    state: str
    version: int
    token: int | None
    payment_status: str
    total: Decimal
    customer_id: int | None
    created_at: dt.datetime


class OrderPage(msgspec.Struct, kw_only=True):
    items: list[OrderSummary]
    next_since: dt.datetime | None


class SyncResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    index: int
    id: str | None
    result: Literal["created", "existed", "rejected"]
    status: int
    reason: str | None = None
    # A refused order's field at fault, when one is ("lines[0].note"), for the till to point at.
    field: str | None = None
    order: OrderOut | None = None


class SyncOut(msgspec.Struct, kw_only=True):
    results: list[SyncResult]


class TransitionOut(msgspec.Struct, kw_only=True):
    order_id: uuid.UUID
    from_state: str = msgspec.field(name="from")
    state: str
    version: int
    event_id: str


class BoardCard(msgspec.Struct, kw_only=True):
    order_id: str
    state: str
    version: int
    channel: str
    token: int | None
    payment_status: str
    entered_ms: int
    card: dict[str, Any]


class BoardOut(msgspec.Struct, kw_only=True):
    branch_id: int
    stream_id: str
    columns: dict[str, list[BoardCard]]

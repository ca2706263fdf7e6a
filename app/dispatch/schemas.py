"""Request and response bodies of the dispatch and courier cash API. Money travels as strings."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

MAX_TRIP_ORDERS = 50
MAX_SETTLE_TRANSACTIONS = 1000
MAX_BULK_COURIERS = 500

PositiveId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]
Note = Annotated[str, msgspec.Meta(max_length=500)]
SettleMode = Literal["now", "later"]
OwedBy = Literal["courier", "branch", "none"]
# Amounts a client sends are checked by the service (422 naming the field), so they arrive as text or a
# plain number; a float is only ever turned into Decimal through its shortest decimal form.
AmountIn = Annotated[str, msgspec.Meta(max_length=32)] | int | float


# --------------------------------------------------------------------------- dispatch


class PreviewOut(msgspec.Struct, kw_only=True):
    order_id: uuid.UUID
    courier_id: int | None
    settle_mode: SettleMode
    channel: str
    payment_status: str
    order_total: Decimal
    amount_to_collect: Decimal
    courier_fee: Decimal
    net: Decimal  # amount_to_collect - courier_fee: > 0 the courier owes the branch, < 0 the branch owes
    owed_by: OwedBy


class DispatchIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Several delivery orders handed to one courier together (a trip); all or nothing."""

    order_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=MAX_TRIP_ORDERS)]
    courier_id: PositiveId
    settle_mode: SettleMode
    # Client-generated: a retried trip answers with the deliveries it already made.
    trip_id: uuid.UUID


class DispatchedOrder(msgspec.Struct, kw_only=True):
    order_id: uuid.UUID
    delivery_id: uuid.UUID
    from_state: str | None = msgspec.field(name="from")
    state: str
    version: int | None
    event_id: str | None  # the order.state_changed id (None when a retried trip is answered again)
    amount_to_collect: Decimal
    courier_fee: Decimal
    net: Decimal
    owed_by: OwedBy
    settlement_id: uuid.UUID | None  # settle now: the dispatch settlement


class DispatchOut(msgspec.Struct, kw_only=True):
    trip_id: uuid.UUID | None
    courier_id: int
    settle_mode: SettleMode
    replayed: bool
    orders: list[DispatchedOrder]
    amount_to_collect: Decimal
    courier_fee: Decimal
    net: Decimal
    owed_by: OwedBy


# --------------------------------------------------------------------------- deliveries


class DeliveryActionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`POST /deliveries/{id}/delivered` and `/returned`: the same moves as the order transitions."""

    cash_collected: AmountIn | None = None
    # Cash above the amount to collect: a tip the courier keeps, or the customer's payment to the shop.
    extra: Literal["tip", "overpay"] | None = None
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None
    expected_version: Annotated[int, msgspec.Meta(ge=0)] | None = None


class DeliveryItem(msgspec.Struct, kw_only=True):
    """One thing the courier carries (a combo's parts follow it with `part`)."""

    qty: str
    name: str
    unit: str
    note: str
    part: bool


class DeliveryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    order_id: uuid.UUID
    branch_id: int
    courier_id: int
    trip_id: uuid.UUID | None
    state: str
    settle_mode: SettleMode
    amount_to_collect: Decimal
    courier_fee: Decimal
    cash_collected: Decimal | None
    tip: Decimal
    return_reason: str | None
    created_at: dt.datetime
    accepted_at: dt.datetime | None
    delivered_at: dt.datetime | None
    returned_at: dt.datetime | None
    # From the order, for the courier's page: where, when, whom to call.
    token: int | None
    channel: str
    order_total: Decimal
    payment_status: str
    address: str | None
    slot_start: dt.datetime | None
    slot_end: dt.datetime | None
    customer_name: str | None
    customer_phone: str | None
    event_id: str | None = None  # the courier.updated id, on a change
    # What to hand over, so the courier can check the bag before leaving.
    items: list[DeliveryItem] = msgspec.field(default_factory=list)


# --------------------------------------------------------------------------- courier cash


class BalanceOut(msgspec.Struct, kw_only=True):
    courier_id: int
    branch_id: int
    name: str
    active: bool
    owes_branch: Decimal  # open collections (less shortfalls): cash_in_hand + to_collect
    branch_owes: Decimal  # open fees, and shortfalls beyond their delivery's collection
    net: Decimal  # owes_branch - branch_owes
    owed_by: OwedBy
    open_transactions: int
    active_deliveries: int
    # The branch's cash the courier holds now: collected on deliveries done, not yet settled.
    cash_in_hand: Decimal
    to_collect: Decimal  # still to collect on the deliveries on the road
    cash_in_hand_today: Decimal  # branch cash taken from customers today (branch-local day), tips left out
    tips_today: Decimal
    fees_earned_today: Decimal  # fees of deliveries dispatched today


class CourierTodayOut(msgspec.Struct, kw_only=True):
    """A courier's phone on first load, in one read: the deliveries on the road and the cash they hold."""

    deliveries: list[DeliveryOut]
    balance: BalanceOut


class TransactionOut(msgspec.Struct, kw_only=True):
    id: int
    kind: Literal["collection", "fee", "shortfall"]
    amount: Decimal
    status: Literal["open", "settled"]
    delivery_id: uuid.UUID
    order_id: uuid.UUID
    settlement_id: uuid.UUID | None
    created_at: dt.datetime
    settled_at: dt.datetime | None
    token: int | None = None
    delivery_state: str | None = None
    delivered_at: dt.datetime | None = None


class SettlementPreviewOut(msgspec.Struct, kw_only=True):
    courier_id: int
    collections: Decimal
    fees: Decimal
    shortfalls: Decimal
    net: Decimal  # collections - fees - shortfalls
    owed_by: OwedBy
    transactions: list[TransactionOut]


class SettleIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: uuid.UUID  # client-generated: a retry or a double click settles once
    transaction_ids: (
        Annotated[list[PositiveId], msgspec.Meta(min_length=1, max_length=MAX_SETTLE_TRANSACTIONS)] | None
    ) = None
    note: Note = ""


class SettlementOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    courier_id: int
    branch_id: int
    kind: str
    net: Decimal
    owed_by: OwedBy
    collections: Decimal
    fees: Decimal
    shortfalls: Decimal
    transactions: int
    transaction_ids: list[int]
    note: str
    order_id: uuid.UUID | None
    created_by: int | None
    created_at: dt.datetime


class SettlementDetailOut(msgspec.Struct, kw_only=True):
    """One settlement with what its printed slip needs: who, where, by whom, and its transactions."""

    settlement: SettlementOut
    courier_name: str
    branch_name: str
    currency: str
    timezone: str
    created_by_name: str | None
    transactions: list[TransactionOut]


class SettlementPage(msgspec.Struct, kw_only=True):
    items: list[SettlementOut]
    next_before: dt.datetime | None


class BulkSettleIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: uuid.UUID  # client-generated: the job id is derived from it, so a retry enqueues nothing new
    branch_id: PositiveId
    # Default: every courier of the branch with open transactions.
    courier_ids: (
        Annotated[list[PositiveId], msgspec.Meta(min_length=1, max_length=MAX_BULK_COURIERS)] | None
    ) = None
    note: Note = ""


BulkStatus = Literal["queued", "in_progress", "complete"]


class BulkSettleOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    branch_id: int
    job_id: str
    status: BulkStatus
    courier_ids: list[int] | None = None
    # Once complete: couriers settled, already settled by an earlier run of the job, with nothing open.
    result: dict[str, Any] | None = None

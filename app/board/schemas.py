"""The board's first-load document: everything /kanban draws, current to one stream position per branch."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import msgspec

from app.alerts.schemas import AlertOut
from app.menu.schemas import PauseOut
from app.orders.schemas import BoardCard, OrderSummary


class BranchBoard(msgspec.Struct, kw_only=True):
    branch_id: int
    # The stream id everything below is current to: the page resumes /kanban from it (replayed events are
    # applied idempotently, so a change landing while the snapshot was read is neither lost nor doubled).
    stream_id: str
    columns: dict[str, list[BoardCard]]
    # Today's finished orders (since the branch's local midnight), for the done tail.
    done: list[OrderSummary]
    # Busy mode: the channels paused now.
    pauses: list[PauseOut]


class CourierLocation(msgspec.Struct, kw_only=True):
    lat: float
    lng: float
    at: dt.datetime


class BoardCourier(msgspec.Struct, kw_only=True):
    """A courier of a followed branch with their cash and load (the dispatch ledger) and last position."""

    id: int
    branch_id: int
    name: str
    active: bool
    cash_in_hand: Decimal  # the branch's cash they hold now
    to_collect: Decimal  # still to collect on the road
    net: Decimal  # what they owe the branch less what it owes them
    owed_by: str
    active_deliveries: int
    location: CourierLocation | None


class BoardDelivery(msgspec.Struct, kw_only=True):
    """A delivery on the road: whether the phone accepted it, and the trip it rides in."""

    id: uuid.UUID
    order_id: uuid.UUID
    branch_id: int
    courier_id: int
    trip_id: uuid.UUID | None
    state: str
    settle_mode: str
    amount_to_collect: Decimal
    courier_fee: Decimal


class AnomalyOut(msgspec.Struct, kw_only=True):
    """An hour whose sales fell far outside its forecast, as the board shows it until dismissed."""

    id: int
    branch_id: int
    business_date: dt.date
    hour: int
    direction: str  # "high" or "low"
    actual: Decimal
    expected: Decimal
    low: Decimal
    high: Decimal
    currency: str
    raised_at: dt.datetime
    dismissed_at: dt.datetime | None = None
    dismissed_by: int | None = None


class BoardSnapshot(msgspec.Struct, kw_only=True):
    branches: list[BranchBoard]
    couriers: list[BoardCourier]
    deliveries: list[BoardDelivery]
    alerts: list[AlertOut]  # open (unacknowledged), newest first
    anomalies: list[AnomalyOut]  # not dismissed, newest first
    taken_at: dt.datetime

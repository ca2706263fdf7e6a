"""Bodies of the queue API: the TV board (tokens and numbers only) and the walk-in service queue."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

# Spoken on the TV ("please go to counter 3") and shown in large type: short, printable.
Counter = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=r"^[^\x00-\x1f\x7f]+$")]
ServiceName = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class PreparingToken(msgspec.Struct, kw_only=True):
    order_id: str
    token: int


class ReadyToken(msgspec.Struct, kw_only=True):
    order_id: str
    token: int
    # When the order became ready (Redis server time); it leaves the board `ready_seconds` later.
    ready_at_ms: int


class ServiceNumber(msgspec.Struct, kw_only=True):
    number: int
    counter: str | None
    state: str


class QueueBoardOut(msgspec.Struct, kw_only=True):
    """What the TV shows, current to `stream_id`; nothing here identifies a customer."""

    branch_id: int
    stream_id: str
    # The server's clock when the snapshot was taken, so the TV can time ready tokens out on server time.
    now_ms: int
    preparing: list[PreparingToken]
    ready: list[ReadyToken]
    service: list[ServiceNumber]
    # BCP 47 tag for announcements, e.g. "en-GB", "ar-EG".
    language: str
    ready_seconds: int
    # The ready times quoted to the orders on the board (order id -> time), so the TV draws from one call.
    quotes: dict[str, dt.datetime] = {}


class TicketIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    service: ServiceName = "general"


class TicketTaken(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    branch_id: int
    number: int
    service: str
    waiting_ahead: int
    estimated_wait_seconds: int
    created_at: dt.datetime


class CallNextIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    counter: Counter
    # Only this service's queue; the oldest waiting ticket of any service otherwise.
    service: ServiceName | None = None
    # The services this counter handles (the counter screen sends what the clerk ticked): the oldest
    # waiting ticket of any of them. Given with `service`, both apply.
    # (Not `services`: a body field named like a request dependency turns a validation error into a 500.)
    service_codes: Annotated[list[ServiceName], msgspec.Meta(min_length=1, max_length=20)] | None = None


class RecallIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # To send the customer to another counter than the one that called them first.
    counter: Counter | None = None


class TransferIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # The counter the customer is sent to (called there, announced on the TV).
    counter: Counter


class ServiceTicketOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    branch_id: int
    business_date: dt.date
    number: int
    service: str
    state: str
    counter: str | None
    created_at: dt.datetime
    called_at: dt.datetime | None
    served_at: dt.datetime | None
    done_at: dt.datetime | None


class ServiceOption(msgspec.Struct, kw_only=True):
    code: str
    title: str
    # The manager's expected minutes per customer, in seconds (None: not set).
    average_seconds: int | None = None


class CounterSnapshot(msgspec.Struct, kw_only=True):
    """The counter screen's snapshot: every open ticket of the branch, current to `stream_id` (the id is read
    first, so a change made meanwhile is also sent as an event; events carry the whole ticket, so applying
    one twice changes nothing)."""

    branch_id: int
    stream_id: str
    # The server's clock, for "waiting 4 min" on the clerk's tablet.
    now_ms: int
    tickets: list[ServiceTicketOut]
    services: list[ServiceOption]
    # The branch's counters (/admin/branches); empty: the tablet names its own counter.
    counters: list[str] = msgspec.field(default_factory=list)

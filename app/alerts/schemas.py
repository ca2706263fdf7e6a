"""Bodies of the alerts API and the per-branch state limits."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec


class AlertOut(msgspec.Struct, kw_only=True):
    id: int
    branch_id: int
    order_id: uuid.UUID | None  # None for a low-stock alert (`product_id` says which product)
    kind: str  # state_overdue / slot_missed / low_stock
    state: str  # the order's state when the alert was raised
    version: int  # the order's version then: one alert per kind and version ("once per breach")
    message: str
    token: int | None
    channel: str
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: int | None
    product_id: int | None = None


class AlertPage(msgspec.Struct, kw_only=True):
    items: list[AlertOut]
    # Per branch (as a string key, JSON objects have no int keys), the stream id this list is current to:
    # a board applies only `alert.*` events after it (DESIGN §5, snapshot then events).
    stream_ids: dict[str, str]


class StateLimitsOut(msgspec.Struct, kw_only=True):
    branch_id: int
    # Seconds an order may stay in a state before the board raises `state_overdue`; a state not listed
    # has no limit.
    limits: dict[str, int]


class RaiseReport(msgspec.Struct, kw_only=True):
    """What one run of the alert scan did (the worker job returns it as a dict)."""

    branches: int = 0
    overdue: int = 0
    slot_missed: int = 0
    events: int = 0

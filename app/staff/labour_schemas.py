"""What the time clock and the pay rates read and write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import msgspec

from app.lib.fields import Checked, Money

Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class ClockBranch(msgspec.Struct, kw_only=True):
    id: int
    name: str


class EntryOut(msgspec.Struct, kw_only=True):
    id: int
    user_id: int
    user_name: str
    branch_id: int
    branch_name: str
    # The branch's zone: a correction is typed in the branch's time, whatever the device's.
    branch_timezone: str
    clock_in_at: dt.datetime
    clock_out_at: dt.datetime | None
    # Seconds at work so far (up to now while the entry is open).
    seconds: int
    source: str
    note: str


class ClockStatus(msgspec.Struct, kw_only=True):
    """The signed-in person's clock: the open entry (None: clocked out) and where they may clock in."""

    open: EntryOut | None
    branches: list[ClockBranch]


class ClockIn(Checked, forbid_unknown_fields=True, kw_only=True):
    # Not `branch` (a dependency's name): the branch to clock in at; may be left out by people of one branch.
    branch_id: Annotated[int, msgspec.Meta(ge=1, le=2**62)] | None = None
    # Where the clock was punched: the home screen or a till.
    source: Annotated[str, msgspec.Meta(pattern="^(home|till)$")] = "home"


class PinClockIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """At a signed-in till: a colleague's name (or employee code) and PIN clock them in, or out when they
    are in, without taking over the till; `branch_id` when the till and the person share several."""

    who: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    pin: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    branch_id: Annotated[int, msgspec.Meta(ge=1, le=2**62)] | None = None


class EntryFix(Checked, forbid_unknown_fields=True, kw_only=True):
    """A manager's correction of an entry: the times as they should be, and why. Leaving `clock_out_at`
    empty keeps (or reopens) the entry open; setting it closes a forgotten one."""

    clock_in_at: dt.datetime
    clock_out_at: dt.datetime | None = None
    reason: Reason


class RateIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """An hourly rate from a day on; no `branch_id`: the person's rate wherever no branch rate applies."""

    hourly_rate: Money
    effective_from: dt.date | None = None
    branch_id: Annotated[int, msgspec.Meta(ge=1, le=2**62)] | None = None


class RateOut(msgspec.Struct, kw_only=True):
    id: int
    user_id: int
    branch_id: int | None
    branch_name: str | None
    hourly_rate: Decimal
    effective_from: dt.date
    created_at: dt.datetime

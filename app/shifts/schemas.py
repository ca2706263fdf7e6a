"""Request and response bodies of the shifts API (tills' cash drawers). Money travels as strings."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from app.payments.schemas import MoneyIn, ReasonIn

PositiveId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]


class ShiftOpenIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: uuid.UUID
    pos_profile_id: PositiveId
    # What is in the drawer when the shift starts (may be zero).
    opening_cash: MoneyIn


class CashMovementIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: uuid.UUID
    kind: Literal["in", "out"]
    amount: MoneyIn
    reason: ReasonIn = ""


class ShiftCloseIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Per method, what the cashier counted (cash) or read off the terminal's own total (card …).
    counted: Annotated[dict[str, MoneyIn], msgspec.Meta(max_length=10)]
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class ShiftOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    branch_id: int
    pos_profile_id: int
    status: str
    opening_cash: Decimal
    opened_by: int
    opened_at: dt.datetime
    closed_by: int | None
    closed_at: dt.datetime | None
    closing_note: str


class MovementOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    shift_id: uuid.UUID
    kind: str
    amount: Decimal
    reason: str
    created_by: int | None
    created_at: dt.datetime


class MethodTotal(msgspec.Struct, kw_only=True):
    """One payment method over the shift. `expected` is what should be in the drawer / on the terminal."""

    method: str
    payments: int
    taken: Decimal  # payment amounts (voided ones excluded)
    rounding: Decimal  # cash only: what customers paid above (+) or below (-) the amounts
    refunds: int
    refunded: Decimal
    expected: Decimal


class CashDrawer(msgspec.Struct, kw_only=True):
    """expected = opening + taken + rounding - refunded + cash in - cash out."""

    opening: Decimal
    taken: Decimal
    rounding: Decimal
    refunded: Decimal
    cash_in: Decimal
    cash_out: Decimal
    expected: Decimal


class CountOut(msgspec.Struct, kw_only=True):
    method: str
    expected: Decimal
    counted: Decimal
    # Over (+) or short (-).
    difference: Decimal


class ShiftSummary(msgspec.Struct, kw_only=True):
    shift: ShiftOut
    currency: str
    methods: list[MethodTotal]
    cash: CashDrawer
    movements: list[MovementOut]
    voided: int
    # At close: what was counted per method (empty while the shift is open).
    counts: list[CountOut]
    difference: Decimal | None  # the total over/short at close


class ShiftReport(msgspec.Struct, kw_only=True):
    """The Z report: the summary with the names a printed slip needs."""

    summary: ShiftSummary
    branch_name: str
    till_name: str
    opened_by_name: str
    closed_by_name: str | None
    timezone: str
    printed_at: dt.datetime

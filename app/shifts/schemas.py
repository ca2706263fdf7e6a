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
    """expected = opening + taken + rounding - refunded + cash in - cash out - expenses."""

    opening: Decimal
    taken: Decimal
    rounding: Decimal
    refunded: Decimal
    cash_in: Decimal
    cash_out: Decimal
    expected: Decimal
    expenses: Decimal = Decimal(0)  # petty cash paid out (app/expenses)


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


class TaxLine(msgspec.Struct, kw_only=True):
    rate: Decimal
    taxable: Decimal
    tax: Decimal


class ChannelLine(msgspec.Struct, kw_only=True):
    channel: str
    orders: int
    total: Decimal


class ItemLine(msgspec.Struct, kw_only=True):
    name: str
    unit: str
    qty: Decimal
    amount: Decimal  # after discounts, in the prices' own terms


class RefundLine(msgspec.Struct, kw_only=True):
    at: dt.datetime
    token: int | None
    order_id: uuid.UUID
    method: str
    amount: Decimal
    reason: str


class SalesSummary(msgspec.Struct, kw_only=True):
    """What the shift sold (orders rung up on it, cancelled ones left out) and gave back (app/shifts/sales.py)."""

    orders: int
    gross: Decimal  # at list prices, before discounts
    discounts: Decimal
    net: Decimal  # after discounts, before tax
    taxes: list[TaxLine]
    tax_total: Decimal
    delivery_charges: Decimal
    total: Decimal
    by_channel: list[ChannelLine]
    items: list[ItemLine]
    refunds: list[RefundLine]
    refunded: Decimal
    voided_payments: int
    voided_amount: Decimal
    cancelled_orders: int
    cancelled_total: Decimal


class ShiftReport(msgspec.Struct, kw_only=True):
    """The Z report: the summary with the names a printed slip needs, and what the shift sold."""

    summary: ShiftSummary
    sales: SalesSummary
    branch_name: str
    till_name: str
    opened_by_name: str
    closed_by_name: str | None
    timezone: str
    printed_at: dt.datetime


class ShiftListItem(msgspec.Struct, kw_only=True):
    """One shift in a branch's list (the managers' shifts screen)."""

    id: uuid.UUID
    branch_id: int
    pos_profile_id: int
    till_name: str
    status: str
    opened_by_name: str
    opened_at: dt.datetime
    closed_by_name: str | None
    closed_at: dt.datetime | None
    orders: int
    sales_total: Decimal
    # At close: counted less expected over every method (over +, short -).
    difference: Decimal | None


class ShiftPage(msgspec.Struct, kw_only=True):
    items: list[ShiftListItem]
    next_before: dt.datetime | None

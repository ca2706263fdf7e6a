"""Request and response bodies of the inventory API. Quantities are in the product's base unit unless a
line names a purchase unit; money and quantities travel as strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from app.lib.fields import Checked, Money, Qty, StockDelta, StockQty

Id = Annotated[int, msgspec.Meta(ge=1, le=2**62)]
Reason = Annotated[str, msgspec.Meta(max_length=500)]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Note = Annotated[str, msgspec.Meta(max_length=1000)]
Unit = Annotated[str, msgspec.Meta(max_length=40)]


# ------------------------------------------------------------------ stock and ledger


class StockRow(msgspec.Struct, kw_only=True):
    product_id: int
    sku: str
    name: str
    barcode: str | None
    category: str
    base_unit: str
    qty: Decimal
    avg_cost: Decimal
    value: Decimal
    reorder_point: Decimal | None
    par_level: Decimal | None
    low: bool


class StockPage(msgspec.Struct, kw_only=True):
    branch_id: int
    items: list[StockRow]
    total_value: Decimal


class UnitOut(msgspec.Struct, kw_only=True):
    unit: str
    factor: Decimal
    barcode: str | None


class ProductPick(msgspec.Struct, kw_only=True):
    """A product for the inventory's pickers: ingredients too (they have no price and are never sold)."""

    id: int
    sku: str
    name: str
    base_unit: str
    barcode: str | None
    units: list[UnitOut]
    made_to_order: bool  # has a recipe: its ingredients hold the stock


class MoveIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """A manager's correction: `adjustment` adds or takes away (signed), `waste` takes away (positive)."""

    branch_id: Id
    product_id: Id
    kind: Literal["adjustment", "waste"]
    qty: StockDelta
    reason: Reason
    unit_cost: Money | None = None  # stock found and added at this cost; else the average


class MoveOut(msgspec.Struct, kw_only=True):
    id: int
    branch_id: int
    product_id: int
    name: str
    kind: str
    qty: Decimal
    unit_cost: Decimal
    on_hand_after: Decimal
    reason: str | None
    order_id: str | None
    ref: str | None
    created_by: int | None
    created_at: dt.datetime


class LedgerPage(msgspec.Struct, kw_only=True):
    branch_id: int
    product_id: int
    name: str
    base_unit: str
    on_hand: Decimal
    avg_cost: Decimal
    items: list[MoveOut]
    next_before: int | None


class LevelsIn(Checked, forbid_unknown_fields=True, kw_only=True):
    branch_id: Id
    reorder_point: StockQty | None = None
    par_level: StockQty | None = None


class LevelsOut(msgspec.Struct, kw_only=True):
    branch_id: int
    product_id: int
    reorder_point: Decimal | None
    par_level: Decimal | None


class MismatchOut(msgspec.Struct, kw_only=True):
    branch_id: int
    product_id: int
    on_hand: Decimal
    ledger: Decimal


class CheckOut(msgspec.Struct, kw_only=True):
    ok: bool
    mismatches: list[MismatchOut]


# ------------------------------------------------------------------ recipes


class RecipeLineIn(Checked, forbid_unknown_fields=True, kw_only=True):
    ingredient_id: Id
    qty: Qty
    yield_pct: Money = Decimal(100)  # a percentage; the service holds it to (0, 100]


class RecipeIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    lines: Annotated[list[RecipeLineIn], msgspec.Meta(max_length=100)]


class RecipeLineOut(msgspec.Struct, kw_only=True):
    ingredient_id: int
    name: str
    base_unit: str
    qty: Decimal
    yield_pct: Decimal
    gross_qty: Decimal


class RecipeOut(msgspec.Struct, kw_only=True):
    product_id: int
    name: str
    lines: list[RecipeLineOut]


# ------------------------------------------------------------------ suppliers and purchase orders


class SupplierItemIn(Checked, forbid_unknown_fields=True, kw_only=True):
    product_id: Id
    unit: Unit | None = None  # the purchase unit; the base unit when left out
    price: Money
    supplier_sku: Name = ""


class SupplierIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    contact_name: Name = ""
    phone: Name = ""
    email: Name = ""
    lead_time_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 1
    active: bool = True
    note: Note = ""
    items: Annotated[list[SupplierItemIn], msgspec.Meta(max_length=1000)] = []


class SupplierItemOut(msgspec.Struct, kw_only=True):
    product_id: int
    name: str
    unit: str
    price: Decimal
    supplier_sku: str


class SupplierOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    contact_name: str
    phone: str
    email: str
    lead_time_days: int
    active: bool
    note: str
    items: list[SupplierItemOut]
    owed: Decimal


class PoLineIn(Checked, forbid_unknown_fields=True, kw_only=True):
    product_id: Id
    unit: Unit | None = None
    qty: Qty
    unit_price: Money | None = None  # the supplier's price for the unit when left out


class PoIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    branch_id: Id
    supplier_id: Id
    lines: Annotated[list[PoLineIn], msgspec.Meta(min_length=1, max_length=500)]
    note: Note = ""
    expected_on: dt.date | None = None


class PoLineOut(msgspec.Struct, kw_only=True):
    id: int
    product_id: int
    name: str
    barcode: str | None
    unit: str
    unit_barcode: str | None
    factor: Decimal
    qty_ordered: Decimal
    unit_price: Decimal
    qty_received: Decimal


class PoOut(msgspec.Struct, kw_only=True):
    id: int
    branch_id: int
    supplier_id: int
    supplier_name: str
    state: str
    note: str
    expected_on: dt.date | None
    total: Decimal
    created_at: dt.datetime
    sent_at: dt.datetime | None
    closed_at: dt.datetime | None
    lines: list[PoLineOut]


class ReceiveLineIn(Checked, forbid_unknown_fields=True, kw_only=True):
    line_id: Id | None = None
    barcode: Annotated[str, msgspec.Meta(max_length=64)] | None = None  # scanned instead of a line id
    qty: Qty
    unit_cost: Money | None = None  # the price on the delivery note; the ordered price when left out


class ReceiveIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    lines: Annotated[list[ReceiveLineIn], msgspec.Meta(min_length=1, max_length=500)]
    # Receiving more than is still outstanding must be said out loud.
    confirm_over: bool = False
    note: Note = ""


class ReceiptLineOut(msgspec.Struct, kw_only=True):
    line_id: int
    product_id: int
    qty: Decimal
    unit_cost: Decimal
    qty_difference: Decimal
    cost_difference: Decimal


class ReceiptOut(msgspec.Struct, kw_only=True):
    id: int
    purchase_order_id: int
    state: str
    total: Decimal
    lines: list[ReceiptLineOut]


class InvoiceIn(Checked, forbid_unknown_fields=True, kw_only=True):
    supplier_id: Id
    branch_id: Id
    number: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    invoice_date: dt.date
    amount: Money
    due_date: dt.date | None = None
    purchase_order_id: Id | None = None


class InvoicePayIn(Checked, forbid_unknown_fields=True, kw_only=True):
    amount: Money


class InvoiceOut(msgspec.Struct, kw_only=True):
    id: int
    supplier_id: int
    supplier_name: str
    branch_id: int
    purchase_order_id: int | None
    number: str
    invoice_date: dt.date
    due_date: dt.date | None
    amount: Decimal
    paid: Decimal
    owed: Decimal
    state: str


class PayablesOut(msgspec.Struct, kw_only=True):
    invoices: list[InvoiceOut]
    owed: Decimal


class SuggestionLine(msgspec.Struct, kw_only=True):
    product_id: int
    name: str
    on_hand: Decimal
    reorder_point: Decimal | None
    par_level: Decimal | None
    forecast: Decimal  # demand expected over the supplier's lead time (base units)
    suggested: Decimal  # base units to order
    unit: str
    factor: Decimal
    suggested_units: Decimal
    unit_price: Decimal


class Suggestion(msgspec.Struct, kw_only=True):
    supplier_id: int
    supplier_name: str
    lead_time_days: int
    lines: list[SuggestionLine]


class SuggestionsOut(msgspec.Struct, kw_only=True):
    branch_id: int
    suppliers: list[Suggestion]


# ------------------------------------------------------------------ counts


class CountIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    branch_id: Id
    blind: bool = False
    note: Note = ""


class CountLineIn(Checked, forbid_unknown_fields=True, kw_only=True):
    product_id: Id | None = None
    barcode: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    counted: StockQty


class CountLinesIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    lines: Annotated[list[CountLineIn], msgspec.Meta(min_length=1, max_length=2000)]


class CountLineOut(msgspec.Struct, kw_only=True):
    product_id: int
    name: str
    base_unit: str
    counted: Decimal
    expected: Decimal | None  # hidden (None) on a blind count until it is approved
    variance: Decimal | None
    variance_value: Decimal | None


class CountOut(msgspec.Struct, kw_only=True):
    id: int
    branch_id: int
    state: str
    blind: bool
    note: str
    created_at: dt.datetime
    approved_at: dt.datetime | None
    lines: list[CountLineOut]
    variance_value: Decimal | None


# ------------------------------------------------------------------ transfers


class TransferLineIn(Checked, forbid_unknown_fields=True, kw_only=True):
    product_id: Id
    qty: Qty


class TransferIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    from_branch_id: Id
    to_branch_id: Id
    lines: Annotated[list[TransferLineIn], msgspec.Meta(min_length=1, max_length=500)]
    note: Note = ""


class TransferReceiveLineIn(Checked, forbid_unknown_fields=True, kw_only=True):
    product_id: Id
    qty: StockQty


class TransferReceiveIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Left out: everything dispatched arrived.
    lines: Annotated[list[TransferReceiveLineIn], msgspec.Meta(max_length=500)] | None = None


class TransferLineOut(msgspec.Struct, kw_only=True):
    product_id: int
    name: str
    qty: Decimal
    unit_cost: Decimal
    qty_received: Decimal | None


class TransferOut(msgspec.Struct, kw_only=True):
    id: int
    from_branch_id: int
    to_branch_id: int
    state: str
    note: str
    dispatched_at: dt.datetime
    received_at: dt.datetime | None
    lines: list[TransferLineOut]

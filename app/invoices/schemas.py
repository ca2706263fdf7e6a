"""Request and response bodies of the invoice API and the `invoice.issued` event. Money travels as strings."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

BuyerText = Annotated[str, msgspec.Meta(max_length=200)]


class InvoiceLineOut(msgspec.Struct, kw_only=True):
    line_no: int
    # A bundle's component names its bundle's line (printed indented under it).
    parent_line_no: int | None
    name: str
    qty: str
    unit: str
    unit_price: str
    tax_rate: str
    discount: str
    discount_reason: str | None
    line_subtotal: str
    line_tax: str
    line_total: str
    # Menu depth: the modifiers as printed ("+ Bacon 12.00") and the product's allergen codes.
    modifiers: list[str] = []
    allergens: list[str] = []


class TaxRateOut(msgspec.Struct, kw_only=True):
    rate: str
    taxable: str
    tax: str


class InvoiceOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    amends_id: uuid.UUID | None
    amendment_reason: str | None
    order_id: uuid.UUID
    branch_id: int
    customer_id: int | None
    series: str
    fiscal_year: int
    number: int
    number_text: str
    issue_date: dt.date
    issued_at: dt.datetime
    seller_name: str
    seller_address: str
    seller_tax_number: str | None
    buyer_name: str | None
    buyer_company_name: str | None
    buyer_tax_number: str | None
    buyer_address: str | None
    currency: str
    prices_include_tax: bool
    subtotal: Decimal
    discount: Decimal
    tax_total: Decimal
    delivery_charge: Decimal
    total: Decimal
    lines: list[InvoiceLineOut]
    tax_breakdown: list[TaxRateOut]
    # Amendments of this invoice (originals only), oldest first.
    amendments: list[uuid.UUID] = []


class InvoiceList(msgspec.Struct, kw_only=True):
    items: list[InvoiceOut]


class AmendmentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    # Leave out what stays; an empty string clears it.
    buyer_company_name: BuyerText | None = None
    buyer_tax_number: Annotated[str, msgspec.Meta(max_length=50)] | None = None
    # Optional client id: a retried request returns the amendment it made instead of a 422 or a second one.
    id: uuid.UUID | None = None


class StatementEntry(msgspec.Struct, kw_only=True):
    at: dt.datetime
    # invoice | payment | refund
    kind: str
    branch_id: int
    order_id: uuid.UUID
    reference: str
    # invoice: `invoice`; payment and refund: the payment method.
    method: str | None
    # Invoices and payments positive, refunds negative.
    amount: Decimal
    # What this entry adds to (+) or takes off (-) the customer's account.
    account_change: Decimal
    balance: Decimal
    status: str | None = None


class StatementTotals(msgspec.Struct, kw_only=True):
    invoiced: Decimal
    paid: Decimal
    refunded: Decimal
    on_account_charged: Decimal
    on_account_refunded: Decimal


class StatementOut(msgspec.Struct, kw_only=True):
    customer_id: int
    customer_name: str
    date_from: dt.date | None = msgspec.field(name="from")
    date_to: dt.date | None = msgspec.field(name="to")
    credit_limit: Decimal
    # On account before `from` and at the end of the period.
    opening_balance: Decimal
    closing_balance: Decimal
    entries: list[StatementEntry]
    totals: StatementTotals

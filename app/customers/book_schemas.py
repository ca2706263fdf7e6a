"""The back office's customer book: the list row with balance and last order, a customer's whole record, the
edit body, duplicates and merges."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from app.customers.schemas import AddressOut, CustomerCreate, PhoneOut
from app.lib.fields import Checked, EditedAmount
from app.lib.params import MAX_ID

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]


class CustomerEdit(CustomerCreate, Checked, forbid_unknown_fields=True, kw_only=True):
    """The whole record: phones and addresses replace the previous ones."""

    credit_limit: EditedAmount = Decimal(0)
    note: Note = ""

    def __post_init__(self) -> None:
        CustomerCreate.__post_init__(self)
        Checked.__post_init__(self)


class CustomerRow(msgspec.Struct, kw_only=True):
    id: int
    name: str
    company_name: str | None
    phone: str | None
    home_branch_id: int | None
    # What they owe on account (on_account charges minus their refunds), all branches together.
    balance: Decimal
    credit_limit: Decimal
    orders: int
    last_order_at: dt.datetime | None


class CustomerRows(msgspec.Struct, kw_only=True):
    items: list[CustomerRow]
    page: int
    page_size: int
    total: int


class OrderBrief(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    branch_id: int
    token: int | None
    channel: str
    state: str
    total: Decimal
    created_at: dt.datetime


class CustomerRecord(msgspec.Struct, kw_only=True):
    id: int
    name: str
    company_name: str | None
    tax_number: str | None
    email: str | None
    note: str
    credit_limit: Decimal
    balance: Decimal
    home_branch_id: int | None
    phones: list[PhoneOut]
    addresses: list[AddressOut]
    orders: int
    last_orders: list[OrderBrief]
    # The statement endpoint (JSON; `?from=&to=` for a period).
    statement_url: str
    created_at: dt.datetime


class DuplicateGroup(msgspec.Struct, kw_only=True):
    """Customers whose numbers are one number once read the international way."""

    phone: str
    customers: list[CustomerRow]


class MergeIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Fold customer `source_id` into the customer of the URL: its orders, invoices, payments, phones,
    addresses and negotiated prices move over, and the source is gone."""

    source_id: Id


class DeleteOut(msgspec.Struct, kw_only=True):
    id: int
    # `deleted`: nothing referred to them; `anonymised`: kept, without any personal detail, for their
    # orders and invoices.
    outcome: str

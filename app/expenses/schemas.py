"""Bodies of the petty cash API. Money travels as strings; a receipt photo as base64 in the JSON (one
request, so an expense and its photo are saved together or not at all)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from app.db.models.inventory import EXPENSE_CATEGORIES
from app.payments.schemas import MoneyIn

MAX_PHOTO_BYTES = 2 * 1024 * 1024


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    content_type: Annotated[str, msgspec.Meta(max_length=64)]
    # base64 in JSON; bounded a little above the 2 MB the service allows so it can name the problem.
    data: Annotated[bytes, msgspec.Meta(max_length=MAX_PHOTO_BYTES + 1024)]


class ExpenseIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: uuid.UUID  # made by the till, so a retried request records it once
    shift_id: uuid.UUID
    category: Annotated[str, msgspec.Meta(max_length=40)]
    amount: MoneyIn
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    receipt: ReceiptIn | None = None


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    approve: bool
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class LimitIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    expense_limit: MoneyIn


class LimitOut(msgspec.Struct, kw_only=True):
    branch_id: int
    expense_limit: Decimal
    categories: list[str]


class ExpenseOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    branch_id: int
    shift_id: uuid.UUID
    category: str
    amount: Decimal
    note: str
    state: str  # pending | approved | rejected
    has_receipt: bool
    created_by: int | None
    created_by_name: str | None
    created_at: dt.datetime
    decided_by: int | None
    decided_at: dt.datetime | None
    decision_note: str


class ExpensePage(msgspec.Struct, kw_only=True):
    items: list[ExpenseOut]
    total_approved: Decimal
    total_pending: Decimal


CATEGORIES = list(EXPENSE_CATEGORIES)

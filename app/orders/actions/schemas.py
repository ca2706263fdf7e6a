"""Request and response bodies of the card actions (cancel, transfer)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from app.orders.schemas import OrderOut

Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Version = Annotated[int, msgspec.Meta(ge=0)]
BranchId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]
# Checked by the payments part (422 naming the field), so it arrives as text or a plain number.
AmountIn = Annotated[str, msgspec.Meta(max_length=32)] | int | float


class CancelIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason
    # Needed when money was taken (paid or partially paid): true = give it back, false = keep it.
    refund: bool | None = None
    # With refund: true, how much goes back (default: everything taken); above what was paid is a 422.
    refund_amount: AmountIn | None = None
    expected_version: Version | None = None


class CancelRefund(msgspec.Struct, kw_only=True):
    """One payment's money given back by a cancel (or a refund of a cancelled order), or the attempt that
    failed (a gateway refusing): the order is cancelled either way, and a failed refund can be repeated."""

    payment_id: uuid.UUID
    method: str
    amount: Decimal
    status: Literal["refunded", "failed"]
    refund_id: uuid.UUID | None = None
    shift_id: uuid.UUID | None = None  # the drawer a cash refund was paid from
    detail: str | None = None


class CancelOut(msgspec.Struct, kw_only=True):
    order_id: uuid.UUID
    from_state: str = msgspec.field(name="from")
    state: str
    version: int
    event_id: str
    payment_status: str
    # None when nothing was paid: there was nothing to decide.
    refund: bool | None
    # The `order.updated` that carries the refund decision or the transfer link, when there is one.
    decision_event_id: str | None = None
    # refund: true — what went back, per payment, and its total.
    refunded: Decimal | None = None
    refunds: list[CancelRefund] = msgspec.field(default_factory=list)


class TransferIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    branch_id: BranchId
    expected_version: Version | None = None


class TransferOut(msgspec.Struct, kw_only=True):
    order_id: uuid.UUID  # the original, now cancelled in its branch
    new_order_id: uuid.UUID  # the copy in the target branch
    branch_id: int  # the target branch
    token: int | None  # the copy's queue token in the target branch (token channels only)
    cancelled: CancelOut
    order: OrderOut

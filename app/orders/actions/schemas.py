"""Request and response bodies of the card actions (cancel, transfer)."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from app.orders.schemas import OrderOut

Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Version = Annotated[int, msgspec.Meta(ge=0)]
BranchId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]


class CancelIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason
    # Needed when money was taken (paid or partially paid): true = give it back, false = keep it.
    refund: bool | None = None
    expected_version: Version | None = None


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

"""POS profile bodies. A profile's payment methods are the tenders its till offers."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

PositiveId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]
ProfileCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]*$", min_length=1, max_length=40)]
ProfileName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
TillMethod = Literal["cash", "card", "wallet", "bank_transfer", "on_account"]
TillMethods = Annotated[list[TillMethod], msgspec.Meta(min_length=1, max_length=5)]
StartPriceList = Literal["counter", "wholesale"]
# A cart line over this quantity / a sale over this total asks the cashier to confirm; None: never.
# Decimal text ("20", "500.00"), checked by the service (422 naming the field).
Threshold = Annotated[str, msgspec.Meta(max_length=20)]


class ProfileCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    branch_id: PositiveId
    code: ProfileCode
    name: ProfileName
    require_shift: bool = True
    payment_methods: TillMethods = msgspec.field(
        default_factory=lambda: ["cash", "card", "wallet", "bank_transfer", "on_account"]
    )
    default_price_list: StartPriceList = "counter"
    active: bool = True
    confirm_line_qty: Threshold | None = "20"
    confirm_order_total: Threshold | None = None


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields given change."""

    name: ProfileName | msgspec.UnsetType = msgspec.UNSET
    require_shift: bool | msgspec.UnsetType = msgspec.UNSET
    payment_methods: TillMethods | msgspec.UnsetType = msgspec.UNSET
    default_price_list: StartPriceList | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    # null turns the check off.
    confirm_line_qty: Threshold | msgspec.UnsetType | None = msgspec.UNSET
    confirm_order_total: Threshold | msgspec.UnsetType | None = msgspec.UNSET


class ProfileOut(msgspec.Struct, kw_only=True):
    id: int
    branch_id: int
    code: str
    name: str
    require_shift: bool
    payment_methods: list[str]
    default_price_list: str
    active: bool
    # Decimal strings; None: the till never asks.
    confirm_line_qty: str | None = None
    confirm_order_total: str | None = None

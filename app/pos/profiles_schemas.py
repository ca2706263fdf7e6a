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


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields given change."""

    name: ProfileName | msgspec.UnsetType = msgspec.UNSET
    require_shift: bool | msgspec.UnsetType = msgspec.UNSET
    payment_methods: TillMethods | msgspec.UnsetType = msgspec.UNSET
    default_price_list: StartPriceList | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class ProfileOut(msgspec.Struct, kw_only=True):
    id: int
    branch_id: int
    code: str
    name: str
    require_shift: bool
    payment_methods: list[str]
    default_price_list: str
    active: bool

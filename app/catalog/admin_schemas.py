"""Bodies of the catalog's manager endpoints: a bundle's groups and items, a branch's stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from app.lib.fields import Checked, Money, Qty, StockDelta, StockQty

PositiveId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]
Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=40)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class BundleItemIn(Checked, forbid_unknown_fields=True, kw_only=True):
    product_id: PositiveId
    unit: Annotated[str, msgspec.Meta(min_length=1, max_length=20)] | None = None
    qty: Qty = Decimal(1)
    extra_price: Money = Decimal(0)


class BundleGroupIn(Checked, forbid_unknown_fields=True, kw_only=True):
    code: Code
    name: Name
    kind: Literal["fixed", "choice"]
    # How many items a `choice` group asks for; a `fixed` group puts all of its items in.
    choose: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1
    items: Annotated[list[BundleItemIn], msgspec.Meta(min_length=1, max_length=50)]


class BundleIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """The whole definition, replacing the previous one; no groups turns the product back into an item."""

    groups: Annotated[list[BundleGroupIn], msgspec.Meta(max_length=20)]


class BundleOut(msgspec.Struct, kw_only=True):
    product_id: int
    kind: str
    groups: list[BundleGroupIn]


class StockSet(Checked, forbid_unknown_fields=True, kw_only=True):
    qty: StockQty
    reason: Reason = "count"


class StockAdjust(Checked, forbid_unknown_fields=True, kw_only=True):
    delta: StockDelta
    reason: Reason


class StockOut(msgspec.Struct, kw_only=True):
    branch_id: int
    product_id: int
    stock_tracked: bool
    # In the product's base unit.
    qty: Decimal

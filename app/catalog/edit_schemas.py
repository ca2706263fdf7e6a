"""Bodies and answers of the menu editor: categories, products with their units and prices, bulk price edits.

Shapes only; the rules that need the database or the branches' currencies (a price's decimals, a duplicate
barcode) are the editor's (app/catalog/editing.py), so one place answers 409 and 422 with the field named.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from app.lib.fields import Checked, EditedAmount, Qty

PositiveId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]
CategoryCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=40)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Color = Annotated[str, msgspec.Meta(pattern=r"^(#[0-9a-f]{6})?$")]
Sku = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", min_length=1, max_length=40)]
Barcode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._-]{3,48}$")]
UnitCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=20)]
StationCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=40)]
Description = Annotated[str, msgspec.Meta(max_length=1000)]
SortOrder = Annotated[int, msgspec.Meta(ge=0, le=100_000)]


class CategoryIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: CategoryCode
    name: Name
    color: Color = ""
    sort_order: SortOrder | None = None


class CategoryPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name | None = None
    color: Color | None = None
    sort_order: SortOrder | None = None


class CategoryOrder(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every category id, in the order the tills show them."""

    ids: Annotated[list[PositiveId], msgspec.Meta(min_length=1, max_length=500)]


class AdminCategoryOut(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    color: str
    sort_order: int
    products: int


class UnitIn(Checked, forbid_unknown_fields=True, kw_only=True):
    unit: UnitCode
    # Base units in one of this unit: 6 for a six-pack of a piece product; the base unit itself is 1.
    factor: Qty
    barcode: Barcode | None = None


class PriceIn(Checked, forbid_unknown_fields=True, kw_only=True):
    price_list: str
    unit: UnitCode
    price: EditedAmount
    # None: every branch; a branch id: that branch's own price, which wins over the all-branch one.
    branch_id: PositiveId | None = None


class ProductIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """A whole product: units and prices replace the previous ones."""

    sku: Sku
    name: Name
    category_id: PositiveId
    base_unit: Literal["piece", "kg", "package"]
    # The base unit's barcode.
    barcode: Barcode | None = None
    tax_rate: EditedAmount
    station_code: StationCode
    active: bool = True
    stock_tracked: bool = False
    description: Description = ""
    # Units other than the base unit (which is always there, factor 1); a base-unit row here is accepted
    # when its factor is 1.
    units: Annotated[list[UnitIn], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    prices: Annotated[list[PriceIn], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)


class AdminUnitOut(msgspec.Struct, kw_only=True):
    unit: str
    factor: Qty
    barcode: str | None


class AdminPriceOut(msgspec.Struct, kw_only=True):
    price_list: str
    unit: str
    price: Decimal
    branch_id: int | None


class AdminProductOut(msgspec.Struct, kw_only=True):
    id: int
    sku: str
    name: str
    category_id: int
    base_unit: str
    barcode: str | None
    tax_rate: EditedAmount
    station_code: str
    active: bool
    stock_tracked: bool
    kind: str
    description: str
    units: list[AdminUnitOut]
    prices: list[AdminPriceOut]
    image_url: str | None


class AdminProductPage(msgspec.Struct, kw_only=True):
    items: list[AdminProductOut]
    page: int
    page_size: int
    total: int


class BulkPriceIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """Change the prices of some products at once: `percent` adds value % (negative lowers), `fixed` adds
    value in money. Without `apply` nothing is written: the answer is the preview."""

    mode: Literal["percent", "fixed"]
    value: EditedAmount
    product_ids: Annotated[list[PositiveId], msgspec.Meta(max_length=5000)] | None = None
    category_id: PositiveId | None = None
    price_list: str | None = None
    unit: UnitCode | None = None
    apply: bool = False


class BulkPriceRow(msgspec.Struct, kw_only=True):
    product_id: int
    sku: str
    name: str
    price_list: str
    unit: str
    branch_id: int | None
    before: Decimal
    after: Decimal


class BulkPriceOut(msgspec.Struct, kw_only=True):
    applied: bool
    rows: list[BulkPriceRow]


class DeleteRefused(msgspec.Struct, kw_only=True):
    reason: str

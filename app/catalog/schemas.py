"""What the catalog endpoints answer. Decimals go out as JSON strings (msgspec's default), never floats."""

from __future__ import annotations

from decimal import Decimal

import msgspec


class CategoryRef(msgspec.Struct, kw_only=True):
    code: str
    name: str


class UnitOut(msgspec.Struct, kw_only=True):
    unit: str
    # Base units in one of this unit: "6.000" for a six-pack of a piece product.
    factor: Decimal
    barcode: str | None


class PriceOut(msgspec.Struct, kw_only=True):
    price_list: str
    unit: str
    price: Decimal


class ProductOut(msgspec.Struct, kw_only=True):
    id: int
    sku: str
    barcode: str | None
    name: str
    category: CategoryRef
    base_unit: str
    tax_rate: Decimal
    station_code: str
    stock_tracked: bool
    units: list[UnitOut]
    # Resolved for the requested branch: a branch's own row wins over the all-branches row.
    prices: list[PriceOut]
    # Set on a barcode search: the unit whose barcode was scanned (the base unit for the product barcode).
    matched_unit: str | None = None


class ProductPage(msgspec.Struct, kw_only=True):
    items: list[ProductOut]
    page: int
    page_size: int
    total: int


class CategoryOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int
    code: str
    name: str
    sort_order: int
    # The tile colour the back office gave it ("#1f7a4d"); empty for the till's default.
    color: str = ""


class StationOut(msgspec.Struct, kw_only=True):
    id: int
    branch_id: int
    code: str
    name: str
    warn_after_seconds: int
    late_after_seconds: int


class TerritoryOut(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    delivery_charge: Decimal
    courier_fee: Decimal
    active: bool


class CourierOut(msgspec.Struct, kw_only=True):
    id: int
    branch_id: int
    name: str
    phone: str
    vehicle: str
    active: bool
    user_id: int | None

"""The POS catalog document: one JSON document a till caches and sells from, offline included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec

from app.catalog.schemas import CategoryOut, PriceOut, TerritoryOut, UnitOut
from app.menu.pos_view import AllergenName, PosModifierGroup
from app.pos.profiles_schemas import ProfileOut


class PosBranch(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    timezone: str
    currency: str
    currency_exponent: int
    prices_include_tax: bool
    # Cash totals round half-up to a multiple of this (0 = none).
    cash_rounding: Decimal


class Barcode(msgspec.Struct, kw_only=True):
    code: str
    unit: str


class BundleItemOut(msgspec.Struct, kw_only=True):
    product_id: int
    name: str
    unit: str
    qty: Decimal
    extra_price: Decimal
    station_code: str


class BundleGroupOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    kind: str  # fixed | choice
    choose: int
    items: list[BundleItemOut]


class PosProduct(msgspec.Struct, kw_only=True):
    id: int
    sku: str
    name: str
    kind: str  # item | bundle
    category: str
    base_unit: str
    # Every code a scanner may read: the product's own (base unit) and each unit's.
    barcodes: list[Barcode]
    units: list[UnitOut]
    # Effective at this branch: the branch's own row already beats the all-branches row.
    prices: list[PriceOut]
    tax_rate: Decimal
    station_code: str
    stock_tracked: bool
    # On hand in the base unit when the document was built (stock-tracked products only; 0 if never
    # counted). The server checks again on every sale.
    stock: Decimal | None
    bundle_groups: list[BundleGroupOut]
    # Menu depth: modifier groups (priced in the branch's currency), allergen codes, and whether the
    # product is 86'd here right now (the till greys it out; the server refuses it).
    modifier_groups: list[PosModifierGroup] = msgspec.field(default_factory=list)
    allergens: list[str] = msgspec.field(default_factory=list)
    available: bool = True
    back_at: dt.datetime | None = None
    # The picture uploaded in /admin (served locally under a URL that changes with it); None: no picture.
    image_url: str | None = None


class PosCatalogOut(msgspec.Struct, kw_only=True):
    # The catalog epoch: when it changes, the till (and its service worker) fetch the document again.
    catalog_version: str
    branch: PosBranch
    profile: ProfileOut | None
    categories: list[CategoryOut]
    products: list[PosProduct]
    territories: list[TerritoryOut]
    # The allergen codes' names (menu depth).
    allergen_names: list[AllergenName] = msgspec.field(default_factory=list)

"""Catalog: categories, products, their selling units and price lists.

Every product has a `product_units` row for its base unit (factor 1) as well as for any other unit it is
sold in, and prices reference (product, unit) pairs through a composite foreign key, so a price can never
name a unit the product does not have.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, Money, Quantity, Rate, created_at_column
from app.db.models._columns import fk_column, id_column, one_of

BASE_UNITS = ("piece", "kg", "package")
PRODUCT_KINDS = ("item", "bundle")
BUNDLE_GROUP_KINDS = ("fixed", "choice")
PRICE_LISTS = ("counter", "wholesale")
STATION_CODE_CHECK = "station_code ~ '^[a-z][a-z0-9_]*$'"
UNIT_CODE_CHECK = "unit ~ '^[a-z][a-z0-9_]*$'"
COLOR_CHECK = "color = '' OR color ~ '^#[0-9a-f]{6}$'"


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The tile colour on the tills ("#1f7a4d"); empty for the screen's default.
    color: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (CheckConstraint(COLOR_CHECK, name="color_format"),)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(one_of("base_unit", BASE_UNITS), name="base_unit_known"),
        CheckConstraint("tax_rate >= 0 AND tax_rate < 100", name="tax_rate_range"),
        CheckConstraint(STATION_CODE_CHECK, name="station_code_format"),
        CheckConstraint("sku <> ''", name="sku_not_empty"),
        CheckConstraint(one_of("kind", PRODUCT_KINDS), name="kind_known"),
    )

    id: Mapped[int] = id_column()
    sku: Mapped[str] = mapped_column(Text, unique=True)
    # The base unit's barcode; other units carry their own in product_units.
    barcode: Mapped[str | None] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = fk_column("categories.id", ondelete="RESTRICT", index=True)
    base_unit: Mapped[str] = mapped_column(Text)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    # The *kind* of station that prepares it; each branch routes it to its station with this code.
    station_code: Mapped[str] = mapped_column(Text)
    stock_tracked: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # A bundle (combo meal) is sold at its own price and made of the items in its bundle groups.
    kind: Mapped[str] = mapped_column(Text, server_default="item")
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    description: Mapped[str] = mapped_column(Text, server_default="")

    units: Mapped[list[ProductUnit]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )


class ProductUnit(Base):
    __tablename__ = "product_units"
    __table_args__ = (
        UniqueConstraint("product_id", "unit"),
        CheckConstraint("factor > 0", name="factor_positive"),
        CheckConstraint(UNIT_CODE_CHECK, name="unit_format"),
    )

    id: Mapped[int] = id_column()
    product_id: Mapped[int] = fk_column("products.id", ondelete="CASCADE")
    unit: Mapped[str] = mapped_column(Text)
    # How many base units one of this unit is: 12 for a case of 12 pieces, 0.250 for a 250 g tub of a kg item.
    factor: Mapped[Decimal] = mapped_column(Quantity)
    barcode: Mapped[str | None] = mapped_column(Text, unique=True)


class ProductPrice(Base):
    """A price per (product, price list, unit), either for every branch (`branch_id` NULL) or overriding
    that for one branch.

    Uniqueness treats NULL branch ids as equal (NULLS NOT DISTINCT, PostgreSQL 15+), so there is at most one
    all-branch price per (product, list, unit) and `ON CONFLICT` works against the constraint directly.
    """

    __tablename__ = "product_prices"
    __table_args__ = (
        UniqueConstraint("product_id", "price_list", "unit", "branch_id", postgresql_nulls_not_distinct=True),
        ForeignKeyConstraint(
            ["product_id", "unit"],
            ["product_units.product_id", "product_units.unit"],
            ondelete="CASCADE",
            # Lets a unit be renamed without dropping its prices first.
            onupdate="CASCADE",
        ),
        CheckConstraint(one_of("price_list", PRICE_LISTS), name="price_list_known"),
        CheckConstraint("price >= 0", name="price_non_negative"),
    )

    id: Mapped[int] = id_column()
    product_id: Mapped[int] = mapped_column(BigInteger)
    price_list: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Money)
    branch_id: Mapped[int | None] = fk_column("branches.id", ondelete="CASCADE", nullable=True, index=True)


class CustomerPrice(Base):
    """A negotiated rate for one customer; it wins over the price lists when the order names the customer."""

    __tablename__ = "customer_prices"
    __table_args__ = (
        ForeignKeyConstraint(
            ["product_id", "unit"],
            ["product_units.product_id", "product_units.unit"],
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        CheckConstraint("price >= 0", name="price_non_negative"),
    )

    customer_id: Mapped[int] = fk_column("customers.id", ondelete="CASCADE", primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    unit: Mapped[str] = mapped_column(Text, primary_key=True)
    price: Mapped[Decimal] = mapped_column(Money)


class BundleGroup(Base):
    """One part of a bundle: `fixed` groups put all their items in every bundle sold; `choice` groups
    ask the cashier to pick `choose` of their items ('pick a drink')."""

    __tablename__ = "bundle_groups"
    __table_args__ = (
        CheckConstraint(one_of("kind", BUNDLE_GROUP_KINDS), name="kind_known"),
        CheckConstraint("choose >= 1", name="choose_positive"),
        UniqueConstraint("bundle_id", "code"),
    )

    id: Mapped[int] = id_column()
    bundle_id: Mapped[int] = fk_column("products.id", ondelete="CASCADE", index=True)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    choose: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class BundleItem(Base):
    __tablename__ = "bundle_items"
    __table_args__ = (
        UniqueConstraint("group_id", "product_id", "unit"),
        ForeignKeyConstraint(
            ["product_id", "unit"],
            ["product_units.product_id", "product_units.unit"],
            ondelete="RESTRICT",
            onupdate="CASCADE",
        ),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("extra_price >= 0", name="extra_price_non_negative"),
    )

    id: Mapped[int] = id_column()
    group_id: Mapped[int] = fk_column("bundle_groups.id", ondelete="CASCADE", index=True)
    product_id: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(Text)
    qty: Mapped[Decimal] = mapped_column(Quantity, server_default=text("1"))
    # What choosing this item adds to the bundle price (a large drink instead of a regular one).
    extra_price: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ProductStock(Base):
    """Stock on hand of a stock-tracked product in one branch, in the product's base unit. A sale takes
    it down in the order's own transaction with a guarded UPDATE, so two tills cannot both sell the last
    one; the CHECK is the backstop."""

    __tablename__ = "product_stock"
    __table_args__ = (CheckConstraint("qty >= 0", name="qty_non_negative"),)

    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", primary_key=True)
    product_id: Mapped[int] = fk_column("products.id", ondelete="CASCADE", primary_key=True, index=True)
    qty: Mapped[Decimal] = mapped_column(Quantity)
    # Inventory (app/inventory): the moving average cost of what is on hand, and when to buy more.
    avg_cost: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    reorder_point: Mapped[Decimal | None] = mapped_column(Quantity)
    par_level: Mapped[Decimal | None] = mapped_column(Quantity)


class ProductImage(Base):
    """A product's picture, re-encoded on upload (WebP, at most 800 px a side, no metadata) and kept in
    PostgreSQL: every web process serves it without a shared disk, and a backup of the database has it."""

    __tablename__ = "product_images"

    product_id: Mapped[int] = fk_column("products.id", ondelete="CASCADE", primary_key=True)
    content_type: Mapped[str] = mapped_column(Text)
    # Part of the image's URL, so a new picture is a new URL and the old one can be cached forever.
    digest: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = created_at_column()

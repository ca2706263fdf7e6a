"""Menu depth: modifier groups and options, allergens, what is 86'd, prep times and kitchen pacing.

Modifier groups are shared (one "Toppings" group on every pizza) and attached to products through
`product_modifier_groups`; an option's price delta is charged on top of the product's unit price and
taxed at the product's rate. The 86 list is per branch: a station runs out of something, not the chain.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, Money, created_at_column
from app.db.models._columns import fk_column, id_column, one_of

# The 14 allergens EU Regulation 1169/2011 (Annex II) requires a food business to declare.
EU_ALLERGENS: tuple[tuple[str, str], ...] = (
    ("gluten", "Cereals containing gluten"),
    ("crustaceans", "Crustaceans"),
    ("eggs", "Eggs"),
    ("fish", "Fish"),
    ("peanuts", "Peanuts"),
    ("soybeans", "Soybeans"),
    ("milk", "Milk"),
    ("nuts", "Tree nuts"),
    ("celery", "Celery"),
    ("mustard", "Mustard"),
    ("sesame", "Sesame seeds"),
    ("sulphites", "Sulphur dioxide and sulphites"),
    ("lupin", "Lupin"),
    ("molluscs", "Molluscs"),
)
MODIFIER_KINDS = ("add", "remove")
UNAVAILABLE_SOURCES = ("admin", "kds", "stock")
PAUSABLE_CHANNELS = ("counter", "pickup", "dine_in", "delivery", "partner")


class Allergen(Base):
    __tablename__ = "allergens"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ProductAllergen(Base):
    __tablename__ = "product_allergens"

    product_id: Mapped[int] = fk_column("products.id", ondelete="CASCADE", primary_key=True)
    allergen_code: Mapped[str] = mapped_column(
        Text, ForeignKey("allergens.code", ondelete="RESTRICT"), primary_key=True
    )


class ModifierGroup(Base):
    """A choice asked about a product: between `min_choices` and `max_choices` options; a group with
    `min_choices` > 0 is required. The first `free_choices` picks cost nothing (the cheapest ones)."""

    __tablename__ = "modifier_groups"
    __table_args__ = (
        CheckConstraint("code ~ '^[a-z][a-z0-9_]*$'", name="code_format"),
        CheckConstraint("min_choices >= 0", name="min_non_negative"),
        CheckConstraint("max_choices >= 1 AND max_choices >= min_choices", name="max_range"),
        CheckConstraint("free_choices >= 0", name="free_non_negative"),
    )

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    min_choices: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    max_choices: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    free_choices: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())


class ModifierOption(Base):
    __tablename__ = "modifier_options"
    __table_args__ = (
        UniqueConstraint("group_id", "code"),
        CheckConstraint("code ~ '^[a-z][a-z0-9_]*$'", name="code_format"),
        CheckConstraint(one_of("kind", MODIFIER_KINDS), name="kind_known"),
        CheckConstraint("price_delta >= 0", name="price_delta_non_negative"),
        CheckConstraint(
            "station_code IS NULL OR station_code ~ '^[a-z][a-z0-9_]*$'", name="station_code_format"
        ),
    )

    id: Mapped[int] = id_column()
    group_id: Mapped[int] = fk_column("modifier_groups.id", ondelete="CASCADE", index=True)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    # `add` prints "+ extra cheese", `remove` prints "- no onion" (an en dash on screen) for the cook.
    kind: Mapped[str] = mapped_column(Text, server_default="add")
    price_delta: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    # Made at another station than the product (a side of fries with a burger); NULL: the product's.
    station_code: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())


class ProductModifierGroup(Base):
    __tablename__ = "product_modifier_groups"

    product_id: Mapped[int] = fk_column("products.id", ondelete="CASCADE", primary_key=True)
    group_id: Mapped[int] = fk_column("modifier_groups.id", ondelete="CASCADE", primary_key=True, index=True)
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class MenuUnavailable(Base):
    """An item or a modifier option 86'd at one branch, until it is back (or until `back_at`, when the
    worker's cron brings it back)."""

    __tablename__ = "menu_unavailable"
    __table_args__ = (
        UniqueConstraint("branch_id", "product_id", "option_id", postgresql_nulls_not_distinct=True),
        CheckConstraint("(product_id IS NULL) <> (option_id IS NULL)", name="one_target"),
        CheckConstraint(one_of("source", UNAVAILABLE_SOURCES), name="source_known"),
    )

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", index=True)
    product_id: Mapped[int | None] = fk_column("products.id", ondelete="CASCADE", nullable=True)
    option_id: Mapped[int | None] = fk_column("modifier_options.id", ondelete="CASCADE", nullable=True)
    reason: Mapped[str] = mapped_column(Text, server_default="")
    source: Mapped[str] = mapped_column(Text, server_default="admin")
    back_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="SET NULL", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class ProductPrepTime(Base):
    """How long one of the product takes at a station (the product's own station, or the station of a
    modifier it often carries)."""

    __tablename__ = "product_prep_times"
    __table_args__ = (
        CheckConstraint("seconds > 0 AND seconds <= 86400", name="seconds_range"),
        CheckConstraint("station_code ~ '^[a-z][a-z0-9_]*$'", name="station_code_format"),
    )

    product_id: Mapped[int] = fk_column("products.id", ondelete="CASCADE", primary_key=True)
    station_code: Mapped[str] = mapped_column(Text, primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer)


class StationPacing(Base):
    """What a branch's station can take: items per 15 minutes (pacing of partner and scheduled orders),
    and how many cooks work its queue at once (the ready-time quote)."""

    __tablename__ = "station_pacing"
    __table_args__ = (
        CheckConstraint("items_per_15min > 0", name="capacity_positive"),
        CheckConstraint("cooks > 0", name="cooks_positive"),
        CheckConstraint("station_code ~ '^[a-z][a-z0-9_]*$'", name="station_code_format"),
    )

    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", primary_key=True)
    station_code: Mapped[str] = mapped_column(Text, primary_key=True)
    items_per_15min: Mapped[int] = mapped_column(Integer)
    cooks: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class ChannelPause(Base):
    """Busy mode: a channel of a branch takes no new orders until unpaused (or until `until`)."""

    __tablename__ = "channel_pauses"
    __table_args__ = (CheckConstraint(one_of("channel", PAUSABLE_CHANNELS), name="channel_known"),)

    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", primary_key=True)
    channel: Mapped[str] = mapped_column(Text, primary_key=True)
    reason: Mapped[str] = mapped_column(Text, server_default="")
    until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="SET NULL", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()

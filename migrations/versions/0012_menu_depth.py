"""Menu depth: modifier groups and options on products, the 14 EU allergens, the per-branch 86 list, prep
times per station, station pacing and channel pauses; order lines carry their modifiers and an allergy
flag, orders their quoted ready time.

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept here, not imported: a migration is a snapshot and must not change when the model module does.
_ALLERGENS = (
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
_CODE = "~ '^[a-z][a-z0-9_]*$'"
_MONEY = sa.Numeric(14, 4)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False)


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    allergens = op.create_table(
        "allergens",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_allergens")),
    )
    op.bulk_insert(
        allergens, [{"code": c, "name": n, "sort_order": i} for i, (c, n) in enumerate(_ALLERGENS, 1)]
    )
    op.create_table(
        "product_allergens",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("allergen_code", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_allergens_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["allergen_code"],
            ["allergens.code"],
            name=op.f("fk_product_allergens_allergen_code_allergens"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("product_id", "allergen_code", name=op.f("pk_product_allergens")),
    )
    op.create_table(
        "modifier_groups",
        _id(),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("min_choices", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("max_choices", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("free_choices", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint(f"code {_CODE}", name=op.f("ck_modifier_groups_code_format")),
        sa.CheckConstraint("min_choices >= 0", name=op.f("ck_modifier_groups_min_non_negative")),
        sa.CheckConstraint(
            "max_choices >= 1 AND max_choices >= min_choices", name=op.f("ck_modifier_groups_max_range")
        ),
        sa.CheckConstraint("free_choices >= 0", name=op.f("ck_modifier_groups_free_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modifier_groups")),
        sa.UniqueConstraint("code", name=op.f("uq_modifier_groups_code")),
    )
    op.create_table(
        "modifier_options",
        _id(),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), server_default="add", nullable=False),
        sa.Column("price_delta", _MONEY, server_default=sa.text("0"), nullable=False),
        sa.Column("station_code", sa.Text(), nullable=True),
        sa.Column("sort_order", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["modifier_groups.id"],
            name=op.f("fk_modifier_options_group_id_modifier_groups"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(f"code {_CODE}", name=op.f("ck_modifier_options_code_format")),
        sa.CheckConstraint("kind IN ('add', 'remove')", name=op.f("ck_modifier_options_kind_known")),
        sa.CheckConstraint("price_delta >= 0", name=op.f("ck_modifier_options_price_delta_non_negative")),
        sa.CheckConstraint(
            f"station_code IS NULL OR station_code {_CODE}",
            name=op.f("ck_modifier_options_station_code_format"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modifier_options")),
        sa.UniqueConstraint("group_id", "code", name=op.f("uq_modifier_options_group_id_code")),
    )
    op.create_index(op.f("ix_modifier_options_group_id"), "modifier_options", ["group_id"])
    op.create_table(
        "product_modifier_groups",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_modifier_groups_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["modifier_groups.id"],
            name=op.f("fk_product_modifier_groups_group_id_modifier_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "group_id", name=op.f("pk_product_modifier_groups")),
    )
    op.create_index(op.f("ix_product_modifier_groups_group_id"), "product_modifier_groups", ["group_id"])
    op.create_table(
        "menu_unavailable",
        _id(),
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=True),
        sa.Column("option_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), server_default="admin", nullable=False),
        sa.Column("back_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_menu_unavailable_branch_id_branches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_menu_unavailable_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["modifier_options.id"],
            name=op.f("fk_menu_unavailable_option_id_modifier_options"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_menu_unavailable_created_by_users"), ondelete="SET NULL"
        ),
        sa.CheckConstraint(
            "(product_id IS NULL) <> (option_id IS NULL)", name=op.f("ck_menu_unavailable_one_target")
        ),
        sa.CheckConstraint(
            "source IN ('admin', 'kds', 'stock')", name=op.f("ck_menu_unavailable_source_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_menu_unavailable")),
        sa.UniqueConstraint(
            "branch_id",
            "product_id",
            "option_id",
            name=op.f("uq_menu_unavailable_branch_id_product_id_option_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(op.f("ix_menu_unavailable_branch_id"), "menu_unavailable", ["branch_id"])
    op.create_table(
        "product_prep_times",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("station_code", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_prep_times_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "seconds > 0 AND seconds <= 86400", name=op.f("ck_product_prep_times_seconds_range")
        ),
        sa.CheckConstraint(f"station_code {_CODE}", name=op.f("ck_product_prep_times_station_code_format")),
        sa.PrimaryKeyConstraint("product_id", "station_code", name=op.f("pk_product_prep_times")),
    )
    op.create_table(
        "station_pacing",
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("station_code", sa.Text(), nullable=False),
        sa.Column("items_per_15min", sa.Integer(), nullable=False),
        sa.Column("cooks", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_station_pacing_branch_id_branches"), ondelete="CASCADE"
        ),
        sa.CheckConstraint("items_per_15min > 0", name=op.f("ck_station_pacing_capacity_positive")),
        sa.CheckConstraint("cooks > 0", name=op.f("ck_station_pacing_cooks_positive")),
        sa.CheckConstraint(f"station_code {_CODE}", name=op.f("ck_station_pacing_station_code_format")),
        sa.PrimaryKeyConstraint("branch_id", "station_code", name=op.f("pk_station_pacing")),
    )
    op.create_table(
        "channel_pauses",
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_channel_pauses_branch_id_branches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_channel_pauses_created_by_users"), ondelete="SET NULL"
        ),
        sa.CheckConstraint(
            "channel IN ('counter', 'pickup', 'dine_in', 'delivery', 'partner')",
            name=op.f("ck_channel_pauses_channel_known"),
        ),
        sa.PrimaryKeyConstraint("branch_id", "channel", name=op.f("pk_channel_pauses")),
    )
    op.add_column(
        "order_lines",
        sa.Column(
            "modifiers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column("order_lines", sa.Column("allergy", sa.Text(), nullable=True))
    op.add_column(
        "order_lines",
        sa.Column(
            "allergens",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column("orders", sa.Column("quoted_ready_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "quoted_ready_at")
    op.drop_column("order_lines", "allergens")
    op.drop_column("order_lines", "allergy")
    op.drop_column("order_lines", "modifiers")
    op.drop_table("channel_pauses")
    op.drop_table("station_pacing")
    op.drop_table("product_prep_times")
    op.drop_index(op.f("ix_menu_unavailable_branch_id"), table_name="menu_unavailable")
    op.drop_table("menu_unavailable")
    op.drop_index(op.f("ix_product_modifier_groups_group_id"), table_name="product_modifier_groups")
    op.drop_table("product_modifier_groups")
    op.drop_index(op.f("ix_modifier_options_group_id"), table_name="modifier_options")
    op.drop_table("modifier_options")
    op.drop_table("modifier_groups")
    op.drop_table("product_allergens")
    op.drop_table("allergens")

"""The back office: category colours, product pictures, a branch's country, customers that can be
anonymised and whose phone numbers are stored the international way (E.164), staff PINs and custom roles,
receipt header and footer per branch, and seller tax registrations that end (`valid_to`).

Phones already on file were stored as typed, separators stripped ("01005550002" and "+201005550002" were two
customers). Each is re-read with the country of the branches (a branch's country comes from its own phone
number); a number whose international form another customer already holds is left as it is, and the back
office lists the pair as duplicates to merge.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("categories", sa.Column("color", sa.Text(), server_default="", nullable=False))
    op.create_check_constraint(
        op.f("ck_categories_color_format"), "categories", "color = '' OR color ~ '^#[0-9a-f]{6}$'"
    )
    op.create_table(
        "product_images",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_images_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_images")),
    )
    op.add_column("branches", sa.Column("country", sa.Text(), nullable=True))
    op.create_check_constraint(op.f("ck_branches_country_iso3166"), "branches", "country ~ '^[A-Z]{2}$'")
    op.add_column("customers", sa.Column("home_branch_id", sa.BigInteger(), nullable=True))
    op.add_column("customers", sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(
        op.f("fk_customers_home_branch_id_branches"),
        "customers",
        "branches",
        ["home_branch_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_customers_home_branch_id"), "customers", ["home_branch_id"])
    op.add_column("users", sa.Column("pin_hash", sa.Text(), nullable=True))
    op.add_column("users", sa.Column("pin_failures", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("users", sa.Column("pin_locked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "custom_roles",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "permissions", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("name <> ''", name=op.f("ck_custom_roles_name_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_roles")),
        sa.UniqueConstraint("name", name=op.f("uq_custom_roles_name")),
    )
    op.create_table(
        "user_custom_roles",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["custom_roles.id"], name=op.f("fk_user_custom_roles_role_id_custom_roles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_custom_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_user_custom_roles")),
    )
    op.create_index(op.f("ix_user_custom_roles_role_id"), "user_custom_roles", ["role_id"])
    op.add_column("branches", sa.Column("receipt_header", sa.Text(), server_default="", nullable=False))
    op.add_column("branches", sa.Column("receipt_footer", sa.Text(), server_default="", nullable=False))
    op.add_column("branch_tax_numbers", sa.Column("valid_to", sa.Date(), nullable=True))
    op.create_check_constraint(
        op.f("ck_branch_tax_numbers_valid_range"), "branch_tax_numbers", "valid_to IS NULL OR valid_to >= valid_from"
    )
    _set_branch_countries()
    _normalise_phones()


def _set_branch_countries() -> None:
    bind = op.get_bind()
    for branch_id, phone in bind.execute(sa.text("SELECT id, phone FROM branches WHERE phone <> ''")):
        region = _region_of(phone)
        if region is not None:
            bind.execute(
                sa.text("UPDATE branches SET country = :c WHERE id = :id"), {"c": region, "id": branch_id}
            )


def _region_of(phone: str) -> str | None:
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    region: str | None = phonenumbers.region_code_for_number(parsed)
    return region if region and region != "ZZ" else None


def _normalise_phones() -> None:
    bind = op.get_bind()
    countries = [c for (c,) in bind.execute(sa.text("SELECT DISTINCT country FROM branches WHERE country IS NOT NULL"))]
    # A local number can only be read when every branch is in one country; otherwise it stays as typed.
    region = countries[0] if len(countries) == 1 else None
    rows = list(bind.execute(sa.text("SELECT id, phone FROM customer_phones ORDER BY id")))
    taken = {phone for _, phone in rows}
    for phone_id, phone in rows:
        try:
            parsed = phonenumbers.parse(phone, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(parsed):
            continue
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if e164 == phone or e164 in taken:
            continue
        bind.execute(sa.text("UPDATE customer_phones SET phone = :p WHERE id = :id"), {"p": e164, "id": phone_id})
        taken.discard(phone)
        taken.add(e164)


def downgrade() -> None:
    # Phones stay in their international form: it is a valid stored form for the previous release too.
    op.drop_constraint(op.f("ck_branch_tax_numbers_valid_range"), "branch_tax_numbers", type_="check")
    op.drop_column("branch_tax_numbers", "valid_to")
    op.drop_column("branches", "receipt_footer")
    op.drop_column("branches", "receipt_header")
    op.drop_index(op.f("ix_user_custom_roles_role_id"), table_name="user_custom_roles")
    op.drop_table("user_custom_roles")
    op.drop_table("custom_roles")
    op.drop_column("users", "pin_locked_at")
    op.drop_column("users", "pin_failures")
    op.drop_column("users", "pin_hash")
    op.drop_index(op.f("ix_customers_home_branch_id"), table_name="customers")
    op.drop_constraint(op.f("fk_customers_home_branch_id_branches"), "customers", type_="foreignkey")
    op.drop_column("customers", "anonymised_at")
    op.drop_column("customers", "home_branch_id")
    op.drop_constraint(op.f("ck_branches_country_iso3166"), "branches", type_="check")
    op.drop_column("branches", "country")
    op.drop_table("product_images")
    op.drop_constraint(op.f("ck_categories_color_format"), "categories", type_="check")
    op.drop_column("categories", "color")

"""Monthly rollups of the two widest daily rollups: `report_sales_monthly` (sales by month, local hour and
channel) and `report_product_monthly` (lines by month, product and tax rate). A year-long page by month or
with no time axis read ~160 k product rows; whole months now come from 12 rows per key. `roll_days` keeps
them from the daily rows in the same transaction; this migration fills them from the days already rolled.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(14, 4)
QTY = sa.Numeric(12, 3)


def _ints(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(n, sa.Integer(), nullable=False) for n in names]


def _money(*names: str) -> list[sa.Column[object]]:
    return [sa.Column(n, MONEY, nullable=False) for n in names]


_SALES_KEY = ("hour", "channel")
_SALES_FIGURES = (
    "orders", "cancelled", "cancelled_total", "items", "gross", "net", "tax", "discount", "delivery_charge",
)  # fmt: skip
_PRODUCT_KEY = ("product_id", "tax_rate")
_PRODUCT_FIGURES = ("orders", "qty", "net", "tax", "gross", "discount")


def _fill(monthly: str, daily: str, key: tuple[str, ...], figures: tuple[str, ...]) -> str:
    keys = ", ".join(key)
    sums = ", ".join(f"sum({f})" for f in figures)
    return (
        f"INSERT INTO {monthly} (branch_id, business_date, {keys}, {', '.join(figures)}) "  # noqa: S608
        f"SELECT branch_id, date_trunc('month', business_date)::date, {keys}, {sums} FROM {daily} "
        f"GROUP BY branch_id, date_trunc('month', business_date)::date, {keys}"
    )


def upgrade() -> None:
    op.create_table(
        "report_sales_monthly",
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        *_ints("orders", "cancelled"),
        *_money("cancelled_total"),
        sa.Column("items", QTY, nullable=False),
        *_money("gross", "net", "tax", "discount", "delivery_charge"),
        sa.PrimaryKeyConstraint(
            "branch_id", "business_date", "hour", "channel", name=op.f("pk_report_sales_monthly")
        ),
    )
    op.create_table(
        "report_product_monthly",
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate", sa.Numeric(5, 2), nullable=False),
        *_ints("orders"),
        sa.Column("qty", QTY, nullable=False),
        *_money("net", "tax", "gross", "discount"),
        sa.PrimaryKeyConstraint(
            "branch_id", "business_date", "product_id", "tax_rate", name=op.f("pk_report_product_monthly")
        ),
    )
    op.execute(_fill("report_sales_monthly", "report_sales_hourly", _SALES_KEY, _SALES_FIGURES))
    op.execute(_fill("report_product_monthly", "report_product_daily", _PRODUCT_KEY, _PRODUCT_FIGURES))


def downgrade() -> None:
    op.drop_table("report_product_monthly")
    op.drop_table("report_sales_monthly")

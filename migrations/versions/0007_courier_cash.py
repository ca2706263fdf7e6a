"""Courier cash: a delivery's tip, and short collections as courier transactions of their own.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "deliveries", sa.Column("tip", sa.Numeric(14, 4), server_default=sa.text("0"), nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_deliveries_tip_range"),
        "deliveries",
        "tip >= 0 AND (cash_collected IS NULL OR tip <= cash_collected)",
    )
    op.drop_constraint(op.f("ck_courier_transactions_kind_known"), "courier_transactions", type_="check")
    op.create_check_constraint(
        op.f("ck_courier_transactions_kind_known"),
        "courier_transactions",
        "kind IN ('collection', 'fee', 'shortfall')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_courier_transactions_kind_known"), "courier_transactions", type_="check")
    op.create_check_constraint(
        op.f("ck_courier_transactions_kind_known"), "courier_transactions", "kind IN ('collection', 'fee')"
    )
    op.drop_constraint(op.f("ck_deliveries_tip_range"), "deliveries", type_="check")
    op.drop_column("deliveries", "tip")

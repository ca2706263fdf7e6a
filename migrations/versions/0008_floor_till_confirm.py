"""A till's sanity thresholds: a cart line over this quantity, or a sale over this total, asks the cashier
to confirm (a finger that typed 100 for 10).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A line's quantity is currency-free, so every till gets a default; a sale's total depends on the
    # currency, so it is off (NULL) until a manager sets it for the till.
    op.add_column(
        "pos_profiles",
        sa.Column("confirm_line_qty", sa.Numeric(12, 3), nullable=True, server_default=sa.text("20")),
    )
    op.add_column("pos_profiles", sa.Column("confirm_order_total", sa.Numeric(14, 4), nullable=True))
    op.create_check_constraint(
        op.f("ck_pos_profiles_confirm_positive"),
        "pos_profiles",
        "(confirm_line_qty IS NULL OR confirm_line_qty > 0) AND "
        "(confirm_order_total IS NULL OR confirm_order_total > 0)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_pos_profiles_confirm_positive"), "pos_profiles", type_="check")
    op.drop_column("pos_profiles", "confirm_order_total")
    op.drop_column("pos_profiles", "confirm_line_qty")

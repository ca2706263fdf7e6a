"""Stock movements by branch and time: the inventory report reads a date range's movements (and those
after it, to value the stock at its end) without scanning the whole ledger.

Revision ID: 0017
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stock_moves_branch_created", "stock_moves", ["branch_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_stock_moves_branch_created", table_name="stock_moves")

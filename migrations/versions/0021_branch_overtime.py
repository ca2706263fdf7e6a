"""A branch's own overtime rule: the hours a day after which the labour report counts overtime (it was a
constant 8 h; labour law and contracts differ).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "branches",
        sa.Column("overtime_after_minutes", sa.SmallInteger(), server_default=sa.text("480"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_branches_overtime_after_minutes_range"), "branches", "overtime_after_minutes BETWEEN 60 AND 1440"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_branches_overtime_after_minutes_range"), "branches", type_="check")
    op.drop_column("branches", "overtime_after_minutes")

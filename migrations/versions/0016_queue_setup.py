"""The walk-in queue's services and counters, set up per branch in /admin/branches.

Every existing branch gets the three services its kiosk offered until now (same codes, so open tickets and
the counters' saved choices keep working).

Revision ID: 0016
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULTS = (
    ("general", "General enquiries", 0),
    ("collection", "Order collection", 1),
    ("returns", "Returns and refunds", 2),
)


def upgrade() -> None:
    op.create_table(
        "queue_services",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("average_seconds", sa.Integer(), nullable=True),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]*$'", name=op.f("ck_queue_services_code_format")),
        sa.CheckConstraint(
            "average_seconds IS NULL OR average_seconds BETWEEN 10 AND 86400",
            name=op.f("ck_queue_services_average_range"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_queue_services_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_services")),
        sa.UniqueConstraint("branch_id", "code", name=op.f("uq_queue_services_branch_id_code")),
    )
    op.create_index(op.f("ix_queue_services_branch_id"), "queue_services", ["branch_id"], unique=False)
    op.create_table(
        "queue_counters",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_queue_counters_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_counters")),
        sa.UniqueConstraint("branch_id", "name", name=op.f("uq_queue_counters_branch_id_name")),
    )
    op.create_index(op.f("ix_queue_counters_branch_id"), "queue_counters", ["branch_id"], unique=False)
    for code, name, order in DEFAULTS:
        op.execute(
            sa.text(
                "INSERT INTO queue_services (branch_id, code, name, sort_order) "
                "SELECT id, :code, :name, :sort_order FROM branches"
            ).bindparams(code=code, name=name, sort_order=order)
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_queue_counters_branch_id"), table_name="queue_counters")
    op.drop_table("queue_counters")
    op.drop_index(op.f("ix_queue_services_branch_id"), table_name="queue_services")
    op.drop_table("queue_services")

"""Hardening: bulk settlement requests kept in PostgreSQL (the repair cron finds one whose queued job Redis
lost), and an index on orders.created_at for the invoice repair's window.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_settlement_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("courier_ids", postgresql.ARRAY(sa.BigInteger()), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_bulk_settlement_requests_branch_id_branches"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_bulk_settlement_requests_requested_by_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_settlement_requests")),
    )
    op.create_index(
        op.f("ix_bulk_settlement_requests_branch_id"), "bulk_settlement_requests", ["branch_id"], unique=False
    )
    op.create_index("ix_orders_created_at", "orders", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_created_at", table_name="orders")
    op.drop_index(op.f("ix_bulk_settlement_requests_branch_id"), table_name="bulk_settlement_requests")
    op.drop_table("bulk_settlement_requests")

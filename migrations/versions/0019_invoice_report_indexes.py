"""Indexes the invoices and customers reports need at volume. At a year of a million invoices, "is this
invoice amended?" read the whole invoices table once per invoice listed (a 30-day page ran for minutes),
and the status of each came from joining its order's row; the customers report's ageing walked every
payment to find the on-account ones (280 ms). Now: the originals by branch and day with what the report
reads of them, amendments, on-account sales and the orders not paid (a few percent of all), each from an
index of its own (app/db/models/reports.py).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_invoices_originals_by_day",
        "invoices",
        ["branch_id", "issue_date"],
        postgresql_include=["id", "order_id", "total"],
        postgresql_where=sa.text("kind = 'invoice'"),
    )
    op.create_index(
        "ix_invoices_amends_id", "invoices", ["amends_id"], postgresql_where=sa.text("amends_id IS NOT NULL")
    )
    op.create_index(
        "ix_payments_on_account",
        "payments",
        ["branch_id", "created_at"],
        postgresql_include=["id", "customer_id", "amount", "status", "order_id"],
        postgresql_where=sa.text("method = 'on_account'"),
    )
    op.create_index(
        "ix_orders_not_paid",
        "orders",
        ["branch_id", "id"],
        postgresql_include=["payment_status"],
        postgresql_where=sa.text("payment_status <> 'paid'"),
    )


def downgrade() -> None:
    op.drop_index("ix_orders_not_paid", table_name="orders")
    op.drop_index("ix_payments_on_account", table_name="payments")
    op.drop_index("ix_invoices_amends_id", table_name="invoices")
    op.drop_index("ix_invoices_originals_by_day", table_name="invoices")

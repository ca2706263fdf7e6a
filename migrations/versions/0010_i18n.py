"""Languages: a user's own language, a branch's default language and the digits its screens show.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL: the user follows their branch's default.
    op.add_column("users", sa.Column("language", sa.Text(), nullable=True))
    op.create_check_constraint(op.f("ck_users_language_code"), "users", "language ~ '^[a-z]{2,3}$'")
    op.add_column("branches", sa.Column("language", sa.Text(), nullable=False, server_default="en"))
    op.add_column("branches", sa.Column("digits", sa.Text(), nullable=False, server_default="latn"))
    op.create_check_constraint(op.f("ck_branches_language_code"), "branches", "language ~ '^[a-z]{2,3}$'")
    op.create_check_constraint(op.f("ck_branches_digits_known"), "branches", "digits IN ('latn', 'arab')")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_branches_digits_known"), "branches", type_="check")
    op.drop_constraint(op.f("ck_branches_language_code"), "branches", type_="check")
    op.drop_column("branches", "digits")
    op.drop_column("branches", "language")
    op.drop_constraint(op.f("ck_users_language_code"), "users", type_="check")
    op.drop_column("users", "language")

"""A function that refuses a statement: lets a gated write (a sale short of stock) abort itself.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Raised from inside one autocommit statement, it undoes everything that statement did (the stock it
    # took off before a later product turned out short), so the sale needs no transaction of its own and
    # the branch's token row is locked for that one statement only.
    op.execute(
        """
        CREATE FUNCTION passline_refuse(reason text) RETURNS integer LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'passline_refuse: ' || reason;
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION passline_refuse(text)")

"""The stock ledger's daily rollup (`report_stock_daily`) and the triggers that mark a stock movement's old
day dirty.

The inventory report summed every movement of its range live (4.5 M a year at the benchmark's volume); it
now reads one row per (branch, local day, product, kind) for rolled days. A movement written, edited or
deleted on a day older than `report_live_from()` (a backdated receipt, a corrected count) marks that day
dirty, so it is computed live until the worker rolls it again, as 0013 does for orders. The till's sales
write movements stamped now: their WHEN test is false and the trigger function never runs on the hot path.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in 0013: `passline seed-history` writes old movements in bulk and rolls their days itself.
_NOT_BULK = "current_setting('passline.bulk_history', true) IS DISTINCT FROM 'on'"
# Only a movement stamped over 12 hours ago can belong to a day before report_live_from() (yesterday in UTC;
# see 0013); the function then checks its branch-local day exactly.
_OLD = "{row}.created_at < now() - interval '12 hours'"

_FUNCTION = """
CREATE FUNCTION report_stock_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM report_mark_dirty(b.id, (NEW.created_at AT TIME ZONE b.timezone)::date)
        FROM branches AS b
        WHERE b.id = NEW.branch_id AND (NEW.created_at AT TIME ZONE b.timezone)::date < report_live_from();
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM report_mark_dirty(b.id, (OLD.created_at AT TIME ZONE b.timezone)::date)
        FROM branches AS b
        WHERE b.id = OLD.branch_id AND (OLD.created_at AT TIME ZONE b.timezone)::date < report_live_from();
    END IF;
    RETURN NULL;
END
$$
"""

# (trigger, event, WHEN): an insert has no OLD and a delete no NEW; an edit may move a movement either way.
_TRIGGERS = (
    ("report_stock_moves_old_day_insert", "INSERT", _OLD.format(row="NEW")),
    ("report_stock_moves_old_day_update", "UPDATE", f"{_OLD.format(row='NEW')} OR {_OLD.format(row='OLD')}"),
    ("report_stock_moves_old_day_delete", "DELETE", _OLD.format(row="OLD")),
)

_BACKFILL = """
INSERT INTO report_stock_daily (branch_id, business_date, product_id, kind, moves, qty, value)
SELECT m.branch_id, r.business_date, m.product_id, m.kind, count(*), sum(m.qty), sum(m.qty * m.unit_cost)
FROM stock_moves AS m
JOIN branches AS b ON b.id = m.branch_id
JOIN report_days AS r
  ON r.branch_id = m.branch_id AND r.business_date = (m.created_at AT TIME ZONE b.timezone)::date AND NOT r.dirty
GROUP BY 1, 2, 3, 4
"""


def upgrade() -> None:
    op.create_table(
        "report_stock_daily",
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Numeric(), nullable=False),
        sa.Column("value", sa.Numeric(), nullable=False),
        sa.PrimaryKeyConstraint(
            "branch_id", "business_date", "product_id", "kind", name=op.f("pk_report_stock_daily")
        ),
    )
    op.execute(_FUNCTION)
    for name, event, when in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON stock_moves FOR EACH ROW "
            f"WHEN (({when}) AND {_NOT_BULK}) EXECUTE FUNCTION report_stock_touched()"
        )
    # The days already rolled get their stock rows here, in one pass over the ledger, so they stay clean
    # (marking them dirty instead would send every report to the live tables until the worker caught up).
    # Days with movements and no `report_days` row are live until the worker rolls them.
    op.execute(_BACKFILL)


def downgrade() -> None:
    for name, _event, _when in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON stock_moves")
    op.execute("DROP FUNCTION IF EXISTS report_stock_touched()")
    op.drop_table("report_stock_daily")

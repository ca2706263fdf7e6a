"""Reports: per-day rollups kept by the worker, the triggers that mark an old day dirty when a refund, void
or late edit touches it, and the indexes the live part of a report reads by time.

A day is read from the rollups only while `report_days` holds it clean; every other day (today, yesterday,
a day never rolled, a dirty day) is computed from the source tables. The triggers fire only for
rows of days older than `report_live_from()`, so the hot path (today's orders) pays one WHEN test per row.
Order lines are only ever written with their order (app/orders/_sql.py), so the order's own trigger
covers them.

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(14, 4)
QTY = sa.Numeric(12, 3)

_KEY = {
    "report_sales_hourly": [
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
    ],
    "report_cashier_daily": [sa.Column("cashier_id", sa.BigInteger(), nullable=False)],
    "report_product_daily": [
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate", sa.Numeric(5, 2), nullable=False),
    ],
    "report_item_times_daily": [sa.Column("product_id", sa.BigInteger(), nullable=False)],
    "report_payments_daily": [sa.Column("method", sa.Text(), nullable=False)],
    "report_kitchen_hourly": [
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("station_code", sa.Text(), nullable=False),
    ],
    "report_delivery_daily": [
        sa.Column("courier_id", sa.BigInteger(), nullable=False),
        sa.Column("territory_id", sa.BigInteger(), nullable=False),
    ],
    "report_customer_daily": [sa.Column("customer_id", sa.BigInteger(), nullable=False)],
}


def _ints(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(n, sa.Integer(), nullable=False) for n in names]


def _money(*names: str) -> list[sa.Column[object]]:
    return [sa.Column(n, MONEY, nullable=False) for n in names]


def _qty(*names: str) -> list[sa.Column[object]]:
    return [sa.Column(n, QTY, nullable=False) for n in names]


_SALES_FIGURES = (
    ("int", ("orders", "cancelled")),
    ("money", ("cancelled_total",)),
    ("qty", ("items",)),
    ("money", ("gross", "net", "tax", "discount", "delivery_charge")),
)


def _sales_figures() -> list[sa.Column[object]]:
    made = {"int": _ints, "money": _money, "qty": _qty}
    return [column for kind, names in _SALES_FIGURES for column in made[kind](*names)]


_FIGURES: dict[str, list[sa.Column[object]]] = {
    "report_sales_hourly": _sales_figures(),
    "report_cashier_daily": _sales_figures(),
    "report_product_daily": [
        *_ints("orders"),
        *_qty("qty"),
        *_money("net", "tax", "gross", "discount"),
    ],
    "report_item_times_daily": [*_ints("tickets"), *_qty("ticket_seconds")],
    "report_payments_daily": [
        *_ints("payments"),
        *_money("amount"),
        *_ints("voids"),
        *_money("voided_amount"),
        *_ints("refunds"),
        *_money("refunded_amount"),
    ],
    "report_kitchen_hourly": [
        *_ints("tickets", "started", "bumped"),
        *_qty("wait_seconds", "total_seconds", "max_seconds"),
        *_ints("late"),
    ],
    "report_delivery_daily": [
        *_ints("deliveries", "delivered", "returned"),
        *_qty("dispatch_seconds", "duration_seconds"),
        *_ints("late"),
        *_money("to_collect", "collected", "fees", "settled"),
    ],
    "report_customer_daily": [*_ints("orders"), *_money("gross")],
}

# `passline seed-history` writes months of old rows in a few statements and rolls those days itself; it
# sets this transaction-local flag so the triggers do not mark a million rows' days one by one.
_NOT_BULK = "current_setting('passline.bulk_history', true) IS DISTINCT FROM 'on'"

# One statement per string: asyncpg prepares each `op.execute` as a single statement.
_FUNCTIONS = (
    """
CREATE FUNCTION report_live_from() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'UTC')::date - 1
$$
""",
    """
CREATE FUNCTION report_mark_dirty(b bigint, d date) RETURNS void LANGUAGE sql AS $$
    INSERT INTO report_days (branch_id, business_date, dirty) VALUES (b, d, true)
    ON CONFLICT (branch_id, business_date) DO UPDATE SET dirty = true WHERE NOT report_days.dirty
$$
""",
    """
CREATE FUNCTION report_order_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_mark_dirty(NEW.branch_id, NEW.business_date);
    IF TG_OP = 'UPDATE' AND (OLD.business_date, OLD.branch_id) IS DISTINCT FROM (NEW.business_date, NEW.branch_id) THEN
        PERFORM report_mark_dirty(OLD.branch_id, OLD.business_date);
    END IF;
    RETURN NULL;
END
$$
""",
    """
CREATE FUNCTION report_order_child_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_mark_dirty(o.branch_id, o.business_date)
    FROM orders AS o WHERE o.id = NEW.order_id AND o.business_date < report_live_from();
    RETURN NULL;
END
$$
""",
    """
CREATE FUNCTION report_money_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_mark_dirty(b.id, (NEW.created_at AT TIME ZONE b.timezone)::date)
    FROM branches AS b WHERE b.id = NEW.branch_id;
    RETURN NULL;
END
$$
""",
    f"""
CREATE TRIGGER report_orders_old_day AFTER INSERT OR UPDATE ON orders
    FOR EACH ROW WHEN (NEW.business_date < report_live_from() AND {_NOT_BULK})
    EXECUTE FUNCTION report_order_touched()
""",
)
# report_live_from() is yesterday in UTC: every earlier business day has ended in every time zone by 12:00 UTC
# yesterday, so only rows created more than 12 hours ago can belong to one; the function then checks the
# order's business date exactly.
_CHILD_TRIGGERS = ("kitchen_tickets", "deliveries", "courier_transactions")
_MONEY_TRIGGERS = ("payments", "payment_refunds")

_INDEXES = (
    ("ix_payments_branch_id_created_at", "payments", ["branch_id", "created_at"]),
    ("ix_payment_refunds_branch_id_created_at", "payment_refunds", ["branch_id", "created_at"]),
    ("ix_invoices_branch_id_issue_date", "invoices", ["branch_id", "issue_date"]),
    ("ix_service_tickets_branch_id_created_at", "service_tickets", ["branch_id", "created_at"]),
    ("ix_report_customer_daily_customer_id_business_date", "report_customer_daily", ["customer_id", "business_date"]),
)


def upgrade() -> None:
    op.create_table(
        "report_days",
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("dirty", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("rolled_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("branch_id", "business_date", name=op.f("pk_report_days")),
    )
    for table, key in _KEY.items():
        op.create_table(
            table,
            sa.Column("branch_id", sa.BigInteger(), nullable=False),
            sa.Column("business_date", sa.Date(), nullable=False),
            *key,
            *_FIGURES[table],
            sa.PrimaryKeyConstraint(
                "branch_id", "business_date", *(c.name for c in key), name=op.f(f"pk_{table}")
            ),
        )
    op.create_table(
        "report_anomalies",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        *_money("actual", "expected", "low", "high"),
        sa.Column("raised_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_report_anomalies_branch_id_branches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_anomalies")),
        sa.UniqueConstraint(
            "branch_id", "business_date", "hour", name=op.f("uq_report_anomalies_branch_id_business_date_hour")
        ),
    )
    op.create_table(
        "report_recipients",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("daily_summary", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_report_recipients_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_report_recipients")),
    )
    op.create_table(
        "report_mail_log",
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_report_mail_log_branch_id_branches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("branch_id", "business_date", "kind", name=op.f("pk_report_mail_log")),
    )
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)
    for statement in _FUNCTIONS:
        op.execute(statement)
    for table in _CHILD_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER report_{table}_old_day AFTER INSERT OR UPDATE ON {table} FOR EACH ROW "
            f"WHEN (NEW.created_at < now() - interval '12 hours' AND {_NOT_BULK}) "
            "EXECUTE FUNCTION report_order_child_touched()"
        )
    for table in _MONEY_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER report_{table}_old_day AFTER INSERT OR UPDATE ON {table} FOR EACH ROW "
            f"WHEN (NEW.created_at < now() - interval '12 hours' AND {_NOT_BULK}) "
            "EXECUTE FUNCTION report_money_touched()"
        )


def downgrade() -> None:
    for table in (*_CHILD_TRIGGERS, *_MONEY_TRIGGERS, "orders"):
        op.execute(f"DROP TRIGGER IF EXISTS report_{table}_old_day ON {table}")
    for function in (
        "report_money_touched()",
        "report_order_child_touched()",
        "report_order_touched()",
        "report_mark_dirty(bigint, date)",
        "report_live_from()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    for name, table, _ in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("report_mail_log")
    op.drop_table("report_recipients")
    op.drop_table("report_anomalies")
    for table in reversed(list(_KEY)):
        op.drop_table(table)
    op.drop_table("report_days")

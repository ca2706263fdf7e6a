"""The rollups: one SQL source per rollup table, used both to roll days and to compute live days.

Each source is a SELECT over the system-of-record tables for `:branch_ids` and `:days`, producing rows in
exactly its rollup table's shape. Rolling a day stores that SELECT's rows; a report reads the rolled days
from the table and runs the same SELECT for the days not rolled (today, recent, dirty). One definition, so
the two can never disagree.

Definitions (they are what the reports mean):
- an order counts from its creation to the end of its business day; `scheduled` orders are not sales yet and
  `cancelled` ones are voids (counted apart, with their total);
- gross = the order total (tax and delivery charge included), net = the subtotal (tax excluded, discounts
  taken off), items = the quantities of top-level lines (a combo is one item, its parts are not);
- payments count when captured (also when later refunded); refunds count on the day they were paid out,
  voided tenders on the day they were taken;
- a ticket is late when it was bumped more than its station's `late_after_seconds` after it was created; a
  delivery is late when it arrived after its slot's end, or (no slot) more than the branch's
  `out_for_delivery` limit after it left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

import app.db.models  # noqa: F401 - registers every table on the metadata
from app.db.base import Base

# Branch-local hour of a timestamp.
_HOUR = "extract(hour FROM {ts} AT TIME ZONE b.timezone)::smallint"
_SECONDS = "extract(epoch FROM {a} - {b})"

# The sales sums, by (branch, day, local hour, channel) and by (branch, day, cashier): two rollups, because
# the cashier would multiply the hourly rows (and every sales page's scan) by the number of cashiers.
_SALES_TEMPLATE = """
SELECT o.branch_id, o.business_date, {keys},
       count(*) FILTER (WHERE o.state <> 'cancelled')::int AS orders,
       count(*) FILTER (WHERE o.state = 'cancelled')::int AS cancelled,
       coalesce(sum(o.total) FILTER (WHERE o.state = 'cancelled'), 0) AS cancelled_total,
       coalesce(sum(li.items) FILTER (WHERE o.state <> 'cancelled'), 0) AS items,
       coalesce(sum(o.total) FILTER (WHERE o.state <> 'cancelled'), 0) AS gross,
       coalesce(sum(o.subtotal) FILTER (WHERE o.state <> 'cancelled'), 0) AS net,
       coalesce(sum(o.tax_total) FILTER (WHERE o.state <> 'cancelled'), 0) AS tax,
       coalesce(sum(o.discount) FILTER (WHERE o.state <> 'cancelled'), 0) AS discount,
       coalesce(sum(o.delivery_charge) FILTER (WHERE o.state <> 'cancelled'), 0) AS delivery_charge
FROM orders AS o
JOIN branches AS b ON b.id = o.branch_id
LEFT JOIN LATERAL (
    SELECT sum(l.qty) AS items FROM order_lines AS l WHERE l.order_id = o.id AND l.parent_line_no IS NULL
) AS li ON true
WHERE o.branch_id = ANY(CAST(:branch_ids AS bigint[])) AND o.business_date = ANY(CAST(:days AS date[]))
  AND o.state <> 'scheduled'
GROUP BY {group}
"""
SALES = _SALES_TEMPLATE.format(
    keys=f"{_HOUR.format(ts='o.created_at')} AS hour, o.channel", group="1, 2, 3, 4"
)
CASHIERS = _SALES_TEMPLATE.format(keys="coalesce(o.created_by, 0) AS cashier_id", group="1, 2, 3")

PRODUCTS = """
SELECT o.branch_id, o.business_date, l.product_id, l.tax_rate,
       count(DISTINCT o.id)::int AS orders, sum(l.qty) AS qty, sum(l.line_subtotal) AS net,
       sum(l.line_tax) AS tax, sum(l.line_total) AS gross, sum(l.discount) AS discount
FROM orders AS o
JOIN order_lines AS l ON l.order_id = o.id
WHERE o.branch_id = ANY(CAST(:branch_ids AS bigint[])) AND o.business_date = ANY(CAST(:days AS date[]))
  AND o.state NOT IN ('scheduled', 'cancelled')
GROUP BY 1, 2, 3, 4
"""

# An item's kitchen time is the time of the ticket that carried it (its order's ticket at its station).
ITEM_TIMES = f"""
SELECT o.branch_id, o.business_date, l.product_id, count(*)::int AS tickets,
       sum({_SECONDS.format(a="kt.bumped_at", b="kt.created_at")}) AS ticket_seconds
FROM orders AS o
JOIN order_lines AS l ON l.order_id = o.id
JOIN kitchen_tickets AS kt ON kt.order_id = o.id AND kt.station_code = l.station_code
WHERE o.branch_id = ANY(CAST(:branch_ids AS bigint[])) AND o.business_date = ANY(CAST(:days AS date[]))
  AND o.state NOT IN ('scheduled', 'cancelled') AND kt.bumped_at IS NOT NULL
GROUP BY 1, 2, 3
"""  # noqa: S608 - composed from this module's constants only

KITCHEN = f"""
SELECT o.branch_id, o.business_date, {_HOUR.format(ts="kt.created_at")} AS hour, kt.station_code,
       count(*)::int AS tickets, count(kt.started_at)::int AS started, count(kt.bumped_at)::int AS bumped,
       coalesce(sum({_SECONDS.format(a="kt.started_at", b="kt.created_at")}), 0) AS wait_seconds,
       coalesce(sum({_SECONDS.format(a="kt.bumped_at", b="kt.created_at")}), 0) AS total_seconds,
       coalesce(max({_SECONDS.format(a="kt.bumped_at", b="kt.created_at")}), 0) AS max_seconds,
       count(*) FILTER (
           WHERE {_SECONDS.format(a="kt.bumped_at", b="kt.created_at")} > coalesce(s.late_after_seconds, 600)
       )::int AS late
FROM orders AS o
JOIN branches AS b ON b.id = o.branch_id
JOIN kitchen_tickets AS kt ON kt.order_id = o.id
LEFT JOIN stations AS s ON s.branch_id = o.branch_id AND s.code = kt.station_code
WHERE o.branch_id = ANY(CAST(:branch_ids AS bigint[])) AND o.business_date = ANY(CAST(:days AS date[]))
  AND o.state NOT IN ('scheduled', 'cancelled')
GROUP BY 1, 2, 3, 4
"""  # noqa: S608 - composed from this module's constants only

DELIVERY = f"""
SELECT o.branch_id, o.business_date, d.courier_id, coalesce(o.territory_id, 0) AS territory_id,
       count(*)::int AS deliveries,
       count(*) FILTER (WHERE d.state = 'delivered')::int AS delivered,
       count(*) FILTER (WHERE d.state = 'returned')::int AS returned,
       coalesce(sum({_SECONDS.format(a="d.created_at", b="o.created_at")}), 0) AS dispatch_seconds,
       coalesce(sum({_SECONDS.format(a="d.delivered_at", b="d.created_at")}), 0) AS duration_seconds,
       count(*) FILTER (
           WHERE d.delivered_at > coalesce(
               o.slot_end,
               d.created_at + make_interval(secs => coalesce((b.state_limits ->> 'out_for_delivery')::int, 2700))
           )
       )::int AS late,
       sum(d.amount_to_collect) AS to_collect, coalesce(sum(d.cash_collected), 0) AS collected,
       sum(d.courier_fee) AS fees, coalesce(sum(ct.settled), 0) AS settled
FROM orders AS o
JOIN branches AS b ON b.id = o.branch_id
JOIN deliveries AS d ON d.order_id = o.id
LEFT JOIN LATERAL (
    SELECT sum(t.amount) FILTER (WHERE t.status = 'settled') AS settled
    FROM courier_transactions AS t WHERE t.delivery_id = d.id AND t.kind = 'collection'
) AS ct ON true
WHERE o.branch_id = ANY(CAST(:branch_ids AS bigint[])) AND o.business_date = ANY(CAST(:days AS date[]))
GROUP BY 1, 2, 3, 4
"""  # noqa: S608 - composed from this module's constants only

CUSTOMERS = """
SELECT o.branch_id, o.business_date, o.customer_id, count(*)::int AS orders, sum(o.total) AS gross
FROM orders AS o
WHERE o.branch_id = ANY(CAST(:branch_ids AS bigint[])) AND o.business_date = ANY(CAST(:days AS date[]))
  AND o.customer_id IS NOT NULL AND o.state NOT IN ('scheduled', 'cancelled')
GROUP BY 1, 2, 3
"""

# Payments and refunds belong to the branch-local day they happened on: each day becomes its UTC range,
# which the (branch_id, created_at) indexes serve (LATERAL, so each day is one index range scan).
_LOCAL_DAYS = """
    SELECT b.id AS branch_id, b.timezone, d.day,
           d.day::timestamp AT TIME ZONE b.timezone AS lo, (d.day + 1)::timestamp AT TIME ZONE b.timezone AS hi
    FROM branches AS b CROSS JOIN unnest(CAST(:days AS date[])) AS d(day)
    WHERE b.id = ANY(CAST(:branch_ids AS bigint[]))
"""
PAYMENTS = f"""
WITH days AS ({_LOCAL_DAYS}),
taken AS (
    SELECT d.branch_id, d.day, x.* FROM days AS d CROSS JOIN LATERAL (
        SELECT p.method,
               count(*) FILTER (WHERE p.status IN ('captured', 'partially_refunded', 'refunded'))::int AS payments,
               coalesce(sum(p.amount) FILTER (WHERE p.status IN ('captured', 'partially_refunded', 'refunded')), 0)
                   AS amount,
               count(*) FILTER (WHERE p.status = 'voided')::int AS voids,
               coalesce(sum(p.amount) FILTER (WHERE p.status = 'voided'), 0) AS voided_amount
        FROM payments AS p
        WHERE p.branch_id = d.branch_id AND p.created_at >= d.lo AND p.created_at < d.hi
        GROUP BY p.method
    ) AS x
),
given AS (
    SELECT d.branch_id, d.day, x.* FROM days AS d CROSS JOIN LATERAL (
        SELECT p.method, count(*)::int AS refunds, sum(r.amount) AS refunded_amount
        FROM payment_refunds AS r JOIN payments AS p ON p.id = r.payment_id
        WHERE r.branch_id = d.branch_id AND r.created_at >= d.lo AND r.created_at < d.hi
        GROUP BY p.method
    ) AS x
)
SELECT coalesce(t.branch_id, g.branch_id) AS branch_id, coalesce(t.day, g.day) AS business_date,
       coalesce(t.method, g.method) AS method,
       coalesce(t.payments, 0) AS payments, coalesce(t.amount, 0) AS amount,
       coalesce(t.voids, 0) AS voids, coalesce(t.voided_amount, 0) AS voided_amount,
       coalesce(g.refunds, 0) AS refunds, coalesce(g.refunded_amount, 0) AS refunded_amount
FROM taken AS t FULL JOIN given AS g USING (branch_id, day, method)
"""  # noqa: S608 - composed from this module's constants only

# The stock ledger by branch-local day (of the movement's time), product and kind: what the inventory report
# sums. A day's movements are one index range scan on (branch_id, created_at).
STOCK = f"""
WITH days AS ({_LOCAL_DAYS})
SELECT d.branch_id, d.day AS business_date, x.product_id, x.kind, x.moves, x.qty, x.value
FROM days AS d CROSS JOIN LATERAL (
    SELECT m.product_id, m.kind, count(*)::int AS moves, sum(m.qty) AS qty, sum(m.qty * m.unit_cost) AS value
    FROM stock_moves AS m
    WHERE m.branch_id = d.branch_id AND m.created_at >= d.lo AND m.created_at < d.hi
    GROUP BY 1, 2
) AS x
"""  # noqa: S608 - composed from this module's constants only

# A branch-local day with stock movements (`b` a branch row, `d.day` the day): such a day needs rolling, and
# is live until rolled, even when it has no orders (a delivery received on a closed day).
HAS_STOCK_MOVES = """
EXISTS (
    SELECT 1 FROM stock_moves AS m WHERE m.branch_id = b.id
      AND m.created_at >= d.day::date::timestamp AT TIME ZONE b.timezone
      AND m.created_at < (d.day::date + 1)::timestamp AT TIME ZONE b.timezone
)"""


@dataclass(frozen=True, slots=True)
class Rollup:
    table: str
    source: str

    @property
    def columns(self) -> str:
        """The table's columns by name: rows move between the source, the table and JSON by name, never
        by position."""
        return ", ".join(c.name for c in Base.metadata.tables[self.table].columns)


ROLLUPS = (
    Rollup("report_sales_hourly", SALES),
    Rollup("report_cashier_daily", CASHIERS),
    Rollup("report_product_daily", PRODUCTS),
    Rollup("report_kitchen_hourly", KITCHEN),
    Rollup("report_item_times_daily", ITEM_TIMES),
    Rollup("report_delivery_daily", DELIVERY),
    Rollup("report_payments_daily", PAYMENTS),
    Rollup("report_customer_daily", CUSTOMERS),
    Rollup("report_stock_daily", STOCK),
)
BY_TABLE = {r.table: r for r in ROLLUPS}

# Daily rollups that are also kept per month (a year's page by month reads 12 rows per key, not 365): the
# monthly table has the daily one's columns, `business_date` being the month's first day.
MONTHLY = {"report_sales_hourly": "report_sales_monthly", "report_product_daily": "report_product_monthly"}


def _month_rollup(daily: str, monthly: str) -> str:
    """Recompute one branch's `:months` of `monthly` from `daily`'s rows."""
    table = Base.metadata.tables[daily]
    keys = [c.name for c in table.primary_key.columns if c.name not in ("branch_id", "business_date")]
    figures = [c.name for c in table.columns if not c.primary_key]
    month = "date_trunc('month', business_date)::date"
    return (
        f"INSERT INTO {monthly} (branch_id, business_date, {', '.join(keys + figures)}) "  # noqa: S608 - constants
        f"SELECT branch_id, {month}, {', '.join(keys)}, {', '.join(f'sum({f})' for f in figures)} "
        f"FROM {daily} WHERE branch_id = :branch_id AND business_date >= :first AND business_date < :until "
        f"AND {month} = ANY(CAST(:months AS date[])) "
        f"GROUP BY branch_id, {month}, {', '.join(keys)}"
    )


_MONTH_ROLLUPS = {daily: _month_rollup(daily, monthly) for daily, monthly in MONTHLY.items()}


async def live_from(session: AsyncSession) -> dt.date:
    """The first day that is always computed live (the same function the triggers use)."""
    day = await session.scalar(text("SELECT report_live_from()"))
    assert isinstance(day, dt.date)
    return day


async def roll_days(session: AsyncSession, *, branch_id: int, days: list[dt.date]) -> int:
    """Recompute and store `days` of one branch in every rollup; the caller commits. Returns rows stored.

    The `report_days` rows are written first: that takes their row locks, so a trigger marking one of these
    days dirty meanwhile waits for our commit and then marks it again (and the next roll redoes it), while
    a mark that committed before us is seen by the statements below, which each read a fresh snapshot."""
    if not days:
        return 0
    params = {"branch_ids": [branch_id], "days": days}
    await session.execute(
        text(
            """
            INSERT INTO report_days (branch_id, business_date, dirty, rolled_at)
            SELECT :branch_id, d, false, now() FROM unnest(CAST(:days AS date[])) AS d
            ON CONFLICT (branch_id, business_date) DO UPDATE SET dirty = false, rolled_at = now()
            """
        ),
        {"branch_id": branch_id, "days": days},
    )
    stored = 0
    for rollup in ROLLUPS:
        await session.execute(
            text(
                f"DELETE FROM {rollup.table} "  # noqa: S608 - table names are constants of this module
                "WHERE branch_id = :branch_id AND business_date = ANY(CAST(:days AS date[]))"
            ),
            {"branch_id": branch_id, "days": days},
        )
        result = await session.execute(text(f"INSERT INTO {rollup.table} {rollup.source}"), params)
        stored += result.rowcount  # type: ignore[attr-defined]
    # The months these days fall in, summed again from the daily rows (dirty days of those months included:
    # a month with a live day is never read from its monthly row, see app/reports/_source.py).
    months = sorted({d.replace(day=1) for d in days})
    until = max(months)
    until = (until + dt.timedelta(days=32)).replace(day=1)
    for daily, monthly in MONTHLY.items():
        await session.execute(
            text(
                f"DELETE FROM {monthly} "  # noqa: S608 - table names are constants of this module
                "WHERE branch_id = :branch_id AND business_date = ANY(CAST(:months AS date[]))"
            ),
            {"branch_id": branch_id, "months": months},
        )
        await session.execute(
            text(_MONTH_ROLLUPS[daily]),
            {"branch_id": branch_id, "months": months, "first": months[0], "until": until},
        )
    return stored


async def roll_stock_days(session: AsyncSession, *, branch_id: int, days: list[dt.date]) -> int:
    """Recompute `days` of one branch in the stock rollup only (a bulk writer of old movements that holds
    the dirty-day triggers off, like the demo's inventory history); the caller commits. A day not yet rolled
    stays live until the worker rolls it whole."""
    params = {"branch_ids": [branch_id], "days": days}
    await session.execute(
        text(
            "DELETE FROM report_stock_daily WHERE branch_id = :branch_id AND business_date = ANY(CAST(:days AS date[]))"
        ),
        {"branch_id": branch_id, "days": days},
    )
    result = await session.execute(text(f"INSERT INTO report_stock_daily {STOCK}"), params)
    stored: int = result.rowcount  # type: ignore[attr-defined]
    return stored


async def days_to_roll(session: AsyncSession, *, limit: int) -> list[tuple[int, dt.date]]:
    """(branch, day) pairs before the live window (up to 800 days back) that have orders or stock
    movements but are not rolled, or are dirty; oldest first. Index probes per branch and day, never a scan
    of the orders or the ledger."""
    rows = await session.execute(
        text(
            f"""
            SELECT b.id, d.day::date FROM branches AS b
            CROSS JOIN generate_series(report_live_from() - 800, report_live_from() - 1, interval '1 day') AS d(day)
            WHERE NOT EXISTS (
                SELECT 1 FROM report_days AS r
                WHERE r.branch_id = b.id AND r.business_date = d.day::date AND NOT r.dirty
            )
              AND (
                EXISTS (SELECT 1 FROM orders AS o WHERE o.branch_id = b.id AND o.business_date = d.day::date)
                OR EXISTS (
                    SELECT 1 FROM report_days AS r WHERE r.branch_id = b.id AND r.business_date = d.day::date
                )
                OR {HAS_STOCK_MOVES}
              )
            ORDER BY 2, 1
            LIMIT :limit
            """  # noqa: S608 - composed from this module's constants only
        ),
        {"limit": limit},
    )
    return [(int(b), d) for b, d in rows]

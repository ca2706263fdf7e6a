"""The monthly rollups against the daily ones they are summed from: a range covering whole months reads
those months from `report_sales_monthly` / `report_product_monthly` and must give exactly what the daily
rows and the live days give; a late edit in a whole month sends that month back to the daily rows and the
live computation until the worker rolls it again, and the roll rewrites the month."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy import text

from app.reports._build import grouped
from app.reports._source import live_days, whole_months
from app.reports.jobs import roll_due_days
from app.reports.scope import Dates
from tests.integration.reports.shop import make_shop
from tests.support.auth import login
from tests.support.factory import Factory

_SALES = (
    "date_trunc('month', r.business_date)::date AS month, r.hour, r.channel, sum(r.orders)::int AS orders, "
    "sum(r.cancelled)::int AS cancelled, sum(r.items) AS items, sum(r.gross) AS gross, sum(r.net) AS net, "
    "sum(r.tax) AS tax, sum(r.discount) AS discount, sum(r.delivery_charge) AS delivery_charge"
)
_PRODUCTS = (
    "date_trunc('month', r.business_date)::date AS month, r.product_id, r.tax_rate, sum(r.orders)::int AS orders, "
    "sum(r.qty) AS qty, sum(r.net) AS net, sum(r.tax) AS tax, sum(r.gross) AS gross, sum(r.discount) AS discount"
)


async def _both_ways(session: Any, branch_ids: list[int], dates: Dates) -> None:
    """Each rollup read with and without its monthly table: the same rows, to the last digit."""
    for table, select in (("report_sales_hourly", _SALES), ("report_product_daily", _PRODUCTS)):
        group, order = "1, 2, 3", "1, 2, 3"
        monthly = await grouped(
            session, table, branch_ids, dates, select=select, group=group, order=order, months=True
        )
        daily = await grouped(session, table, branch_ids, dates, select=select, group=group, order=order)
        assert monthly == daily, table
        assert len(daily) > 10


def test_whole_months_are_the_longest_run_without_a_live_day() -> None:
    dates = Dates(dt.date(2026, 1, 15), dt.date(2026, 6, 30))
    assert whole_months(dates, []) == (dt.date(2026, 2, 1), dt.date(2026, 6, 30))
    # A live day in April splits Feb-Mar from May-Jun: the longer (first) run is read monthly.
    assert whole_months(dates, [dt.date(2026, 4, 9)]) == (dt.date(2026, 2, 1), dt.date(2026, 3, 31))
    assert whole_months(dates, [dt.date(2026, 2, 1), dt.date(2026, 3, 3)]) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
    )
    # No whole month inside the range at all.
    assert whole_months(Dates(dt.date(2026, 1, 2), dt.date(2026, 2, 27)), []) is None
    assert whole_months(Dates(dt.date(2026, 2, 1), dt.date(2026, 2, 28)), []) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )


async def test_whole_months_from_the_monthly_rollup_equal_the_days(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await make_shop(factory, db_session, days=75, per_day=6)
    branch_ids = [shop.inclusive.id]
    today = dt.datetime.now(dt.UTC).date()
    dates = Dates(today - dt.timedelta(days=74), today)
    live = await live_days(db_session, branch_ids, dates)
    span = whole_months(dates, live)
    assert span is not None, "75 days always hold a whole month"
    stored = await db_session.scalar(
        text("SELECT count(*) FROM report_product_monthly WHERE branch_id = :b"), {"b": shop.inclusive.id}
    )
    assert stored > 0
    await _both_ways(db_session, branch_ids, dates)
    await db_session.rollback()

    # A late edit inside a whole month: an old order is cancelled (the trigger marks its day dirty).
    edited = await db_session.execute(
        text(
            "UPDATE orders SET state = 'cancelled' WHERE id = (SELECT id FROM orders WHERE branch_id = :b "
            "AND business_date = :d AND state <> 'cancelled' ORDER BY id LIMIT 1) RETURNING business_date"
        ),
        {"b": shop.inclusive.id, "d": span[0] + dt.timedelta(days=3)},
    )
    day = edited.scalar_one()
    await db_session.commit()
    db_session.info.clear()  # the per-request memo of live days and rows
    live = await live_days(db_session, branch_ids, dates)
    assert day in live
    moved = whole_months(dates, live)
    assert moved is None or not (moved[0] <= day <= moved[1])
    await _both_ways(db_session, branch_ids, dates)
    await db_session.rollback()

    # The worker rolls the day again, and with it the month: whole again, and still equal.
    done = await roll_due_days(db_session, limit=50)
    assert done["days"] >= 1
    db_session.info.clear()
    live = await live_days(db_session, branch_ids, dates)
    assert day not in live and whole_months(dates, live) == span
    await _both_ways(db_session, branch_ids, dates)
    await db_session.rollback()

    # And the page itself, by month over those months.
    await login(client, "boss")
    response = await client.get(
        "/api/v1/reports/sales",
        params={
            "from": dates.date_from.isoformat(),
            "to": today.isoformat(),
            "by": "category",
            "period": "month",
        },
    )
    assert response.status_code == 200, response.text

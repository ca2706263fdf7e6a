"""Reading a rollup for a date range: the rolled days from its table, every other day from the source.

`open_read` puts the report's session in one REPEATABLE READ snapshot, so the list of live days and the
query that uses it see the same rolls (a roll committing in between cannot count a day twice or not at
all). A day is live for every selected branch when it is live for any of them; the rolled part leaves it
out for all of them, so each (branch, day) is counted exactly once.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from app.reports._rollups import BY_TABLE, HAS_STOCK_MOVES, MONTHLY

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.reports.scope import Dates

_LIVE_DAYS = text(
    f"""
    SELECT DISTINCT d.day::date FROM branches AS b
    CROSS JOIN generate_series(CAST(:date_from AS date), CAST(:date_to AS date), interval '1 day') AS d(day)
    WHERE b.id = ANY(CAST(:branch_ids AS bigint[])) AND NOT EXISTS (
        SELECT 1 FROM report_days AS r WHERE r.branch_id = b.id AND r.business_date = d.day::date AND NOT r.dirty
    )
      AND (
        d.day::date >= report_live_from()
        OR EXISTS (SELECT 1 FROM orders AS o WHERE o.branch_id = b.id AND o.business_date = d.day::date)
        OR EXISTS (SELECT 1 FROM report_days AS r WHERE r.branch_id = b.id AND r.business_date = d.day::date)
        OR {HAS_STOCK_MOVES}
      )
    ORDER BY 1
    """  # noqa: S608 - composed from constants
)


async def open_read(session: AsyncSession) -> None:
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def live_days(session: AsyncSession, branch_ids: list[int], dates: Dates) -> list[dt.date]:
    key = ("live_days", tuple(branch_ids), dates.date_from, dates.date_to)
    cache = _cache(session)
    if key not in cache:
        rows = await session.scalars(
            _LIVE_DAYS, {"branch_ids": branch_ids, "date_from": dates.date_from, "date_to": dates.date_to}
        )
        cache[key] = list(rows.all())
    found: list[dt.date] = cache[key]
    return found


def _cache(session: AsyncSession) -> dict[Any, Any]:
    """Per-session memo (one session is one report request, in one snapshot): a page asks for the same
    live days and live rows several times, grouped differently, and computing them once is most of the
    page's cost."""
    memo: dict[Any, Any] = session.info.setdefault("reports_live", {})
    return memo


async def _live_rows(session: AsyncSession, table: str, branch_ids: list[int], live: list[dt.date]) -> str:
    """The live days' rows of `table` as JSON, computed once per session and read back with
    jsonb_populate_recordset (typed by the table's own row type)."""
    key = ("live_rows", table, tuple(branch_ids), tuple(live))
    cache = _cache(session)
    if key not in cache:
        source = BY_TABLE[table].source
        result = await session.execute(
            text(f"SELECT coalesce(jsonb_agg(to_jsonb(x)), '[]'::jsonb)::text FROM ({source}) AS x"),  # noqa: S608
            {"branch_ids": branch_ids, "days": live},
        )
        cache[key] = result.scalar_one()
    rows: str = cache[key]
    return rows


def whole_months(dates: Dates, live: list[dt.date]) -> tuple[dt.date, dt.date] | None:
    """The longest run of whole calendar months inside `dates` with no live day, as (first day, last day),
    or None. Such a month's monthly row is the sum of its days' rolled rows as they are now: every day of
    it with data is rolled and clean (a day that is not is live), and rolling a day rewrites its month."""
    first = dates.date_from if dates.date_from.day == 1 else _next_month(dates.date_from)
    months: list[dt.date] = []
    month = first
    while _next_month(month) - dt.timedelta(days=1) <= dates.date_to:
        months.append(month)
        month = _next_month(month)
    touched = {d.replace(day=1) for d in live}
    best: list[dt.date] = []
    run: list[dt.date] = []
    for month in months:
        run = [] if month in touched else [*run, month]
        if len(run) > len(best):
            best = run
    if not best:
        return None
    return best[0], _next_month(best[-1]) - dt.timedelta(days=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


async def rollup_source(
    session: AsyncSession,
    table: str,
    branch_ids: list[int],
    dates: Dates,
    *,
    prefix: str,
    months: bool = False,
) -> tuple[str, dict[str, Any]]:
    """A FROM-able subquery of `table`'s rows for the branches and dates, and its parameters (named with
    `prefix`, so one statement can read several periods or rollups).

    `months`: the caller only tells days apart by calendar month (it groups by month or not by time at all),
    so whole months may come from the table's monthly rollup, where `business_date` is the month's first
    day; the days around them, and the live days, come as usual."""
    live = await live_days(session, branch_ids, dates)
    columns = BY_TABLE[table].columns
    span = whole_months(dates, live) if months and table in MONTHLY else None
    params: dict[str, Any] = {
        f"{prefix}_b": branch_ids,
        f"{prefix}_f": dates.date_from,
        f"{prefix}_t": dates.date_to,
        f"{prefix}_live": live,
        f"{prefix}_rows": await _live_rows(session, table, branch_ids, live) if live else "[]",
    }
    if span is None:
        days = f"business_date BETWEEN :{prefix}_f AND :{prefix}_t"
        whole = ""
    else:
        # Two ranges around the whole months, so each is an index range of the daily table.
        days = (
            f"(business_date BETWEEN :{prefix}_f AND CAST(:{prefix}_mf AS date) - 1 "
            f"OR business_date BETWEEN CAST(:{prefix}_mt AS date) + 1 AND :{prefix}_t)"
        )
        whole = (
            f"SELECT {columns} FROM {MONTHLY[table]} WHERE branch_id = ANY(CAST(:{prefix}_b AS bigint[])) "  # noqa: S608
            f"AND business_date BETWEEN :{prefix}_mf AND :{prefix}_mt UNION ALL "
        )
        params |= {f"{prefix}_mf": span[0], f"{prefix}_mt": span[1]}
    sql = (
        f"({whole}SELECT {columns} FROM {table} WHERE branch_id = ANY(CAST(:{prefix}_b AS bigint[])) "  # noqa: S608 - constants
        f"AND {days} "
        f"AND business_date <> ALL(CAST(:{prefix}_live AS date[])) "
        f"UNION ALL SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, CAST(:{prefix}_rows AS jsonb)))"
    )
    return sql, params

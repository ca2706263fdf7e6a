"""Small pieces every report uses: grouped reads of a rollup, figures with their change, rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from app.reports._source import rollup_source
from app.reports.schemas import Figure

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.reports.schemas import ColumnKind
    from app.reports.scope import Dates

HUNDRED = Decimal(100)
ZERO = Decimal(0)

BUCKETS = {
    "hour": "r.hour",
    "day": "r.business_date",
    "week": "date_trunc('week', r.business_date)::date",
    "month": "date_trunc('month', r.business_date)::date",
}


def quantize(value: Decimal | int | float | None, places: int) -> Decimal:
    if value is None:
        return ZERO.quantize(Decimal(1).scaleb(-places))
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def ratio(part: Decimal | int | None, whole: Decimal | int | None, places: int = 2) -> Decimal | None:
    """part / whole rounded half-up, None when there is no whole to divide by."""
    if not whole:
        return None
    return quantize(Decimal(part or 0) / Decimal(whole), places)


def percent(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    if not whole:
        return None
    return quantize(Decimal(part or 0) * HUNDRED / Decimal(whole), 1)


def figure(
    key: str,
    label: str,
    kind: ColumnKind,
    value: Decimal | int | None,
    previous: Decimal | int | None = None,
    *,
    compare: bool = True,
) -> Figure:
    change = None
    if compare and previous not in (None, 0) and value is not None:
        change = quantize((Decimal(value) - Decimal(previous)) * HUNDRED / Decimal(previous), 1)
    return Figure(
        key=key,
        label=label,
        kind=kind,
        value=value,
        previous=previous if compare else None,
        change=change,
        lower_is_better=key in LOWER_IS_BETTER,
    )


LOWER_IS_BETTER = frozenset(
    {
        "refunded_amount",
        "cancelled",
        "discount",
        "voided_amount",
        "late",
        "late_pct",
        "avg_total",
        "avg_wait",
        "avg_dispatch",
        "avg_duration",
        "no_shows",
        "overdue",
    }
)


async def grouped(
    session: AsyncSession,
    table: str,
    branch_ids: list[int],
    dates: Dates,
    *,
    select: str,
    group: str = "",
    joins: str = "",
    where: str = "",
    order: str = "",
    limit: int | None = None,
    months: bool = False,
) -> list[dict[str, Any]]:
    """`SELECT {select} FROM <table's rows for the dates> AS r {joins} GROUP BY {group}`, as dicts.

    `months=True` when the statement tells days apart by calendar month at most (by month, or not by time):
    whole months may then be read from the monthly rollup (`rollup_source`)."""
    source, params = await rollup_source(session, table, branch_ids, dates, prefix="s", months=months)
    sql = f"SELECT {select} FROM {source} AS r {joins}"  # noqa: S608 - composed from constants
    if where:
        sql += f" WHERE {where}"
    if group:
        sql += f" GROUP BY {group}"
    if order:
        sql += f" ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    result = await session.execute(text(sql), params)
    return [dict(row._mapping) for row in result]


def money_rows(rows: list[dict[str, Any]], keys: tuple[str, ...], places: int) -> list[dict[str, Any]]:
    for row in rows:
        for key in keys:
            if key in row:
                row[key] = quantize(row[key], places)
    return rows

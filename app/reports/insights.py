"""The insights page (tomorrow's forecast per hour and per top product with its band, items trending up and
down, recent anomalies) and the hourly anomaly check the worker runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.db.models import Branch, ReportAnomaly
from app.events import reports as ev
from app.reports._build import grouped, percent, quantize
from app.reports._text import _, _p
from app.reports.forecast import Z_ANOMALY, Z_BAND, forecast, money
from app.reports.schemas import Chart, Column, Figure, Table
from app.reports.scope import Dates

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.db.session import Session
    from app.events import EventBus
    from app.reports.scope import Scope

TREND_DAYS = 14
# A product needs this many sold in the earlier fortnight before a percentage change means anything.
TREND_MIN_QTY = 20


async def trending(session: AsyncSession, scope: Scope, today: dt.date) -> list[dict[str, Any]]:
    recent = Dates(today - dt.timedelta(days=TREND_DAYS), today - dt.timedelta(days=1))
    rows = await grouped(
        session,
        "report_product_daily",
        scope.branch_ids,
        Dates(recent.date_from - dt.timedelta(days=TREND_DAYS), recent.date_to),
        select=(
            "r.product_id AS key, min(p.name) AS label, "
            f"coalesce(sum(r.qty) FILTER (WHERE r.business_date >= DATE '{recent.date_from}'), 0) AS recent, "
            f"coalesce(sum(r.qty) FILTER (WHERE r.business_date < DATE '{recent.date_from}'), 0) AS earlier"
        ),
        joins="JOIN products AS p ON p.id = r.product_id",
        group="1",
    )
    out = []
    for row in rows:
        if row["earlier"] >= TREND_MIN_QTY:
            row["change"] = percent(row["recent"] - row["earlier"], row["earlier"])
            row["key"] = str(row["key"])
            out.append(row)
    out.sort(key=lambda r: (r["change"], r["key"]))
    movers = out[-5:][::-1] + out[:5]
    seen: set[str] = set()
    return [r for r in movers if not (r["key"] in seen or seen.add(r["key"]))]  # type: ignore[func-returns-value]


async def insights_report(
    session: AsyncSession, scope: Scope, *, today: dt.date
) -> tuple[list[Figure], list[Table]]:
    tomorrow = today + dt.timedelta(days=1)
    result = await forecast(session, scope.branch_ids, tomorrow, last=today - dt.timedelta(days=1))
    places = scope.exponent
    hours = []
    for row in result["hours"]:
        low, high = max(row["mean"] - Z_BAND * row["sd"], 0.0), row["mean"] + Z_BAND * row["sd"]
        hours.append(
            {
                "hour": row["hour"],
                "expected": money(row["mean"], places),
                "low": money(low, places),
                "high": money(high, places),
            }
        )
    products = [
        {
            "label": p["label"],
            "expected": quantize(Decimal(repr(round(p["qty"], 1))), 1),
            "low": quantize(Decimal(repr(round(p["low"], 1))), 1),
            "high": quantize(Decimal(repr(round(p["high"], 1))), 1),
        }
        for p in result["products"]
    ]
    total = sum((h["expected"] for h in hours), Decimal(0))
    anomalies = (
        await session.execute(
            select(ReportAnomaly)
            .where(ReportAnomaly.branch_id.in_(scope.branch_ids))
            .order_by(ReportAnomaly.business_date.desc(), ReportAnomaly.hour.desc())
            .limit(20)
        )
    ).scalars()
    figures = [
        Figure(
            key="expected", label=_("Expected sales tomorrow"), kind="money", value=quantize(total, places)
        ),
    ]
    tables = [
        Table(
            name="forecast_hours",
            title=_("Tomorrow by hour: expected sales and the 80 % band"),
            columns=[
                Column(key="hour", label=_("Hour"), kind="hour"),
                Column(key="expected", label=_("Expected"), kind="money"),
                Column(key="low", label=_p("lowest value", "Low"), kind="money"),
                Column(key="high", label=_("High"), kind="money"),
            ],
            rows=hours,
            chart=Chart(kind="line", x="hour", series=["expected"], band=["low", "high"]),
        ),
        Table(
            name="forecast_products",
            title=_("Tomorrow's top products: expected quantity and band"),
            columns=[
                Column(key="label", label=_("Product"), kind="text"),
                Column(key="expected", label=_("Expected"), kind="qty"),
                Column(key="low", label=_p("lowest value", "Low"), kind="qty"),
                Column(key="high", label=_("High"), kind="qty"),
            ],
            rows=products,
            chart=Chart(kind="bar", x="label", series=["expected"], band=["low", "high"]),
        ),
        Table(
            name="trending",
            title=_("Trending: the last two weeks against the two before"),
            columns=[
                Column(key="label", label=_("Product"), kind="text"),
                Column(key="recent", label=_("Last two weeks"), kind="qty"),
                Column(key="earlier", label=_("The two before"), kind="qty"),
                Column(key="change", label=_("Change %"), kind="percent"),
            ],
            rows=await trending(session, scope, today),
            chart=Chart(kind="bar", x="label", series=["change"]),
        ),
        Table(
            name="anomalies",
            title=_("Hours far outside their forecast"),
            columns=[
                Column(key="day", label=_("Day"), kind="date"),
                Column(key="hour", label=_("Hour"), kind="hour"),
                Column(key="actual", label=_("Sales"), kind="money"),
                Column(key="expected", label=_("Expected"), kind="money"),
                Column(key="low", label=_p("lowest value", "Low"), kind="money"),
                Column(key="high", label=_("High"), kind="money"),
            ],
            rows=[
                {
                    "day": a.business_date,
                    "hour": a.hour,
                    "actual": quantize(a.actual, places),
                    "expected": quantize(a.expected, places),
                    "low": quantize(a.low, places),
                    "high": quantize(a.high, places),
                }
                for a in anomalies
            ],
        ),
    ]
    return figures, tables


_HOUR_SALES = text(
    """
    SELECT coalesce(sum(o.total), 0) FROM orders AS o
    WHERE o.branch_id = :b AND o.business_date = :d AND o.state NOT IN ('cancelled', 'scheduled')
      AND extract(hour FROM o.created_at AT TIME ZONE :tz) = :h
    """
)


async def check_anomalies(
    session: Session, bus: EventBus, *, now: dt.datetime | None = None
) -> dict[str, int]:
    """For each branch, the last full hour's sales against its forecast (fitted on the days before today):
    outside the 99 % band is an anomaly, stored once per branch and hour and announced after the commit."""
    counts = {"checked": 0, "raised": 0}
    branches = list((await session.scalars(select(Branch).where(Branch.active))).all())
    for branch in branches:
        local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(branch.timezone))
        if local.hour == 0:
            continue
        day, hour = local.date(), local.hour - 1
        result = await forecast(session, [branch.id], day, last=day - dt.timedelta(days=1))
        expected = next((r for r in result["hours"] if r["hour"] == hour), None)
        if expected is None or expected["sd"] <= 0:
            continue
        counts["checked"] += 1
        actual = Decimal(
            await session.scalar(_HOUR_SALES, {"b": branch.id, "d": day, "tz": branch.timezone, "h": hour})
            or 0
        )
        low = max(expected["mean"] - Z_ANOMALY * expected["sd"], 0.0)
        high = expected["mean"] + Z_ANOMALY * expected["sd"]
        if low <= float(actual) <= high:
            continue
        places = branch.currency_exponent
        row = (
            await session.execute(
                pg_insert(ReportAnomaly)
                .values(
                    branch_id=branch.id,
                    business_date=day,
                    hour=hour,
                    actual=actual,
                    expected=money(expected["mean"], places),
                    low=money(low, places),
                    high=money(high, places),
                )
                .on_conflict_do_nothing()
                .returning(ReportAnomaly.id, ReportAnomaly.raised_at)
            )
        ).first()
        if row is None:
            continue
        direction = "high" if float(actual) > high else "low"
        bus.on_commit(
            session,
            branch.id,
            ev.SALES_ANOMALY,
            ev.SalesAnomaly(
                anomaly_id=row[0],
                business_date=day.isoformat(),
                hour=hour,
                direction=direction,
                actual=str(quantize(actual, places)),
                expected=str(money(expected["mean"], places)),
                low=str(money(low, places)),
                high=str(money(high, places)),
                currency=branch.currency,
                message=(
                    _("Sales at %(hour)02d:00 were far above the forecast", hour=hour)
                    if direction == "high"
                    else _("Sales at %(hour)02d:00 were far below the forecast", hour=hour)
                ),
                raised_at=row[1].isoformat(),
            ),
        )
        await session.commit()
        counts["raised"] += 1
    await session.rollback()
    return counts

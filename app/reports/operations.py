"""Kitchen (ticket times per station, hour and item; late tickets), delivery (dispatch, ride, lateness per
courier and territory; cash collected against settled) and the walk-in queue (waits, service per counter)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from app.reports._build import figure, grouped, money_rows, percent, quantize, ratio
from app.reports._text import _
from app.reports.schemas import Chart, Column, Figure, Table

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.reports.scope import Dates, Scope

_KITCHEN_SUMS = (
    "sum(r.tickets)::int AS tickets, sum(r.started)::int AS started, sum(r.bumped)::int AS bumped, "
    "sum(r.wait_seconds) AS wait_seconds, sum(r.total_seconds) AS total_seconds, "
    "max(r.max_seconds) AS max_seconds, sum(r.late)::int AS late"
)


def _kitchen_finish(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["avg_wait"] = ratio(row.pop("wait_seconds"), row["started"], 0)
        row["avg_total"] = ratio(row.pop("total_seconds"), row["bumped"], 0)
        row["max_seconds"] = quantize(row["max_seconds"], 0)
        row["late_pct"] = percent(row["late"], row["bumped"])
    return rows


def _kitchen_columns(first: Column) -> list[Column]:
    return [
        first,
        Column(key="tickets", label=_("Tickets"), kind="int"),
        Column(key="avg_wait", label=_("Average wait to start"), kind="seconds"),
        Column(key="avg_total", label=_("Average ticket time"), kind="seconds"),
        Column(key="max_seconds", label=_("Longest"), kind="seconds"),
        Column(key="late", label=_("Late tickets"), kind="int"),
        Column(key="late_pct", label=_("Late %"), kind="percent"),
    ]


async def kitchen_report(
    session: AsyncSession, scope: Scope, dates: Dates, *, compare: bool
) -> tuple[list[Figure], list[Table]]:
    async def totals(d: Dates) -> dict[str, Any]:
        return _kitchen_finish(
            await grouped(session, "report_kitchen_hourly", scope.branch_ids, d, select=_KITCHEN_SUMS)
        )[0]

    now = await totals(dates)
    prev = await totals(dates.previous()) if compare else {}
    figures = [
        figure("tickets", _("Tickets"), "int", now["tickets"], prev.get("tickets"), compare=compare),
        figure(
            "avg_total",
            _("Average ticket time"),
            "seconds",
            now["avg_total"],
            prev.get("avg_total"),
            compare=compare,
        ),
        figure(
            "avg_wait",
            _("Average wait to start"),
            "seconds",
            now["avg_wait"],
            prev.get("avg_wait"),
            compare=compare,
        ),
        figure("late", _("Late tickets"), "int", now["late"], prev.get("late"), compare=compare),
        figure("late_pct", _("Late %"), "percent", now["late_pct"], prev.get("late_pct"), compare=compare),
    ]
    stations = _kitchen_finish(
        await grouped(
            session,
            "report_kitchen_hourly",
            scope.branch_ids,
            dates,
            select=f"r.station_code AS key, min(coalesce(s.name, r.station_code)) AS label, {_KITCHEN_SUMS}",
            joins="LEFT JOIN stations AS s ON s.branch_id = r.branch_id AND s.code = r.station_code",
            group="1",
            order="1",
        )
    )
    hours = _kitchen_finish(
        await grouped(
            session,
            "report_kitchen_hourly",
            scope.branch_ids,
            dates,
            select=f"r.hour AS hour, {_KITCHEN_SUMS}",
            group="1",
            order="1",
        )
    )
    items = await grouped(
        session,
        "report_item_times_daily",
        scope.branch_ids,
        dates,
        select="r.product_id AS key, min(p.name) AS label, sum(r.tickets)::int AS tickets, "
        "sum(r.ticket_seconds) AS seconds",
        joins="JOIN products AS p ON p.id = r.product_id",
        group="1",
        order="sum(r.ticket_seconds) / nullif(sum(r.tickets), 0) DESC NULLS LAST, 1",
        limit=25,
    )
    for row in items:
        row["avg_total"] = ratio(row.pop("seconds"), row["tickets"], 0)
    tables = [
        Table(
            name="stations",
            title=_("Ticket times per station"),
            columns=_kitchen_columns(Column(key="label", label=_("Station"), kind="text")),
            rows=stations,
            chart=Chart(kind="bar", x="label", series=["avg_wait", "avg_total"]),
        ),
        Table(
            name="by_hour",
            title=_("The rush: ticket times by hour"),
            columns=_kitchen_columns(Column(key="hour", label=_("Hour"), kind="hour")),
            rows=hours,
            chart=Chart(kind="bar", x="hour", series=["avg_wait", "avg_total"]),
        ),
        Table(
            name="items",
            title=_("Slowest items (average time of the tickets that carried them)"),
            columns=[
                Column(key="label", label=_("Product"), kind="text"),
                Column(key="tickets", label=_("Tickets"), kind="int"),
                Column(key="avg_total", label=_("Average ticket time"), kind="seconds"),
            ],
            rows=items,
            chart=Chart(kind="bar", x="label", series=["avg_total"]),
        ),
    ]
    return figures, tables


_DELIVERY_SUMS = (
    "sum(r.deliveries)::int AS deliveries, sum(r.delivered)::int AS delivered, sum(r.returned)::int AS returned, "
    "sum(r.dispatch_seconds) AS dispatch_seconds, sum(r.duration_seconds) AS duration_seconds, "
    "sum(r.late)::int AS late, sum(r.to_collect) AS to_collect, sum(r.collected) AS collected, "
    "sum(r.fees) AS fees, sum(r.settled) AS settled"
)


def _delivery_finish(rows: list[dict[str, Any]], places: int) -> list[dict[str, Any]]:
    for row in rows:
        row["avg_dispatch"] = ratio(row.pop("dispatch_seconds"), row["deliveries"], 0)
        row["avg_duration"] = ratio(row.pop("duration_seconds"), row["delivered"], 0)
        row["late_pct"] = percent(row["late"], row["delivered"])
    return money_rows(rows, ("to_collect", "collected", "fees", "settled"), places)


def _delivery_columns(first: Column) -> list[Column]:
    return [
        first,
        Column(key="deliveries", label=_("Deliveries"), kind="int"),
        Column(key="avg_dispatch", label=_("Order to dispatch"), kind="seconds"),
        Column(key="avg_duration", label=_("Ride"), kind="seconds"),
        Column(key="late", label=_("Late"), kind="int"),
        Column(key="late_pct", label=_("Late %"), kind="percent"),
        Column(key="collected", label=_("Cash collected"), kind="money"),
        Column(key="settled", label=_("Settled"), kind="money"),
        Column(key="fees", label=_("Courier fees"), kind="money"),
    ]


async def delivery_report(
    session: AsyncSession, scope: Scope, dates: Dates, *, compare: bool
) -> tuple[list[Figure], list[Table]]:
    async def totals(d: Dates) -> dict[str, Any]:
        return _delivery_finish(
            await grouped(session, "report_delivery_daily", scope.branch_ids, d, select=_DELIVERY_SUMS),
            scope.exponent,
        )[0]

    now = await totals(dates)
    prev = await totals(dates.previous()) if compare else {}
    open_balance = await session.scalar(
        text(
            """
            SELECT coalesce(sum(CASE WHEN kind = 'collection' THEN amount ELSE -amount END), 0)
            FROM courier_transactions
            WHERE courier_id IN (SELECT id FROM couriers WHERE branch_id = ANY(CAST(:b AS bigint[])))
              AND branch_id = ANY(CAST(:b AS bigint[])) AND status = 'open'
            """
        ),
        {"b": scope.branch_ids},
    )
    figures = [
        figure(
            "deliveries", _("Deliveries"), "int", now["deliveries"], prev.get("deliveries"), compare=compare
        ),
        figure(
            "avg_dispatch",
            _("Order to dispatch"),
            "seconds",
            now["avg_dispatch"],
            prev.get("avg_dispatch"),
            compare=compare,
        ),
        figure(
            "avg_duration",
            _("Average ride"),
            "seconds",
            now["avg_duration"],
            prev.get("avg_duration"),
            compare=compare,
        ),
        figure("late_pct", _("Late %"), "percent", now["late_pct"], prev.get("late_pct"), compare=compare),
        figure(
            "collected",
            _("Cash collected"),
            "money",
            now["collected"],
            prev.get("collected"),
            compare=compare,
        ),
        figure("settled", _("Settled"), "money", now["settled"], prev.get("settled"), compare=compare),
        figure(
            "open_balance",
            _("Couriers owe now (open)"),
            "money",
            quantize(open_balance, scope.exponent),
            compare=False,
        ),
    ]
    couriers = _delivery_finish(
        await grouped(
            session,
            "report_delivery_daily",
            scope.branch_ids,
            dates,
            select=f"r.courier_id AS key, min(c.name) AS label, {_DELIVERY_SUMS}",
            joins="JOIN couriers AS c ON c.id = r.courier_id",
            group="1",
            order="2, 1",
        ),
        scope.exponent,
    )
    territories = _delivery_finish(
        await grouped(
            session,
            "report_delivery_daily",
            scope.branch_ids,
            dates,
            select=f"r.territory_id AS key, min(coalesce(t.name, '—')) AS label, {_DELIVERY_SUMS}",
            joins="LEFT JOIN territories AS t ON t.id = r.territory_id",
            group="1",
            order="2, 1",
        ),
        scope.exponent,
    )
    daily = _delivery_finish(
        await grouped(
            session,
            "report_delivery_daily",
            scope.branch_ids,
            dates,
            select=f"r.business_date AS bucket, {_DELIVERY_SUMS}",
            group="1",
            order="1",
        ),
        scope.exponent,
    )
    tables = [
        Table(
            name="couriers",
            title=_("Per courier"),
            columns=_delivery_columns(Column(key="label", label=_("Courier"), kind="text")),
            rows=couriers,
            chart=Chart(kind="bar", x="label", series=["avg_dispatch", "avg_duration"]),
        ),
        Table(
            name="territories",
            title=_("Per territory"),
            columns=_delivery_columns(Column(key="label", label=_("Territory"), kind="text")),
            rows=territories,
            chart=Chart(kind="bar", x="label", series=["late_pct"]),
        ),
        Table(
            name="cash",
            title=_("Cash collected and settled by day"),
            columns=_delivery_columns(Column(key="bucket", label=_("Day"), kind="date")),
            rows=daily,
            chart=Chart(kind="line", x="bucket", series=["collected", "settled"]),
        ),
    ]
    return figures, tables


# Walk-ins are few (tens a day), so they are read straight from their table by creation time.
_QUEUE = """
SELECT {key} AS {name},
       count(*)::int AS tickets,
       count(*) FILTER (WHERE t.state = 'no_show')::int AS no_shows,
       round(avg(extract(epoch FROM t.called_at - t.created_at)))::int AS avg_wait,
       round(max(extract(epoch FROM t.called_at - t.created_at)))::int AS max_wait,
       round(avg(extract(epoch FROM t.done_at - t.served_at)))::int AS avg_service
FROM service_tickets AS t
WHERE t.branch_id = ANY(CAST(:b AS bigint[])) AND t.business_date BETWEEN :f AND :t
GROUP BY 1 ORDER BY 1
"""


async def queue_report(
    session: AsyncSession, scope: Scope, dates: Dates, *, compare: bool
) -> tuple[list[Figure], list[Table]]:
    async def run(key: str, name: str, d: Dates) -> list[dict[str, Any]]:
        sql = _QUEUE.format(key=key, name=name)
        result = await session.execute(text(sql), {"b": scope.branch_ids, "f": d.date_from, "t": d.date_to})
        return [dict(r._mapping) for r in result]

    now = (await run("1", "one", dates) or [{}])[0]
    prev = (await run("1", "one", dates.previous()) or [{}])[0] if compare else {}
    figures = [
        figure("tickets", _("Walk-ins"), "int", now.get("tickets", 0), prev.get("tickets"), compare=compare),
        figure(
            "avg_wait",
            _("Average wait"),
            "seconds",
            now.get("avg_wait"),
            prev.get("avg_wait"),
            compare=compare,
        ),
        figure(
            "avg_service",
            _("Average service"),
            "seconds",
            now.get("avg_service"),
            prev.get("avg_service"),
            compare=compare,
        ),
        figure(
            "no_shows", _("No-shows"), "int", now.get("no_shows", 0), prev.get("no_shows"), compare=compare
        ),
    ]
    columns = [
        Column(key="tickets", label=_("Walk-ins"), kind="int"),
        Column(key="avg_wait", label=_("Average wait"), kind="seconds"),
        Column(key="max_wait", label=_("Longest wait"), kind="seconds"),
        Column(key="avg_service", label=_("Average service"), kind="seconds"),
        Column(key="no_shows", label=_("No-shows"), kind="int"),
    ]
    counters = await run("coalesce(t.counter, '—')", "label", dates)
    hours = await run(
        "extract(hour FROM t.created_at AT TIME ZONE (SELECT timezone FROM branches WHERE id = t.branch_id))::int",
        "hour",
        dates,
    )
    tables = [
        Table(
            name="counters",
            title=_("Per counter"),
            columns=[Column(key="label", label=_("Counter"), kind="text"), *columns],
            rows=counters,
            chart=Chart(kind="bar", x="label", series=["avg_wait", "avg_service"]),
        ),
        Table(
            name="by_hour",
            title=_("Waits by hour"),
            columns=[Column(key="hour", label=_("Hour"), kind="hour"), *columns],
            rows=hours,
            chart=Chart(kind="bar", x="hour", series=["avg_wait"]),
        ),
    ]
    return figures, tables

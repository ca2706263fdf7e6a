"""Sales: over time, by branch / channel / cashier / category / product / tax rate / payment method, and
the dashboard (today against the same weekday last week)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from app.reports._build import BUCKETS, figure, grouped, money_rows, percent, quantize, ratio
from app.reports._text import _, _p
from app.reports.schemas import Chart, ChartKind, Column, Figure, Table
from app.reports.scope import Dates

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.reports.scope import Dimension, Period, Scope

SALES_MONEY = ("gross", "net", "tax", "discount", "delivery_charge", "cancelled_total", "avg_ticket")
_SALES_SUMS = (
    "sum(r.orders)::int AS orders, sum(r.gross) AS gross, sum(r.net) AS net, sum(r.tax) AS tax, "
    "sum(r.discount) AS discount, sum(r.items) AS items, sum(r.cancelled)::int AS cancelled, "
    "sum(r.cancelled_total) AS cancelled_total, sum(r.delivery_charge) AS delivery_charge"
)
_PRODUCT_SUMS = (
    "sum(r.orders)::int AS orders, sum(r.qty) AS qty, sum(r.gross) AS gross, sum(r.net) AS net, "
    "sum(r.tax) AS tax, sum(r.discount) AS discount"
)
_PAYMENT_SUMS = (
    "sum(r.payments)::int AS payments, sum(r.amount) AS amount, sum(r.refunds)::int AS refunds, "
    "sum(r.refunded_amount) AS refunded_amount, sum(r.voids)::int AS voids, "
    "sum(r.voided_amount) AS voided_amount"
)


def _channel_label(code: str) -> str:
    labels = {
        "counter": _("Counter"),
        "pickup": _("Pickup"),
        "dine_in": _("Dine-in"),
        "delivery": _("Delivery"),
        "partner": _("Partner"),
    }
    return labels.get(code, code)


def _method_label(code: str) -> str:
    labels = {
        "cash": _("Cash"),
        "card": _("Card"),
        "wallet": _("Wallet"),
        "bank_transfer": _("Bank transfer"),
        "on_account": _("On account"),
        "cash_on_delivery": _("Cash on delivery"),
    }
    return labels.get(code, code)


# dimension → (rollup table, key expression, label expression, joins)
_DIMENSIONS: dict[str, tuple[str, str, str, str]] = {
    "branch": ("report_sales_hourly", "r.branch_id", "b.name", "JOIN branches AS b ON b.id = r.branch_id"),
    "channel": ("report_sales_hourly", "r.channel", "r.channel", ""),
    "cashier": (
        "report_cashier_daily",
        "r.cashier_id",
        "coalesce(nullif(u.full_name, ''), u.username)",
        "LEFT JOIN users AS u ON u.id = r.cashier_id",
    ),
    "category": (
        "report_product_daily",
        "p.category_id",
        "c.name",
        "JOIN products AS p ON p.id = r.product_id JOIN categories AS c ON c.id = p.category_id",
    ),
    "product": (
        "report_product_daily",
        "r.product_id",
        "p.name",
        "JOIN products AS p ON p.id = r.product_id",
    ),
    "tax_rate": ("report_product_daily", "r.tax_rate", "r.tax_rate::text || ' %'", ""),
    "payment_method": ("report_payments_daily", "r.method", "r.method", ""),
}
_SUMS = {
    "report_sales_hourly": _SALES_SUMS,
    "report_cashier_daily": _SALES_SUMS,
    "report_product_daily": _PRODUCT_SUMS,
    "report_payments_daily": _PAYMENT_SUMS,
}
# How many keys a stacked chart over time shows; the rest of a long list (products) is in the table.
STACK_TOP = 8


def _finish_sales(rows: list[dict[str, Any]], places: int) -> list[dict[str, Any]]:
    for row in rows:
        row["avg_ticket"] = ratio(row.get("gross"), row.get("orders"), places)
    return money_rows(rows, SALES_MONEY, places)


def _sales_columns(first: Column) -> list[Column]:
    return [
        first,
        Column(key="orders", label=_("Orders"), kind="int"),
        Column(key="gross", label=_("Sales"), kind="money"),
        Column(key="net", label=_("Net of tax"), kind="money"),
        Column(key="tax", label=_("Tax"), kind="money"),
        Column(key="discount", label=_("Discounts"), kind="money"),
        Column(key="items", label=_("Items"), kind="qty"),
        Column(key="avg_ticket", label=_("Average ticket"), kind="money"),
        Column(key="cancelled", label=_("Voided orders"), kind="int"),
        Column(key="cancelled_total", label=_("Voided total"), kind="money"),
    ]


def _bucket_column(period: Period) -> Column:
    if period == "hour":
        return Column(key="bucket", label=_("Hour"), kind="hour")
    labels = {"day": _("Day"), "week": _("Week of"), "month": _("Month")}
    return Column(key="bucket", label=labels[period], kind="date")


async def sales_totals(session: AsyncSession, scope: Scope, dates: Dates) -> dict[str, Any]:
    rows = await grouped(
        session, "report_sales_hourly", scope.branch_ids, dates, select=_SALES_SUMS, months=True
    )
    payments = await grouped(session, "report_payments_daily", scope.branch_ids, dates, select=_PAYMENT_SUMS)
    row = _finish_sales(rows, scope.exponent)[0] | {
        k: v for k, v in payments[0].items() if k in ("refunds", "refunded_amount")
    }
    row["refunded_amount"] = quantize(row.get("refunded_amount"), scope.exponent)
    row["orders"] = row["orders"] or 0
    row["items"] = quantize(row.get("items"), 0)
    return row


def sales_figures(now: dict[str, Any], before: dict[str, Any] | None) -> list[Figure]:
    compare = before is not None
    prev = before or {}
    return [
        figure("gross", _("Sales"), "money", now["gross"], prev.get("gross"), compare=compare),
        figure("orders", _("Orders"), "int", now["orders"], prev.get("orders"), compare=compare),
        figure(
            "avg_ticket",
            _("Average ticket"),
            "money",
            now["avg_ticket"],
            prev.get("avg_ticket"),
            compare=compare,
        ),
        figure("items", _("Items sold"), "qty", now["items"], prev.get("items"), compare=compare),
        figure("net", _("Net of tax"), "money", now["net"], prev.get("net"), compare=compare),
        figure("tax", _("Tax"), "money", now["tax"], prev.get("tax"), compare=compare),
        figure("discount", _("Discounts"), "money", now["discount"], prev.get("discount"), compare=compare),
        figure(
            "refunded_amount",
            _("Refunds"),
            "money",
            now["refunded_amount"],
            prev.get("refunded_amount"),
            compare=compare,
        ),
        figure(
            "cancelled", _("Voided orders"), "int", now["cancelled"], prev.get("cancelled"), compare=compare
        ),
    ]


async def sales_over_time(
    session: AsyncSession, scope: Scope, dates: Dates, period: Period
) -> list[dict[str, Any]]:
    bucket = BUCKETS[period]
    rows = await grouped(
        session,
        "report_sales_hourly",
        scope.branch_ids,
        dates,
        select=f"{bucket} AS bucket, {_SALES_SUMS}",
        group="1",
        order="1",
        months=period == "month",
    )
    return _finish_sales(rows, scope.exponent)


async def by_dimension(
    session: AsyncSession, scope: Scope, dates: Dates, dim: Dimension, *, limit: int | None = None
) -> list[dict[str, Any]]:
    table, key, label, joins = _DIMENSIONS[dim]
    sums = _SUMS[table]
    order_by = "amount" if table == "report_payments_daily" else "gross"
    rows = await grouped(
        session,
        table,
        scope.branch_ids,
        dates,
        select=f"{key} AS key, min({label}) AS label, {sums}",
        joins=joins,
        group="1",
        order=f"{order_by} DESC, 1",
        limit=limit,
        months=True,
    )
    for row in rows:
        _labelled(dim, row)
    if table in ("report_sales_hourly", "report_cashier_daily"):
        return _finish_sales(rows, scope.exponent)
    keys = ("gross", "net", "tax", "discount", "amount", "refunded_amount", "voided_amount")
    return money_rows(rows, keys, scope.exponent)


def _labelled(dim: Dimension, row: dict[str, Any]) -> None:
    row["key"] = str(row["key"])
    if dim == "channel":
        row["label"] = _channel_label(row["key"])
    elif dim == "payment_method":
        row["label"] = _method_label(row["key"])
    elif dim == "cashier" and row["key"] == "0":
        row["label"] = _("No cashier (online, delivery)")
    row["label"] = row["label"] or row["key"]


async def dimension_and_time(
    session: AsyncSession, scope: Scope, dates: Dates, period: Period, dim: Dimension, *, limit: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One read for both tables of a split: per (period bucket, key) sums, added up per key here (every
    figure is a sum, so the order of adding does not matter) and kept long-form for the top keys' stack."""
    table, key, label, joins = _DIMENSIONS[dim]
    # Products, categories, payments and cashiers are rolled per day: an hourly bucket falls back to days.
    bucket = BUCKETS["day" if period == "hour" and table != "report_sales_hourly" else period]
    if dim in ("product", "category"):
        rows = await _by_product(
            session, scope, dates, bucket, by_category=dim == "category", months=period == "month"
        )
    else:
        rows = await grouped(
            session,
            table,
            scope.branch_ids,
            dates,
            select=f"{bucket} AS bucket, {key} AS key, min({label}) AS label, {_SUMS[table]}",
            joins=joins,
            group="1, 2",
            order="1, 2",
            months=period == "month",
        )
    value = "amount" if table == "report_payments_daily" else "gross"
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        _labelled(dim, row)
        into = totals.setdefault(row["key"], {"key": row["key"], "label": row["label"]})
        for name, figure_ in row.items():
            if name not in ("bucket", "key", "label"):
                into[name] = (into.get(name) or 0) + (figure_ or 0)
    ranked = sorted(totals.values(), key=lambda r: (-(r.get(value) or 0), r["key"]))
    if limit is not None:
        ranked = ranked[:limit]
    top = {r["key"] for r in ranked[:STACK_TOP]}
    stack = [
        {
            "bucket": r["bucket"],
            "key": r["key"],
            "label": r["label"],
            "value": quantize(r[value], scope.exponent),
        }
        for r in rows
        if r["key"] in top
    ]
    if table in ("report_sales_hourly", "report_cashier_daily"):
        return _finish_sales(ranked, scope.exponent), stack
    keys = ("gross", "net", "tax", "discount", "amount", "refunded_amount", "voided_amount")
    return money_rows(ranked, keys, scope.exponent), stack


async def _by_product(
    session: AsyncSession, scope: Scope, dates: Dates, bucket: str, *, by_category: bool, months: bool
) -> list[dict[str, Any]]:
    """(bucket, product) sums with no join (a year of products is ~100k rollup rows), named and folded into
    categories here from one small read of the catalog."""
    rows = await grouped(
        session,
        "report_product_daily",
        scope.branch_ids,
        dates,
        select=f"{bucket} AS bucket, r.product_id AS pid, {_PRODUCT_SUMS}",
        group="1, 2",
        months=months,
    )
    names = {
        r.id: (r.name, r.category_id, r.category)
        for r in await session.execute(
            text(
                "SELECT p.id, p.name, p.category_id, c.name AS category "
                "FROM products AS p JOIN categories AS c ON c.id = p.category_id"
            )
        )
    }
    folded: dict[tuple[Any, str], dict[str, Any]] = {}
    for row in rows:
        name, category_id, category = names.get(row["pid"], (str(row["pid"]), 0, "?"))
        key, label = (str(category_id), category) if by_category else (str(row["pid"]), name)
        into = folded.setdefault((row["bucket"], key), {"bucket": row["bucket"], "key": key, "label": label})
        for field in ("orders", "qty", "gross", "net", "tax", "discount"):
            into[field] = into.get(field, 0) + (row[field] or 0)
    return [folded[k] for k in sorted(folded, key=lambda k: (k[0], k[1]))]


def _dimension_columns(dim: Dimension) -> list[Column]:
    first = Column(key="label", label=_dimension_title(dim), kind="text")
    table = _DIMENSIONS[dim][0]
    if table in ("report_sales_hourly", "report_cashier_daily"):
        return _sales_columns(first)
    if table == "report_product_daily":
        return [
            first,
            Column(key="qty", label=_("Quantity"), kind="qty"),
            Column(key="orders", label=_("Orders"), kind="int"),
            Column(key="gross", label=_("Sales"), kind="money"),
            Column(key="net", label=_("Net of tax"), kind="money"),
            Column(key="tax", label=_("Tax"), kind="money"),
            Column(key="discount", label=_("Discounts"), kind="money"),
        ]
    return [
        first,
        Column(key="payments", label=_("Payments"), kind="int"),
        Column(key="amount", label=_("Taken"), kind="money"),
        Column(key="refunds", label=_("Refunds"), kind="int"),
        Column(key="refunded_amount", label=_p("amount", "Refunded"), kind="money"),
        Column(key="voids", label=_("Voided tenders"), kind="int"),
        Column(key="voided_amount", label=_("Voided amount"), kind="money"),
    ]


def _dimension_title(dim: Dimension) -> str:
    return {
        "none": _("Total"),
        "branch": _("Branch"),
        "channel": _("Channel"),
        "cashier": _("Cashier"),
        "category": _("Category"),
        "product": _("Product"),
        "tax_rate": _("Tax rate"),
        "payment_method": _("Payment method"),
    }[dim]


async def sales_report(
    session: AsyncSession, scope: Scope, dates: Dates, *, period: Period, dim: Dimension, compare: bool
) -> tuple[list[Figure], list[Table]]:
    now = await sales_totals(session, scope, dates)
    before = await sales_totals(session, scope, dates.previous()) if compare else None
    over_time = await sales_over_time(session, scope, dates, period)
    previous_rows = await sales_over_time(session, scope, dates.previous(), period) if compare else None
    tables = [
        Table(
            name="over_time",
            title=_("Sales over time"),
            columns=_sales_columns(_bucket_column(period)),
            rows=over_time,
            chart=Chart(
                kind="line" if period != "hour" else "bar", x="bucket", series=["gross"], compare=compare
            ),
            previous=previous_rows,
        )
    ]
    if dim != "none":
        rows, stack = await dimension_and_time(
            session, scope, dates, period, dim, limit=200 if dim == "product" else None
        )
        chart_kind: ChartKind = (
            "donut" if dim in ("channel", "payment_method", "tax_rate", "branch") else "bar"
        )
        series = ["amount"] if dim == "payment_method" else ["gross"]
        tables.append(
            Table(
                name=f"by_{dim}",
                title=_("Sales by %(dimension)s", dimension=_dimension_title(dim).lower()),
                columns=_dimension_columns(dim),
                rows=rows,
                chart=Chart(kind=chart_kind, x="label", series=series),
            )
        )
        tables.append(
            Table(
                name=f"{dim}_over_time",
                title=_("%(dimension)s over time", dimension=_dimension_title(dim)),
                columns=[
                    _bucket_column(period if period != "hour" or dim in ("branch", "channel") else "day"),
                    Column(key="label", label=_dimension_title(dim), kind="text"),
                    Column(key="value", label=_("Sales"), kind="money"),
                ],
                rows=stack,
                chart=Chart(kind="stacked_bar", x="bucket", series=["value"], stack="label"),
            )
        )
    return sales_figures(now, before), tables


# ---------------------------------------------------------------- the dashboard


async def dashboard(
    session: AsyncSession, scope: Scope, *, today: dt.date, hour: int
) -> tuple[list[Figure], list[Table]]:
    """Today so far against the same weekday a week ago up to the same hour; the day by hour; channels and
    top products today; the last four weeks; the week's shape (hour x weekday); branches side by side."""
    day = Dates(today, today)
    last_week = Dates(today - dt.timedelta(days=7), today - dt.timedelta(days=7))
    upto = f"r.hour <= {int(hour)}"
    sums = await grouped(session, "report_sales_hourly", scope.branch_ids, day, select=_SALES_SUMS)
    before = await grouped(
        session, "report_sales_hourly", scope.branch_ids, last_week, select=_SALES_SUMS, where=upto
    )
    now_row, prev_row = _finish_sales(sums, scope.exponent)[0], _finish_sales(before, scope.exponent)[0]
    for row in (now_row, prev_row):
        row["orders"] = row["orders"] or 0
        row["items"] = quantize(row.get("items"), 0)
    figures = [
        figure("gross", _("Sales today"), "money", now_row["gross"], prev_row["gross"]),
        figure("orders", _("Orders"), "int", now_row["orders"], prev_row["orders"]),
        figure("avg_ticket", _("Average ticket"), "money", now_row["avg_ticket"], prev_row["avg_ticket"]),
        figure("items", _("Items sold"), "qty", now_row["items"], prev_row["items"]),
    ]

    hourly_now = await grouped(
        session,
        "report_sales_hourly",
        scope.branch_ids,
        day,
        select="r.hour AS hour, sum(r.gross) AS gross, sum(r.orders)::int AS orders",
        group="1",
        order="1",
    )
    hourly_before = await grouped(
        session,
        "report_sales_hourly",
        scope.branch_ids,
        last_week,
        select="r.hour AS hour, sum(r.gross) AS gross, sum(r.orders)::int AS orders",
        group="1",
        order="1",
    )
    by_hour: dict[int, dict[str, Any]] = {}
    for row in hourly_now:
        by_hour.setdefault(row["hour"], {"hour": row["hour"]})["gross"] = quantize(
            row["gross"], scope.exponent
        )
    for row in hourly_before:
        by_hour.setdefault(row["hour"], {"hour": row["hour"]})["gross_last_week"] = quantize(
            row["gross"], scope.exponent
        )
    hours = [
        {
            "hour": h,
            "gross": v.get("gross", quantize(0, scope.exponent)),
            "gross_last_week": v.get("gross_last_week", quantize(0, scope.exponent)),
        }
        for h, v in sorted(by_hour.items())
    ]
    tables = [
        Table(
            name="today_by_hour",
            title=_("Today by hour, against the same day last week"),
            columns=[
                Column(key="hour", label=_("Hour"), kind="hour"),
                Column(key="gross", label=_("Today"), kind="money"),
                Column(key="gross_last_week", label=_("Same day last week"), kind="money"),
            ],
            rows=hours,
            chart=Chart(kind="line", x="hour", series=["gross", "gross_last_week"]),
        ),
        Table(
            name="channels_today",
            title=_("Channels today"),
            columns=[
                Column(key="label", label=_("Channel"), kind="text"),
                Column(key="orders", label=_("Orders"), kind="int"),
                Column(key="gross", label=_("Sales"), kind="money"),
            ],
            rows=[
                {"label": r["label"], "orders": r["orders"], "gross": r["gross"]}
                for r in await by_dimension(session, scope, day, "channel")
            ],
            chart=Chart(kind="donut", x="label", series=["gross"]),
        ),
        Table(
            name="top_products_today",
            title=_("Top products today"),
            columns=[
                Column(key="label", label=_("Product"), kind="text"),
                Column(key="qty", label=_("Quantity"), kind="qty"),
                Column(key="gross", label=_("Sales"), kind="money"),
            ],
            rows=[
                {"label": r["label"], "qty": r["qty"], "gross": r["gross"]}
                for r in await by_dimension(session, scope, day, "product", limit=10)
            ],
            chart=Chart(kind="bar", x="label", series=["gross"]),
        ),
    ]
    four_weeks = Dates(today - dt.timedelta(days=27), today)
    daily = await sales_over_time(session, scope, four_weeks, "day")
    daily_before = await sales_over_time(session, scope, four_weeks.previous(), "day")
    tables.append(
        Table(
            name="last_28_days",
            title=_("The last four weeks"),
            columns=_sales_columns(Column(key="bucket", label=_("Day"), kind="date")),
            rows=daily,
            chart=Chart(kind="line", x="bucket", series=["gross"], compare=True),
            previous=daily_before,
        )
    )
    eight_weeks = Dates(today - dt.timedelta(days=56), today - dt.timedelta(days=1))
    heat = await grouped(
        session,
        "report_sales_hourly",
        scope.branch_ids,
        eight_weeks,
        select="extract(isodow FROM r.business_date)::int AS weekday, r.hour AS hour, "
        "round(sum(r.orders) / 8.0, 1) AS orders",
        group="1, 2",
        order="1, 2",
    )
    tables.append(
        Table(
            name="week_shape",
            title=_("Orders per hour and weekday (average of the last eight weeks)"),
            columns=[
                Column(key="weekday", label=_("Weekday"), kind="int"),
                Column(key="hour", label=_("Hour"), kind="hour"),
                Column(key="orders", label=_("Orders"), kind="qty"),
            ],
            rows=heat,
            chart=Chart(kind="heatmap", x="hour", y="weekday", series=["orders"]),
        )
    )
    if len(scope.branches) > 1:
        branches = await by_dimension(session, scope, day, "branch")
        tables.append(
            Table(
                name="branches_today",
                title=_("Branches today"),
                columns=_sales_columns(Column(key="label", label=_("Branch"), kind="text")),
                rows=branches,
                chart=Chart(kind="bar", x="label", series=["gross", "net"]),
            )
        )
    return figures, tables


def share(rows: list[dict[str, Any]], key: str) -> None:
    """Adds `share` (percent of the column's total) to each row."""
    total = sum((row[key] or 0) for row in rows)
    for row in rows:
        row["share"] = percent(row[key], total)

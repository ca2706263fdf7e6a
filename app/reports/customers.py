"""Customers (revenue by customer, new against returning, on-account balances and their ageing) and
invoices and payments (invoices by status, payments by method, refunds and voids).

These read the source tables directly: customer orders and invoices are a small share of the orders, and
the (branch, business date) and (branch, issue date) indexes keep a two-year range quick.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from app.reports._build import figure, grouped, money_rows, percent, quantize
from app.reports._text import _, _p
from app.reports.sales import _method_label
from app.reports.schemas import Chart, Column, Figure, Table
from app.reports.scope import Dates

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.reports.scope import Scope

# An on-account invoice unpaid after this many days is overdue (the usual net-30 terms).
TERMS_DAYS = 30

# How far back "first order" looks: a customer seen before this is returning.
FIRST_ORDER_LOOKBACK_DAYS = 1100


async def _customers(session: AsyncSession, scope: Scope, dates: Dates) -> list[dict[str, Any]]:
    """Customers who bought in the range, with what they bought and whether their first order ever (in
    these branches) falls inside it."""
    bought = await grouped(
        session,
        "report_customer_daily",
        scope.branch_ids,
        dates,
        select="r.customer_id, sum(r.orders)::int AS orders, sum(r.gross) AS gross",
        group="1",
    )
    if not bought:
        return []
    ids = ", ".join(str(int(r["customer_id"])) for r in bought)
    firsts = await grouped(
        session,
        "report_customer_daily",
        scope.branch_ids,
        Dates(dates.date_to - dt.timedelta(days=FIRST_ORDER_LOOKBACK_DAYS), dates.date_to),
        select="r.customer_id, min(r.business_date) AS first_day",
        where=f"r.customer_id = ANY(ARRAY[{ids}]::bigint[])",
        group="1",
    )
    first_day = {r["customer_id"]: r["first_day"] for r in firsts}
    names = {
        row.id: (row.name, row.company_name)
        for row in await session.execute(
            text(f"SELECT id, name, company_name FROM customers WHERE id = ANY(ARRAY[{ids}]::bigint[])")  # noqa: S608 - ids are ints
        )
    }
    rows = [
        {
            "customer_id": r["customer_id"],
            "name": names[r["customer_id"]][0],
            "company_name": names[r["customer_id"]][1],
            "orders": r["orders"],
            "gross": r["gross"],
            "is_new": first_day[r["customer_id"]] >= dates.date_from,
        }
        for r in bought
    ]
    rows.sort(key=lambda r: (-r["gross"], r["customer_id"]))
    return rows


# What each customer owes on account at the end of the range, split by the age of the charge.
_AGEING = """
WITH charges AS (
    SELECT p.id, p.customer_id, (p.created_at AT TIME ZONE b.timezone)::date AS day,
           p.amount - coalesce((
               SELECT sum(r.amount) FROM payment_refunds AS r
               WHERE r.payment_id = p.id AND (r.created_at AT TIME ZONE b.timezone)::date <= :t
           ), 0) AS owed
    FROM payments AS p JOIN branches AS b ON b.id = p.branch_id
    WHERE p.branch_id = ANY(CAST(:b AS bigint[])) AND p.method = 'on_account'
      AND p.status IN ('captured', 'partially_refunded', 'refunded')
      AND p.created_at < ((CAST(:t AS date) + 1)::timestamp AT TIME ZONE b.timezone)
)
SELECT ch.customer_id, c.name, sum(ch.owed) AS balance,
       coalesce(sum(ch.owed) FILTER (WHERE :t - ch.day <= 30), 0) AS age_0_30,
       coalesce(sum(ch.owed) FILTER (WHERE :t - ch.day BETWEEN 31 AND 60), 0) AS age_31_60,
       coalesce(sum(ch.owed) FILTER (WHERE :t - ch.day BETWEEN 61 AND 90), 0) AS age_61_90,
       coalesce(sum(ch.owed) FILTER (WHERE :t - ch.day > 90), 0) AS age_over_90,
       c.credit_limit
FROM charges AS ch JOIN customers AS c ON c.id = ch.customer_id
GROUP BY ch.customer_id, c.name, c.credit_limit
HAVING sum(ch.owed) <> 0
ORDER BY balance DESC, ch.customer_id
"""


async def _rows(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in await session.execute(text(sql), params)]


async def customers_report(
    session: AsyncSession, scope: Scope, dates: Dates, *, compare: bool
) -> tuple[list[Figure], list[Table]]:
    params = {"b": scope.branch_ids, "f": dates.date_from, "t": dates.date_to}
    rows = await _customers(session, scope, dates)
    prev_rows = await _customers(session, scope, dates.previous()) if compare else []

    def sums(items: list[dict[str, Any]]) -> dict[str, Any]:
        new = [r for r in items if r["is_new"]]
        return {
            "customers": len(items),
            "new": len(new),
            "returning": len(items) - len(new),
            "gross": quantize(sum((r["gross"] for r in items), 0), scope.exponent),
        }

    now, prev = sums(rows), sums(prev_rows) if compare else {}
    figures = [
        figure(
            "customers",
            _("Customers served"),
            "int",
            now["customers"],
            prev.get("customers"),
            compare=compare,
        ),
        figure("new", _("New customers"), "int", now["new"], prev.get("new"), compare=compare),
        figure(
            "returning",
            _("Returning customers"),
            "int",
            now["returning"],
            prev.get("returning"),
            compare=compare,
        ),
        figure(
            "gross", _("Sales to known customers"), "money", now["gross"], prev.get("gross"), compare=compare
        ),
    ]
    top = [
        {
            "label": r["company_name"] or r["name"],
            "orders": r["orders"],
            "gross": quantize(r["gross"], scope.exponent),
            "kind": _("New") if r["is_new"] else _("Returning"),
        }
        for r in rows[:25]
    ]
    kinds = []
    for is_new, label in ((True, _("New")), (False, _("Returning"))):
        part = [r for r in rows if r["is_new"] is is_new]
        kinds.append(
            {
                "label": label,
                "customers": len(part),
                "orders": sum(r["orders"] for r in part),
                "gross": quantize(sum((r["gross"] for r in part), 0), scope.exponent),
            }
        )
    ageing = money_rows(
        await _rows(session, _AGEING, params),
        ("balance", "age_0_30", "age_31_60", "age_61_90", "age_over_90", "credit_limit"),
        scope.exponent,
    )
    for row in ageing:
        row["label"] = row.pop("name")
        row["used_pct"] = percent(row["balance"], row["credit_limit"])
    tables = [
        Table(
            name="top_customers",
            title=_("Top customers"),
            columns=[
                Column(key="label", label=_("Customer"), kind="text"),
                Column(key="orders", label=_("Orders"), kind="int"),
                Column(key="gross", label=_("Sales"), kind="money"),
                Column(key="kind", label=_("New or returning"), kind="text"),
            ],
            rows=top,
            chart=Chart(kind="bar", x="label", series=["gross"]),
        ),
        Table(
            name="new_returning",
            title=_("New and returning customers"),
            columns=[
                Column(key="label", label=_("Customers"), kind="text"),
                Column(key="customers", label=_("Count"), kind="int"),
                Column(key="orders", label=_("Orders"), kind="int"),
                Column(key="gross", label=_("Sales"), kind="money"),
            ],
            rows=kinds,
            chart=Chart(kind="donut", x="label", series=["gross"]),
        ),
        Table(
            name="on_account",
            title=_("On-account balances and their age (at the end of the range)"),
            columns=[
                Column(key="label", label=_("Customer"), kind="text"),
                Column(key="balance", label=_("Owed"), kind="money"),
                Column(key="age_0_30", label=_("0-30 days"), kind="money"),
                Column(key="age_31_60", label=_("31-60 days"), kind="money"),
                Column(key="age_61_90", label=_("61-90 days"), kind="money"),
                Column(key="age_over_90", label=_("Over 90 days"), kind="money"),
                Column(key="credit_limit", label=_("Credit limit"), kind="money"),
                Column(key="used_pct", label=_("Limit used %"), kind="percent"),
            ],
            rows=ageing,
            chart=Chart(
                kind="stacked_bar", x="label", series=["age_0_30", "age_31_60", "age_61_90", "age_over_90"]
            ),
        ),
    ]
    return figures, tables


_INVOICES = f"""
SELECT CASE WHEN am.id IS NOT NULL THEN 'amended'
            WHEN oa.order_id IS NOT NULL AND i.issue_date < CAST(:t AS date) - {TERMS_DAYS} THEN 'overdue'
            WHEN oa.order_id IS NOT NULL THEN 'on_account'
            WHEN np.payment_status IS NULL THEN 'paid'
            WHEN np.payment_status = 'refunded' THEN 'refunded'
            WHEN np.payment_status = 'partially_paid' THEN 'partly_paid'
            ELSE 'unpaid' END AS status,
       count(*)::int AS invoices, sum(i.total) AS total
FROM invoices AS i
-- Each set below is small and read whole from its partial index (see app/db/models/reports.py): an
-- order missing from the not-paid set is paid.
LEFT JOIN (
    SELECT id, payment_status FROM orders
    WHERE branch_id = ANY(CAST(:b AS bigint[])) AND payment_status <> 'paid'
) AS np ON np.id = i.order_id
LEFT JOIN (SELECT DISTINCT amends_id AS id FROM invoices WHERE amends_id IS NOT NULL) AS am ON am.id = i.id
LEFT JOIN (
    SELECT DISTINCT order_id FROM payments
    WHERE method = 'on_account' AND status IN ('captured', 'partially_refunded')
) AS oa ON oa.order_id = i.order_id
WHERE i.branch_id = ANY(CAST(:b AS bigint[])) AND i.issue_date BETWEEN :f AND :t AND i.kind = 'invoice'
GROUP BY 1 ORDER BY 1
"""  # noqa: S608 - composed from this module's constants only


def _status_label(code: str) -> str:
    return {
        "amended": _("Amended"),
        "overdue": _("Overdue (on account)"),
        "on_account": _("On account, within terms"),
        "refunded": _p("invoice", "Refunded"),
        "paid": _p("invoice", "Paid"),
        "partly_paid": _("Partly paid (or partly refunded)"),
        "unpaid": _p("invoice", "Unpaid"),
    }.get(code, code)


_PAYMENT_SUMS = (
    "sum(r.payments)::int AS payments, sum(r.amount) AS amount, sum(r.refunds)::int AS refunds, "
    "sum(r.refunded_amount) AS refunded_amount, sum(r.voids)::int AS voids, sum(r.voided_amount) AS voided_amount"
)
_PAYMENT_MONEY = ("amount", "refunded_amount", "voided_amount")


async def invoices_report(
    session: AsyncSession, scope: Scope, dates: Dates, *, compare: bool
) -> tuple[list[Figure], list[Table]]:
    params = {"b": scope.branch_ids, "f": dates.date_from, "t": dates.date_to}
    statuses = money_rows(await _rows(session, _INVOICES, params), ("total",), scope.exponent)
    for row in statuses:
        row["label"] = _status_label(row["status"])

    async def totals(d: Dates) -> dict[str, Any]:
        rows = await grouped(session, "report_payments_daily", scope.branch_ids, d, select=_PAYMENT_SUMS)
        return money_rows(rows, _PAYMENT_MONEY, scope.exponent)[0]

    now = await totals(dates)
    prev = await totals(dates.previous()) if compare else {}
    overdue = next((r for r in statuses if r["status"] == "overdue"), None)
    figures = [
        figure("amount", _("Payments taken"), "money", now["amount"], prev.get("amount"), compare=compare),
        figure(
            "refunded_amount",
            _p("amount", "Refunded"),
            "money",
            now["refunded_amount"],
            prev.get("refunded_amount"),
            compare=compare,
        ),
        figure(
            "voided_amount",
            _("Voided tenders"),
            "money",
            now["voided_amount"],
            prev.get("voided_amount"),
            compare=compare,
        ),
        figure("invoices", _("Invoices issued"), "int", sum(r["invoices"] for r in statuses), compare=False),
        figure(
            "overdue",
            _("Overdue on account"),
            "money",
            overdue["total"] if overdue else quantize(0, scope.exponent),
            compare=False,
        ),
    ]
    methods = money_rows(
        await grouped(
            session,
            "report_payments_daily",
            scope.branch_ids,
            dates,
            select=f"r.method AS key, {_PAYMENT_SUMS}",
            group="1",
            order="amount DESC, 1",
        ),
        _PAYMENT_MONEY,
        scope.exponent,
    )
    for row in methods:
        row["label"] = _method_label(row["key"])
    daily = money_rows(
        await grouped(
            session,
            "report_payments_daily",
            scope.branch_ids,
            dates,
            select=f"r.business_date AS bucket, {_PAYMENT_SUMS}",
            group="1",
            order="1",
        ),
        _PAYMENT_MONEY,
        scope.exponent,
    )
    payment_columns = [
        Column(key="payments", label=_("Payments"), kind="int"),
        Column(key="amount", label=_("Taken"), kind="money"),
        Column(key="refunds", label=_("Refunds"), kind="int"),
        Column(key="refunded_amount", label=_p("amount", "Refunded"), kind="money"),
        Column(key="voids", label=_("Voided tenders"), kind="int"),
        Column(key="voided_amount", label=_("Voided amount"), kind="money"),
    ]
    tables = [
        Table(
            name="invoices",
            title=_("Invoices by status"),
            columns=[
                Column(key="label", label=_("Status"), kind="text"),
                Column(key="invoices", label=_("Invoices"), kind="int"),
                Column(key="total", label=_("Total"), kind="money"),
            ],
            rows=statuses,
            chart=Chart(kind="donut", x="label", series=["total"]),
        ),
        Table(
            name="methods",
            title=_("Payments by method"),
            columns=[Column(key="label", label=_("Payment method"), kind="text"), *payment_columns],
            rows=methods,
            chart=Chart(kind="donut", x="label", series=["amount"]),
        ),
        Table(
            name="refunds_voids",
            title=_("Refunds and voids by day"),
            columns=[Column(key="bucket", label=_("Day"), kind="date"), *payment_columns],
            rows=daily,
            chart=Chart(kind="bar", x="bucket", series=["refunded_amount", "voided_amount"]),
        ),
    ]
    return figures, tables

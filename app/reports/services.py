"""The report service: one entry per report, each taking the caller's question and answering a ReportOut.

Rules live in the report modules (sales, operations, customers); this checks the question (scope.py), opens
one consistent snapshot for it, and assembles the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Self
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException

from app.reports import customers, insights, inventory, labour, operations, sales
from app.reports import scope as sc
from app.reports._source import open_read
from app.reports._text import _
from app.reports.schemas import ReportOut

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.deps import Scope
    from app.reports.schemas import Figure, Table

REPORTS = (
    "sales",
    "kitchen",
    "delivery",
    "queue",
    "customers",
    "invoices",
    "insights",
    "labour",
    "inventory",
)


class ReportQuery:
    """The raw query parameters of a report request, as strings; `ReportService` checks them."""

    __slots__ = ("branch_id", "by", "compare", "currency", "date_from", "date_to", "period")

    def __init__(
        self,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        branch_id: str | None = None,
        currency: str | None = None,
        period: str | None = None,
        by: str | None = None,
        compare: bool = False,
    ) -> None:
        self.date_from = date_from
        self.date_to = date_to
        self.branch_id = branch_id
        self.currency = currency
        self.period = period
        self.by = by
        self.compare = compare


class ReportService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope.session)

    async def _scope(self, actor: SessionUser, query: ReportQuery) -> sc.Scope:
        await open_read(self.session)
        return await sc.resolve(
            self.session,
            actor,
            branch_id=sc.parse_id(query.branch_id, field="branch_id"),
            currency=query.currency or None,
        )

    async def dashboard(
        self, *, actor: SessionUser, query: ReportQuery, now: dt.datetime | None = None
    ) -> ReportOut:
        scope = await self._scope(actor, query)
        local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(scope.timezone))
        figures, tables = await sales.dashboard(self.session, scope, today=local.date(), hour=local.hour)
        day = local.date()
        week_ago = day - dt.timedelta(days=7)
        return self._out(
            "dashboard", _("Today"), scope, sc.Dates(day, day), sc.Dates(week_ago, week_ago), figures, tables
        )

    async def report(self, name: str, *, actor: SessionUser, query: ReportQuery) -> ReportOut:
        if name not in REPORTS:
            raise NotFoundException(
                detail=_("No report %(name)r; there are %(choices)s", name=name, choices=", ".join(REPORTS))
            )
        if name == "labour":
            return await self._labour(actor=actor, query=query)
        period = sc.period(query.period)
        dim = sc.dimension(query.by)
        scope = await self._scope(actor, query)
        dates = sc.dates(query.date_from, query.date_to, today=sc.local_today(scope.timezone))
        compare = query.compare
        figures: list[Figure]
        tables: list[Table]
        if name == "sales":
            figures, tables = await sales.sales_report(
                self.session, scope, dates, period=period, dim=dim, compare=compare
            )
            title = _("Sales")
        elif name == "kitchen":
            figures, tables = await operations.kitchen_report(self.session, scope, dates, compare=compare)
            title = _("Kitchen")
        elif name == "delivery":
            figures, tables = await operations.delivery_report(self.session, scope, dates, compare=compare)
            title = _("Delivery")
        elif name == "queue":
            figures, tables = await operations.queue_report(self.session, scope, dates, compare=compare)
            title = _("Walk-in queue")
        elif name == "customers":
            figures, tables = await customers.customers_report(self.session, scope, dates, compare=compare)
            title = _("Customers")
        elif name == "invoices":
            figures, tables = await customers.invoices_report(self.session, scope, dates, compare=compare)
            title = _("Invoices and payments")
        elif name == "inventory":
            figures, tables = await inventory.inventory_report(self.session, scope, dates, compare=compare)
            title = _("Inventory")
        else:
            today = sc.local_today(scope.timezone)
            figures, tables = await insights.insights_report(self.session, scope, today=today)
            title = _("Insights")
            dates = sc.Dates(today + dt.timedelta(days=1), today + dt.timedelta(days=1))
            compare = False
        return self._out(name, title, scope, dates, dates.previous() if compare else None, figures, tables)

    async def _labour(self, *, actor: SessionUser, query: ReportQuery) -> ReportOut:
        # Its own groupings (person, role, branch) and periods, so checked by its own module.
        period = labour.labour_period(query.period)
        split = labour.labour_split(query.by)
        scope = await self._scope(actor, query)
        dates = sc.dates(query.date_from, query.date_to, today=sc.local_today(scope.timezone))
        figures, tables = await labour.labour_report(
            self.session,
            scope,
            dates,
            period=period,
            split=split,
            compare=query.compare,
            hide_admins="admin" not in actor.roles,
        )
        previous = dates.previous() if query.compare else None
        return self._out("labour", _("Labour"), scope, dates, previous, figures, tables)

    @staticmethod
    def _out(  # noqa: PLR0917 - one call site, every part of the answer
        name: str,
        title: str,
        scope: sc.Scope,
        dates: sc.Dates,
        previous: sc.Dates | None,
        figures: list[Figure],
        tables: list[Table],
    ) -> ReportOut:
        return ReportOut(
            report=name,
            title=title,
            date_from=dates.date_from,
            date_to=dates.date_to,
            previous_from=previous.date_from if previous else None,
            previous_to=previous.date_to if previous else None,
            currency=scope.currency,
            exponent=scope.exponent,
            branches=scope.branches,
            other_currencies=scope.other_currencies,
            figures=figures,
            tables=tables,
        )

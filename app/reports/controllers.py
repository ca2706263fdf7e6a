"""Report endpoints (managers: their branches; admins: every branch). Thin: ReportService answers.

GET /api/v1/reports/summary-mail          my daily summary e-mail: wanted? where?
PUT /api/v1/reports/summary-mail          {daily_summary, email}
GET /api/v1/reports/dashboard?branch_id=&currency=
GET /api/v1/reports/{sales|kitchen|delivery|queue|customers|invoices}
    ?from=YYYY-MM-DD&to=YYYY-MM-DD&branch_id=&currency=&period=hour|day|week|month
    &by=none|branch|channel|category|product|payment_method|cashier|tax_rate&compare=true
    &format=json|csv|xlsx&table=<name, for csv>
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter, QueryParameter

from app.auth.guards import current_user, requires_login, requires_roles
from app.lib.deps import DbSession, provide
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.reports.export import CSV_TYPE, XLSX_TYPE, report_xlsx, table_csv
from app.reports.schemas import ReportOut, SummaryMailIn, SummaryMailOut
from app.reports.services import ReportQuery, ReportService
from app.reports.summary import my_summary_mail, set_summary_mail

AnyRequest = Request[Any, Any, Any]
Service = NamedDependency[ReportService]
Text = Annotated[str | None, QueryParameter(max_length=40)]
FORMATS = ("json", "csv", "xlsx")


def _query(
    date_from: str | None,
    date_to: str | None,
    branch_id: str | None,
    currency: str | None,
    period: str | None,
    by: str | None,
    compare: str | None,
) -> ReportQuery:
    if compare not in (None, "", "true", "false", "1", "0"):
        raise unprocessable("compare", _("must be true or false"))
    return ReportQuery(
        date_from=date_from,
        date_to=date_to,
        branch_id=branch_id,
        currency=currency,
        period=period,
        by=by,
        compare=compare in ("true", "1"),
    )


# A report answers JSON, or the same figures as a CSV/XLSX file when `format` asks. The return annotation
# (`ReportOut | Response[bytes]`) would document "a ReportOut or anything", which a client cannot rely on:
# the JSON is what the schema promises; the file downloads are described in the parameters.
_AS_JSON = ResponseSpec(
    data_container=ReportOut,
    description="The report; with `format=csv` (one `table`) or `format=xlsx` the same figures as a file",
)


def _exported(report: ReportOut, fmt: str | None, table: str | None) -> ReportOut | Response[bytes]:
    fmt = fmt or "json"
    if fmt not in FORMATS:
        raise unprocessable("format", _("must be one of %(choices)s", choices=", ".join(FORMATS)))
    stem = f"passline-{report.report}-{report.date_from}-{report.date_to}"
    if fmt == "xlsx":
        return Response(
            report_xlsx(report),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'},
        )
    if fmt == "csv":
        names = [t.name for t in report.tables]
        chosen = next((t for t in report.tables if t.name == (table or names[0])), None)
        if chosen is None:
            raise unprocessable("table", _("must be one of %(choices)s", choices=", ".join(names)))
        return Response(
            table_csv(chosen),
            media_type=CSV_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{stem}-{chosen.name}.csv"'},
        )
    return report


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    guards = [requires_login, requires_roles("manager")]
    dependencies = {"report_service": provide(ReportService)}

    @get("/summary-mail")
    async def summary_mail(self, request: AnyRequest, db_session: DbSession) -> SummaryMailOut:
        return await my_summary_mail(db_session, user_id=current_user(request).user_id)

    @put("/summary-mail")
    async def set_summary_mail(
        self, request: AnyRequest, db_session: DbSession, data: JSONBody[SummaryMailIn]
    ) -> SummaryMailOut:
        return await set_summary_mail(db_session, user_id=current_user(request).user_id, request=data)

    @get("/dashboard", responses={200: _AS_JSON})
    async def dashboard(
        self,
        request: AnyRequest,
        report_service: Service,
        branch_id: Text = None,
        currency: Text = None,
        format: Text = None,
        table: Text = None,
    ) -> ReportOut | Response[bytes]:
        query = ReportQuery(branch_id=branch_id, currency=currency)
        out = await report_service.dashboard(
            actor=current_user(request), query=query, now=dt.datetime.now(dt.UTC)
        )
        return _exported(out, format, table)

    @get("/{name:str}", responses={200: _AS_JSON})
    async def report(
        self,
        request: AnyRequest,
        report_service: Service,
        name: Annotated[str, PathParameter(max_length=40)],
        date_from: Annotated[str | None, QueryParameter(name="from", max_length=40)] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", max_length=40)] = None,
        branch_id: Text = None,
        currency: Text = None,
        period: Text = None,
        by: Text = None,
        compare: Text = None,
        format: Text = None,
        table: Text = None,
    ) -> ReportOut | Response[bytes]:
        query = _query(date_from, date_to, branch_id, currency, period, by, compare)
        out = await report_service.report(name, actor=current_user(request), query=query)
        return _exported(out, format, table)

"""The managers' reports (/reports, /reports/<name>): a frame with the toolbar and the page data; the
script (js/reports/main.js) reads the report API and draws everything."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.auth.sessions import SessionUser
from app.branches.services import BranchService
from app.lib import i18n
from app.lib.deps import DbSession
from app.reports._text import _

AnyRequest = Request[Any, Any, Any]


def report_tabs() -> list[tuple[str, str]]:
    return [
        ("dashboard", _("Dashboard")),
        ("sales", _("Sales")),
        ("kitchen", _("Kitchen")),
        ("delivery", _("Delivery")),
        ("queue", _("Walk-ins")),
        ("customers", _("Customers")),
        ("invoices", _("Invoices and payments")),
        ("inventory", _("Inventory")),
        ("insights", _("Insights")),
        ("labour", _("Labour")),
    ]


# Lazy labels (the home page renders them in the reader's language).
REPORT_SCREENS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (i18n._("Reports"), "/reports", ("manager",)),
    (i18n._("Inventory report"), "/reports/inventory", ("manager",)),
)


def _user(request: AnyRequest) -> SessionUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, SessionUser) else None


async def _page(request: AnyRequest, db_session: DbSession, name: str) -> Template | Redirect:
    user = _user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path=f"/login?{urlencode({'next': target})}")
    tabs = dict(report_tabs())
    if name not in tabs:
        raise NotFoundException(detail=_("No such report"))
    if not user.has_role("manager"):
        return Template(
            template_name="reports/page.html",
            context={"problem": _("The reports are for managers."), "user": user},
            status_code=403,
        )
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    currencies = sorted({b.currency for b in branches})
    data = {
        "report": name,
        "branches": [{"id": b.id, "name": b.name, "currency": b.currency} for b in branches],
        "currencies": currencies,
        "timezone": branches[0].timezone if branches else "UTC",
    }
    return Template(
        template_name="reports/page.html",
        context={
            "user": user,
            "report": name,
            "title": tabs[name],
            "reports": list(tabs.items()),
            "branches": branches,
            "currencies": currencies,
            "data": data,
        },
    )


@get("/reports", include_in_schema=False)
async def reports_dashboard(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    return await _page(request, db_session, "dashboard")


@get("/reports/{name:str}", include_in_schema=False)
async def report_page(request: AnyRequest, db_session: DbSession, name: FromPath[str]) -> Template | Redirect:
    return await _page(request, db_session, name)


REPORT_PAGES = [reports_dashboard, report_page]

"""The back office's editing screens: /admin/menu, /admin/customers, /admin/audit, /admin/people and
/admin/branches. Each renders a frame and its page data (who is looking, their branches, the choices a form
offers); its script reads and writes the `/api/v1/admin/...` API, which enforces every rule."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Redirect, Template
from sqlalchemy import select

from app.auth.sessions import SessionUser
from app.branches.services import BranchService
from app.db.models import Station
from app.lib.deps import DbSession
from app.lib.i18n import _, translated

AnyRequest = Request[Any, Any, Any]
MANAGERS = ("manager",)

# (title, path, what it is for): added to the admin hub's list.
ADMIN_SCREENS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (_("Menu"), "/admin/menu", MANAGERS, _("products, units, prices, pictures, categories, CSV")),
    (_("Customers"), "/admin/customers", MANAGERS, _("accounts, balances, duplicates, history")),
    (_("People"), "/admin/people", MANAGERS, _("staff, roles, branches, PINs")),
    (_("Branches"), "/admin/branches", MANAGERS, _("settings, taxes, stations, tills, queue, delivery")),
    (_("Audit log"), "/admin/audit", MANAGERS, _("who changed what, and when")),
)


def _user(request: AnyRequest) -> SessionUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, SessionUser) else None


async def _screen(
    request: AnyRequest, db_session: DbSession, template: str, **extra: Any
) -> Template | Redirect:
    user = _user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path=f"/login?{urlencode({'next': target})}")
    if not user.has_role(*MANAGERS):
        return Template(
            template_name=template,
            context={"problem": translated(_("This screen is for managers.")), "user": user, "boot": None},
            status_code=403,
        )
    branches = list(await BranchService(db_session).list_visible(user))
    first = branches[0] if branches else None
    boot = {
        "user": {"id": user.user_id, "name": user.full_name or user.username, "roles": list(user.roles)},
        "is_admin": "admin" in user.roles,
        "branches": [{"id": b.id, "code": b.code, "name": b.name, "currency": b.currency} for b in branches],
        "currency": first.currency if first else "EGP",
        "timezone": first.timezone if first else "UTC",
        **extra,
    }
    return Template(template_name=template, context={"user": user, "boot": boot})


@get("/admin/menu", include_in_schema=False)
async def menu_page(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    stations = sorted(set(await db_session.scalars(select(Station.code))))
    return await _screen(request, db_session, "admin/menu.html", stations=stations)


@get("/admin/customers", include_in_schema=False)
async def customers_page(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    return await _screen(request, db_session, "admin/customers.html")


@get("/admin/audit", include_in_schema=False)
async def audit_page(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    return await _screen(request, db_session, "admin/audit.html")


@get("/admin/people", include_in_schema=False)
async def people_page(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    return await _screen(request, db_session, "admin/people.html")


@get("/admin/branches", include_in_schema=False)
async def branches_page(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    return await _screen(request, db_session, "admin/branches.html")


ADMIN_PAGES = [menu_page, customers_page, audit_page, people_page, branches_page]

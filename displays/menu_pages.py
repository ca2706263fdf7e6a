"""The menu-depth admin page (/admin/modifiers): modifier groups and their options, each product's groups,
allergens and prep time, what a branch has 86'd, and its stations' pacing. Managers only.

The page renders a frame and its data (branches with their stations, the branch shown); its script reads
and writes the menu API (app/menu/controllers.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select

from app.auth.sessions import SessionUser
from app.branches.services import BranchService
from app.db.models import Station
from app.lib.deps import DbSession
from app.lib.i18n import _

AnyRequest = Request[Any, Any, Any]
MENU_SCREENS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (_("Modifiers, allergens and 86"), "/admin/modifiers", ("manager",)),
)


@get("/admin/modifiers", include_in_schema=False)
async def menu_admin_page(
    request: AnyRequest, db_session: DbSession, branch: FromQuery[int | None] = None
) -> Template | Redirect:
    user = request.scope.get("user")
    if not isinstance(user, SessionUser):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path=f"/login?{urlencode({'next': target})}")
    if not user.has_role("manager"):
        return Template(
            template_name="menu_admin.html",
            context={"problem": _("This page is for managers."), "user": user},
            status_code=403,
        )
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    stations = await db_session.execute(
        select(Station.branch_id, Station.code, Station.name)
        .where(Station.branch_id.in_([b.id for b in branches]))
        .order_by(Station.sort_order, Station.code)
    )
    by_branch: dict[int, list[dict[str, str]]] = {}
    for branch_id, code, name in stations:
        by_branch.setdefault(branch_id, []).append({"code": code, "name": name})
    shown = next((b.id for b in branches if b.id == branch), branches[0].id if branches else None)
    boot = {
        "branch_id": shown,
        "branches": [
            {
                "id": b.id,
                "name": b.name,
                "currency": b.currency,
                "currency_exponent": b.currency_exponent,
                "timezone": b.timezone,
                "stations": by_branch.get(b.id, []),
            }
            for b in branches
        ],
    }
    return Template(template_name="menu_admin.html", context={"user": user, "boot": boot})


MENU_PAGES = [menu_admin_page]

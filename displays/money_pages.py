"""The managers' money screens: the admin hub (/admin), courier cash (/admin/courier-cash) and the shifts of
a branch with their Z reports (/admin/shifts).

Each page renders a frame and a boot object (who is looking, their branches, the branch shown and the stream
id its figures are current to); its script reads the API and follows /kanban from that id, re-reading what
an event changes, so no refresh button is needed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app.auth.sessions import SessionUser
from app.branches.services import BranchService
from app.events.stream import last_id
from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.lib.i18n import _, translated
from displays.admin_pages import ADMIN_SCREENS as BACK_OFFICE_SCREENS

AnyRequest = Request[Any, Any, Any]
MANAGERS = ("manager",)

# (title, path, roles, what it is for): the admin hub's list, and the home page's.
ADMIN_SCREENS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    *BACK_OFFICE_SCREENS,
    (
        _("Courier cash"),
        "/admin/courier-cash",
        MANAGERS,
        _("balances, settle one delivery or all, slips, history"),
    ),
    (
        _("Shifts and Z reports"),
        "/admin/shifts",
        MANAGERS,
        _("every till's shifts per branch, with their reports"),
    ),
    (_("Displays"), "/admin/devices", MANAGERS, _("pair a queue TV or a kitchen tablet, revoke it")),
)
MONEY_SCREENS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (_("Admin"), "/admin", MANAGERS),
    (_("Courier cash"), "/admin/courier-cash", MANAGERS),
    (_("Shifts and Z reports"), "/admin/shifts", MANAGERS),
)


def _user(request: AnyRequest) -> SessionUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, SessionUser) else None


def _login(request: AnyRequest) -> Redirect:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path=f"/login?{urlencode({'next': target})}")


def _problem(template: str, status: int, message: str, user: SessionUser | None) -> Template:
    return Template(template_name=template, context={"problem": message, "user": user}, status_code=status)


@get("/admin", include_in_schema=False)
async def admin_page(request: AnyRequest) -> Template | Redirect:
    user = _user(request)
    if user is None:
        return _login(request)
    screens = [(title, path, about) for title, path, roles, about in ADMIN_SCREENS if user.has_role(*roles)]
    if not screens:
        return _problem("admin.html", 403, translated(_("The admin screens are for managers.")), user)
    return Template(template_name="admin.html", context={"user": user, "screens": screens})


async def _manager_page(
    request: AnyRequest,
    *,
    db_session: DbSession,
    redis: RedisClient,
    keys: RedisKeys,
    template: str,
    branch: int | None,
) -> Template | Redirect | dict[str, Any]:
    """Who is asking and for which branch (`?branch=`, else their first); the boot every money page gets."""
    user = _user(request)
    if user is None:
        return _login(request)
    if not user.has_role(*MANAGERS):
        return _problem(template, 403, "This screen is for managers.", user)
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    if not branches:
        return _problem(template, 404, "You belong to no active branch.", user)
    chosen = next((b for b in branches if b.id == branch), None)
    if branch is not None and chosen is None:
        return _problem(template, 404, "No such branch among yours.", user)
    shown = chosen or branches[0]
    return {
        "user": {"id": user.user_id, "name": user.full_name or user.username, "roles": list(user.roles)},
        "branches": [
            {"id": b.id, "name": b.name, "currency": b.currency, "timezone": b.timezone} for b in branches
        ],
        "branch": {
            "id": shown.id,
            "name": shown.name,
            "currency": shown.currency,
            "timezone": shown.timezone,
        },
        # Read before the page's first API read: a change in between is replayed, never missed.
        "stream_id": await last_id(redis, keys, shown.id),
    }


@get("/admin/courier-cash", include_in_schema=False)
async def courier_cash_page(
    request: AnyRequest,
    *,
    db_session: DbSession,
    redis: RedisClient,
    keys: RedisKeys,
    branch: FromQuery[int | None] = None,
    courier: FromQuery[int | None] = None,
) -> Template | Redirect:
    boot = await _manager_page(
        request, db_session=db_session, redis=redis, keys=keys, template="courier_cash.html", branch=branch
    )
    if not isinstance(boot, dict):
        return boot
    boot["courier_id"] = courier
    return Template(template_name="courier_cash.html", context={"user": _user(request), "boot": boot})


@get("/admin/shifts", include_in_schema=False)
async def shifts_page(
    request: AnyRequest,
    *,
    db_session: DbSession,
    redis: RedisClient,
    keys: RedisKeys,
    branch: FromQuery[int | None] = None,
) -> Template | Redirect:
    boot = await _manager_page(
        request, db_session=db_session, redis=redis, keys=keys, template="shifts.html", branch=branch
    )
    if not isinstance(boot, dict):
        return boot
    return Template(template_name="shifts.html", context={"user": _user(request), "boot": boot})


MONEY_PAGES = [admin_page, courier_cash_page, shifts_page]

"""Pages of the queue TV, the walk-in kiosk, the counter screen, display pairing and the device list.

The TV page (`/queue/{branch}`) is served to anyone: a paired TV has no session, and its device token
lives in the browser's localStorage, which the server never sees on a page load. The page's script
decides: a staff session or a stored token shows the board (the board API checks either); neither sends
the display to `/pair`. Nothing branch-specific is rendered into the page for a visitor without a session.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from app.auth.sessions import SessionUser
from app.branches.services import BranchService
from app.db.models import Branch
from app.lib.deps import DbSession
from app.lib.i18n import _, translated
from app.lib.params import MAX_ID
from app.queue.services import service_options
from app.queue.setup import counters_of

AnyRequest = Request[Any, Any, Any]
BranchPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
DEVICE_ADMINS = ("manager",)
# Who calls walk-in numbers (the API's COUNTER_STAFF).
COUNTER_ROLES = ("cashier", "manager")


def _user(request: AnyRequest) -> SessionUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, SessionUser) else None


def _login(request: AnyRequest) -> Redirect:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path=f"/login?{urlencode({'next': target})}")


def _problem(message: str, status: int) -> Template:
    return Template(template_name="queue.html", context={"problem": message}, status_code=status)


@get("/queue", include_in_schema=False)
async def queue_index(request: AnyRequest, db_session: DbSession) -> Redirect:
    """The home page's link: the TV of the user's first active branch; a display goes to pairing."""
    user = _user(request)
    if user is None:
        return Redirect(path="/pair")
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    if not branches:
        return Redirect(path="/")
    return Redirect(path=f"/queue/{branches[0].id}")


@get("/queue/{branch:int}", include_in_schema=False)
async def queue_page(request: AnyRequest, db_session: DbSession, branch: BranchPath) -> Template:
    user = _user(request)
    shown: Branch | None = None
    if user is not None and user.can_see_branch(branch):
        shown = await db_session.get(Branch, branch)
        if shown is None:
            return _problem(translated(_("No such branch.")), 404)
    return Template(
        template_name="queue.html",
        context={"branch_id": branch, "branch": shown, "session": user is not None},
    )


@get("/queue/{branch:int}/kiosk", include_in_schema=False)
async def kiosk_page(request: AnyRequest, db_session: DbSession, branch: BranchPath) -> Template:
    """Public: the touch screen by the door where walk-in customers take a number. Paired as a queue
    display (or opened by staff) it also shows, live, who is being served and how many wait."""
    shown = await db_session.get(Branch, branch)
    if shown is None or not shown.active:
        return Template(
            template_name="queue_kiosk.html",
            context={"problem": translated(_("No such branch."))},
            status_code=404,
        )
    return Template(
        template_name="queue_kiosk.html",
        context={
            "branch": shown,
            # Rendered here, not with the template's _(): a manager's own name may hold a "%".
            "services": [
                {"code": s.code, "title": translated(s.title)}
                for s in await service_options(db_session, branch)
            ],
            "session": _user(request) is not None,
        },
    )


@get("/queue/counter", include_in_schema=False)
async def counter_index(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    """The home page's link: the counter screen of the user's branch, or a choice of branches."""
    user = _user(request)
    if user is None:
        return _login(request)
    if not user.has_role(*COUNTER_ROLES):
        return _counter_problem(translated(_("The counter screen is for cashiers and managers.")), 403, user)
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    if len(branches) == 1:
        return Redirect(path=f"/queue/{branches[0].id}/counter")
    if not branches:
        return _counter_problem(translated(_("You belong to no active branch.")), 404, user)
    return Template(template_name="queue_counter.html", context={"user": user, "pick": branches})


@get("/queue/{branch:int}/counter", include_in_schema=False)
async def counter_page(request: AnyRequest, db_session: DbSession, branch: BranchPath) -> Template | Redirect:
    """A clerk's counter: pick a counter and its services, call the next number, call again, serve, send
    to another counter, done or no-show; live over /pos (the walk-in events in full, ticket ids included)."""
    user = _user(request)
    if user is None:
        return _login(request)
    if not user.has_role(*COUNTER_ROLES):
        return _counter_problem(translated(_("The counter screen is for cashiers and managers.")), 403, user)
    shown = await db_session.get(Branch, branch) if user.can_see_branch(branch) else None
    if shown is None or not shown.active:
        # Another branch's counter answers like a missing one.
        return _counter_problem(translated(_("No such branch among yours.")), 404, user)
    boot = {
        "user": {"id": user.user_id, "name": user.full_name or user.username},
        "branch": {"id": shown.id, "name": shown.name, "timezone": shown.timezone},
        "services": [
            {"code": s.code, "title": translated(s.title)}
            for s in await service_options(db_session, shown.id)
        ],
        "counters": await counters_of(db_session, shown.id),
        "timezone": shown.timezone,
    }
    return Template(template_name="queue_counter.html", context={"user": user, "branch": shown, "boot": boot})


def _counter_problem(message: str, status: int, user: SessionUser | None) -> Template:
    return Template(
        template_name="queue_counter.html", context={"problem": message, "user": user}, status_code=status
    )


@get("/pair", include_in_schema=False)
async def pair_page() -> Template:
    return Template(template_name="pair.html", context={})


@get("/admin/devices", include_in_schema=False)
async def admin_devices_page(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    user = _user(request)
    if user is None:
        return _login(request)
    if not user.has_role(*DEVICE_ADMINS):
        return Template(
            template_name="admin_devices.html",
            context={"user": user, "problem": translated(_("Pairing displays needs the manager role."))},
            status_code=403,
        )
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    return Template(template_name="admin_devices.html", context={"user": user, "branches": branches})


QUEUE_PAGES = [
    queue_index,
    queue_page,
    kiosk_page,
    counter_index,
    counter_page,
    pair_page,
    admin_devices_page,
]
# (title, path, roles) for the home page's list of screens.
QUEUE_SCREENS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (_("Walk-in counter (call numbers)"), "/queue/counter", COUNTER_ROLES),
    (_("Queue TV"), "/queue", ("manager", "cashier")),
    (_("Displays (pair a TV or kitchen tablet)"), "/admin/devices", DEVICE_ADMINS),
)

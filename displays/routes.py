"""Page routes: server-rendered Jinja2 templates plus the static scripts they load (no CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from babel.lists import format_list
from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import File, Redirect, Template
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy import select

from app.auth.sessions import SessionUser
from app.branches.services import BranchService
from app.catalog.services import CatalogService
from app.db.models import Branch, Courier, Station, User
from app.events.stream import last_id
from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.lib.i18n import _, current_language, translated
from app.orders.states import OPEN_STATES, TRANSITIONS
from app.preferences import PreferenceService
from displays import pagekit
from displays.admin_pages import ADMIN_PAGES
from displays.assets import asset
from displays.inventory_pages import INVENTORY_PAGES, INVENTORY_SCREENS
from displays.menu_pages import MENU_PAGES, MENU_SCREENS
from displays.money_pages import MONEY_PAGES, MONEY_SCREENS
from displays.pos_pages import POS_PAGES
from displays.queue_pages import QUEUE_PAGES, QUEUE_SCREENS
from displays.report_pages import REPORT_PAGES, REPORT_SCREENS

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
# `npm install` in displays/ puts the official socket.io-client browser build here (see Makefile).
VENDOR_SOCKET_IO = HERE / "node_modules" / "socket.io-client" / "dist"

# The screens each role works on. Only screens that exist are listed; each screen's issue adds its own.
SCREENS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (_("Orders board"), "/kanban", ("manager",)),
    (_("Till (POS)"), "/pos", ("cashier", "manager")),
    *QUEUE_SCREENS,
    (_("Kitchen displays"), "/kds", ("kitchen", "manager")),
    (_("Kitchen expo"), "/kds/expo", ("kitchen", "manager")),
    (_("My deliveries"), "/courier", ("courier",)),
    *MONEY_SCREENS,
    *MENU_SCREENS,
    *REPORT_SCREENS,
    *INVENTORY_SCREENS,
    (_("API schema"), "/schema", ("admin", "manager")),
    (_("Health"), "/health/ready", ("admin", "manager")),
    (_("Metrics"), "/metrics", ("admin",)),
)
ROLE_LABELS: dict[str, str] = {
    "admin": _("admin"),
    "manager": _("manager"),
    "cashier": _("cashier"),
    "kitchen": _("kitchen"),
    "courier": _("courier"),
    "hr": _("HR"),
}
# A person's own screens, not a view over the shop: an admin (who passes every role check) is nobody's
# courier, so they are listed only for those who hold the role itself.
PERSONAL = frozenset({"/courier"})
# What a role without screens yet can do, so their home page is never empty.
NO_SCREENS_YET: dict[str, str] = {
    "hr": _(
        "You are signed in with the HR role. Clock in and out above; the staff screens (employees, rotas, "
        "leave and payroll) come with a later release of Passline, and until then nothing is waiting for you."
    ),
}


def screens_for(user: SessionUser) -> list[tuple[str, str]]:
    return [
        (translated(title), path)
        for title, path, roles in SCREENS
        if (any(role in user.roles for role in roles) if path in PERSONAL else user.has_role(*roles))
    ]


def home_notes(user: SessionUser) -> list[str]:
    """Why a role has no screen yet (hr), or that this sign-in opens none; shown on the home page."""
    notes = [translated(NO_SCREENS_YET[role]) for role in user.roles if role in NO_SCREENS_YET]
    if not notes and not screens_for(user):
        notes.append(translated(_("Your roles open no screen yet. Ask a manager which screens you need.")))
    return notes


def _user(request: Request[Any, Any, Any]) -> SessionUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, SessionUser) else None


def _safe_next(raw: str | None) -> str | None:
    # Only same-site paths: an open redirect after login is a phishing aid.
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return None


@get("/", include_in_schema=False)
async def index(request: Request[Any, Any, Any], db_session: DbSession) -> Template | Redirect:
    user = _user(request)
    if user is None:
        return Redirect(path="/login")
    own_language = await db_session.scalar(select(User.language).where(User.id == user.user_id))
    # "cashier and manager" / "كاشير ومدير": the language's own way of listing.
    roles = format_list(
        [translated(ROLE_LABELS.get(role, role)) for role in user.roles], locale=current_language()
    )
    return Template(
        template_name="home.html",
        context={
            "user": user,
            "screens": screens_for(user),
            "notes": home_notes(user),
            "roles": roles,
            "own_language": own_language or "",
        },
    )


@get("/favicon.ico", include_in_schema=False, cache=86400)
async def favicon() -> File:
    """What a browser asks for on a page without an icon link (the printable receipts): the same mark."""
    return File(path=STATIC / "favicon.png", media_type="image/png", content_disposition_type="inline")


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = _user(request)
    target = _safe_next(request.query_params.get("next"))
    if user is not None:
        return Redirect(path=target or "/")
    return Template(template_name="login.html", context={"next": target or ""})


# ----------------------------------------------------------------------------- kitchen displays

KITCHEN_ROLES = ("kitchen", "manager")


def _login_redirect(request: Request[Any, Any, Any]) -> Redirect:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path=f"/login?{urlencode({'next': target})}")


def _kitchen_problem(status: int, message: str, **context: Any) -> Template:
    return Template(template_name="kds.html", context={"problem": message, **context}, status_code=status)


async def _kitchen_links(
    user: SessionUser, db_session: DbSession, *, station: str | None = None, expo: bool = False
) -> list[dict[str, Any]]:
    """Per visible branch: its name and its kitchen screens (all of them, only `station`, or the expo)."""
    catalog = CatalogService(db_session)
    out = []
    for b in await BranchService(db_session).list_visible(user):
        if not b.active:
            continue
        stations = [
            {"code": s.code, "name": s.name, "url": f"/kds/{s.code}?branch={b.id}"}
            for s in await catalog.stations(user=user, branch_id=b.id)
            if (station is None and not expo) or s.code == station
        ]
        if station is not None and not stations:
            continue
        out.append(
            {
                "id": b.id,
                "name": b.name,
                "stations": stations,
                "expo_url": f"/kds/expo?branch={b.id}" if station is None else None,
            }
        )
    return out


@get("/kds", include_in_schema=False)
async def kds_index(request: Request[Any, Any, Any], db_session: DbSession) -> Template | Redirect:
    """Which kitchen screen this tablet shows: every station and expo of the user's branches."""
    gate = await _kitchen_gate(request, db_session, None)
    if not isinstance(gate, tuple):
        return gate
    user, _branch = gate
    links = await _kitchen_links(user, db_session)
    return Template(
        template_name="kds.html",
        context={"user": user, "pick": links, "heading": translated(_("Kitchen displays"))},
    )


async def _kitchen_gate(
    request: Request[Any, Any, Any], db_session: DbSession, branch: int | None
) -> Template | Redirect | tuple[SessionUser, Branch | None]:
    """Who is asking and for which branch: `?branch=`, or the user's only active one (None: they must pick).

    A refusal comes back as the page to answer with: sign in first, a role problem, or an unknown branch.
    """
    user = _user(request)
    if user is None:
        return _login_redirect(request)
    if not user.has_role(*KITCHEN_ROLES):
        return _kitchen_problem(
            403, translated(_("Kitchen screens need the kitchen or manager role.")), user=user
        )
    service = BranchService(db_session)
    if branch is not None:
        try:
            return user, await service.get_visible(user, branch)
        except NotFoundException:
            # Another branch's id answers like a missing one, as in the API.
            return _kitchen_problem(404, translated(_("No such branch among yours.")), user=user)
    visible = [b for b in await service.list_visible(user) if b.active]
    return user, (visible[0] if len(visible) == 1 else None)


@get("/kds/expo", include_in_schema=False)
async def kds_expo_page(
    request: Request[Any, Any, Any], db_session: DbSession, branch: FromQuery[int | None] = None
) -> Template | Redirect:
    gate = await _kitchen_gate(request, db_session, branch)
    if not isinstance(gate, tuple):
        return gate
    user, chosen = gate
    if chosen is None:
        links = await _kitchen_links(user, db_session, expo=True)
        return Template(
            template_name="kds.html",
            context={"user": user, "pick": links, "heading": translated(_("Expo: pick a branch"))},
        )
    # Chip labels on the expo, in the kitchen's own station order.
    stations = await CatalogService(db_session).stations(user=user, branch_id=chosen.id)
    names = [[s.code, s.name] for s in stations]
    return Template(template_name="expo.html", context={"user": user, "branch": chosen, "stations": names})


async def _station_for_display(
    request: Request[Any, Any, Any], db_session: DbSession, station: str, branch: int | None
) -> Template | Redirect:
    """A paired station tablet has no session, only its device token (in the browser, sent by the page's
    script). The page itself shows nothing private, so it renders; the API and the socket check the token,
    and a tablet without one is sent to pair."""
    if branch is None:
        return Redirect(path=f"/pair?next={quote(request.url.path)}")
    found = await db_session.scalar(
        select(Station).where(Station.branch_id == branch, Station.code == station)
    )
    shop = await db_session.get(Branch, branch)
    if found is None or shop is None or not shop.active:
        return _kitchen_problem(
            404, translated(_("No station %(code)s here.", code=repr(station))), user=None
        )
    return Template(template_name="kds.html", context={"user": None, "branch": shop, "station": found})


@get("/kds/{station:str}", include_in_schema=False)
async def kds_station_page(
    request: Request[Any, Any, Any],
    station: FromPath[str],
    db_session: DbSession,
    branch: FromQuery[int | None] = None,
) -> Template | Redirect:
    if _user(request) is None:
        return await _station_for_display(request, db_session, station, branch)
    gate = await _kitchen_gate(request, db_session, branch)
    if not isinstance(gate, tuple):
        return gate
    user, chosen = gate
    if chosen is None:
        links = await _kitchen_links(user, db_session, station=station)
        if not links:
            return _kitchen_problem(
                404, translated(_("No station %(code)s in your branches.", code=repr(station))), user=user
            )
        return Template(
            template_name="kds.html",
            context={
                "user": user,
                "pick": links,
                "heading": translated(_("Station %(code)s: pick a branch", code=station)),
            },
        )
    stations = await CatalogService(db_session).stations(user=user, branch_id=chosen.id)
    found = next((s for s in stations if s.code == station), None)
    if found is None:
        return _kitchen_problem(
            404,
            translated(_("No station %(code)s in %(branch)s.", code=repr(station), branch=chosen.name)),
            user=user,
        )
    return Template(template_name="kds.html", context={"user": user, "branch": chosen, "station": found})


# ----------------------------------------------------------------------------- kanban board and courier phone

MANAGER_ROLES = ("manager",)
BOARD_FILTERS = "kanban.filters"  # the board's preference key (displays/static/js/kanban/filters.js)


def _transition_table() -> list[dict[str, Any]]:
    """The state machine's table as the board needs it to say where a card may be dropped.

    Only a hint for the drag (the Lua script decides): a stale page still gets the server's 409/403/422.
    """
    return [
        {
            "from": origin.value,
            "to": target.value,
            "roles": sorted(rule.roles),
            "channels": sorted(rule.channels) if rule.channels is not None else None,
            "requires": list(rule.requires),
            "requires_paid": rule.requires_paid,
        }
        for (origin, target), rule in TRANSITIONS.items()
    ]


def _page_problem(template: str, status: int, message: str, user: SessionUser | None) -> Template:
    return Template(template_name=template, context={"problem": message, "user": user}, status_code=status)


@get("/kanban", include_in_schema=False)
async def kanban_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template | Redirect:
    """The managers' live board: the page carries who is looking and which branches they may pick; the
    script loads each branch's board snapshot and follows /kanban from the stream ids it is current to."""
    user = _user(request)
    if user is None:
        return _login_redirect(request)
    if not user.has_role(*MANAGER_ROLES):
        return _page_problem("kanban.html", 403, translated(_("The board is for managers.")), user)
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    if not branches:
        return _page_problem("kanban.html", 404, translated(_("You belong to no active branch.")), user)
    boot = {
        "user": {"id": user.user_id, "name": user.full_name or user.username, "roles": list(user.roles)},
        "branches": [
            {"id": b.id, "code": b.code, "name": b.name, "currency": b.currency, "timezone": b.timezone}
            for b in branches
        ],
        "open_states": [s.value for s in OPEN_STATES],
        "transitions": _transition_table(),
        # The remembered filters (which branches to follow) ride with the page, so the first load asks the
        # API one thing only: the board snapshot of those branches.
        "filters": (await PreferenceService(db_session).get(key=BOARD_FILTERS, actor=user)).value,
    }
    return Template(template_name="kanban.html", context={"user": user, "boot": boot})


@get("/courier", include_in_schema=False)
async def courier_page(
    request: Request[Any, Any, Any], db_session: DbSession, redis: RedisClient, keys: RedisKeys
) -> Template | Redirect:
    """A courier's phone: who they are, and the stream id their deliveries list will be at least current to.

    The script asks the API for the courier's own deliveries and balance only, then follows /courier from
    this id: the id is read before the list, so a change in between is replayed (and applied idempotently)
    rather than missed.
    """
    user = _user(request)
    if user is None:
        return _login_redirect(request)
    courier = await db_session.scalar(select(Courier).where(Courier.user_id == user.user_id))
    if courier is None:
        message = translated(
            _("This login is not linked to a courier.")
            if user.has_role("courier")
            else _("The courier page is for couriers.")
        )
        return _page_problem("courier.html", 403, message, user)
    branch = await db_session.get(Branch, courier.branch_id)
    if branch is None or not user.can_see_branch(branch.id):
        return _page_problem(
            "courier.html", 403, translated(_("Your courier record is not in one of your branches.")), user
        )
    boot = {
        "user": {"id": user.user_id, "name": user.full_name or user.username},
        "courier": {"id": courier.id, "name": courier.name, "active": courier.active},
        "branch": {
            "id": branch.id,
            "name": branch.name,
            "currency": branch.currency,
            "timezone": branch.timezone,
        },
        "stream_id": await last_id(redis, keys, branch.id),
        # format.js shows money and times in the courier's branch, whichever branch the language came from.
        "currency": branch.currency,
        "timezone": branch.timezone,
    }
    return Template(template_name="courier.html", context={"user": user, "courier": courier, "boot": boot})


DISPLAY_ROUTES = [
    index,
    favicon,
    login_page,
    kds_index,
    kds_expo_page,
    kds_station_page,
    kanban_page,
    courier_page,
]
DISPLAY_ROUTES += QUEUE_PAGES
DISPLAY_ROUTES += POS_PAGES
DISPLAY_ROUTES += MONEY_PAGES
DISPLAY_ROUTES += ADMIN_PAGES
DISPLAY_ROUTES += MENU_PAGES
DISPLAY_ROUTES += REPORT_PAGES
DISPLAY_ROUTES += INVENTORY_PAGES
DISPLAY_ROUTES += [asset]


def static_files_routers() -> list[Router]:
    routers = [
        create_static_files_router(
            path="/static", directories=[STATIC], include_in_schema=False, send_as_attachment=False
        )
    ]
    if VENDOR_SOCKET_IO.is_dir():
        routers.append(
            create_static_files_router(
                path="/vendor/socket.io",
                directories=[VENDOR_SOCKET_IO],
                include_in_schema=False,
                send_as_attachment=False,
            )
        )
    return routers


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    # The i18n-aware environment (translations, page_data, static): displays/pagekit.py.
    return pagekit.template_config()

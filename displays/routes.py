"""Page routes: server-rendered Jinja2 templates plus the static scripts they load (no CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from app.auth.sessions import SessionUser

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
# `npm install` in displays/ puts the official socket.io-client browser build here (see Makefile).
VENDOR_SOCKET_IO = HERE / "node_modules" / "socket.io-client" / "dist"

# The screens each role works on. Only screens that exist are listed; each screen's issue adds its own.
SCREENS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("API schema", "/schema", ("admin", "manager")),
    ("Health", "/health/ready", ("admin", "manager")),
    ("Metrics", "/metrics", ("admin",)),
)


def screens_for(user: SessionUser) -> list[tuple[str, str]]:
    return [(title, path) for title, path, roles in SCREENS if user.has_role(*roles)]


def _user(request: Request[Any, Any, Any]) -> SessionUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, SessionUser) else None


def _safe_next(raw: str | None) -> str | None:
    # Only same-site paths: an open redirect after login is a phishing aid.
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return None


@get("/", include_in_schema=False)
async def index(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = _user(request)
    if user is None:
        return Redirect(path="/login")
    return Template(template_name="home.html", context={"user": user, "screens": screens_for(user)})


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = _user(request)
    target = _safe_next(request.query_params.get("next"))
    if user is not None:
        return Redirect(path=target or "/")
    return Template(template_name="login.html", context={"next": target or ""})


DISPLAY_ROUTES = [index, login_page]


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
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)

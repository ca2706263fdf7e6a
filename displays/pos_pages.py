"""The cashier's till (`/pos`) and the service worker that keeps it selling offline (`/pos-sw.js`).

The page carries who is selling and the money rules of their branches (currency, tax-inclusive prices,
cash rounding) so the script can price a cart before any API answers, and again when the page is served
from the service worker's cache with the network gone. Everything else (tills, catalog, customers) the
script asks the API for, and the service worker keeps the last answers.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Redirect, Response, Template

from app.auth.sessions import SessionUser
from app.branches.services import BranchService
from app.lib.deps import DbSession
from app.lib.i18n import _
from displays.assets import ASSETS, STATIC

AnyRequest = Request[Any, Any, Any]
POS_ROLES = ("cashier", "manager")
SERVICE_WORKER = Path(__file__).parent / "static" / "pos-sw.js"
# The till's entry points: its script (whose imports are followed) and the files the page links itself.
ENTRY = "js/pos.js"
LINKED = ("css/tokens.css", "css/app.css", "css/pos.css", "favicon.svg")
# `import … from "/static/js/x.js"`, `import("./y.js")`, `export … from "…"`: the module's dependencies.
COMMENT = re.compile(r"^\s*(?://|/?\*).*$", re.MULTILINE)
IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+\.m?js)["']""")


def _user(request: AnyRequest) -> SessionUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, SessionUser) else None


def _problem(message: str, status: int, user: SessionUser | None) -> Template:
    return Template(template_name="pos.html", context={"problem": message, "user": user}, status_code=status)


@cache
def _module_graph(digest: str) -> tuple[str, ...]:
    """Every static file the till loads (tree paths, e.g. `js/shared/dom.js`, `vendor/big.js/big.mjs`): its
    script's imports followed to the end, so a module added to the till is kept offline without a list to
    update. Cached per asset digest (any change to the tree gives a new one)."""
    seen: set[str] = set()
    todo = [ENTRY]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.startswith("vendor/"):
            continue  # a vendored package's own imports are relative to it and rarely there
        source = STATIC / path
        if not source.is_file():
            continue
        code = COMMENT.sub("", source.read_text(encoding="utf-8"))
        for spec in IMPORT.findall(code):
            if spec.startswith("/static/"):
                todo.append(spec.removeprefix("/static/"))
            elif spec.startswith("/vendor/"):
                todo.append(spec.lstrip("/"))
            elif spec.startswith("."):
                todo.append(
                    (STATIC / path).parent.joinpath(spec).resolve().relative_to(STATIC.resolve()).as_posix()
                )
    return tuple(sorted(seen | set(LINKED)))


def service_worker_source() -> bytes:
    """pos-sw.js with the hashed URLs of the till's files written in (`self.PASSLINE_SHELL`): a new release
    is new bytes, so the browser installs the new worker, which keeps the new files."""
    digest = ASSETS.digest
    shell = [ASSETS.url(path) for path in _module_graph(digest)]
    head = f"self.PASSLINE_DIGEST = {json.dumps(digest)};\nself.PASSLINE_SHELL = {json.dumps(shell)};\n"
    return head.encode() + SERVICE_WORKER.read_bytes()


@get("/pos", include_in_schema=False)
async def pos_page(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    user = _user(request)
    if user is None:
        return Redirect(path=f"/login?{urlencode({'next': '/pos'})}")
    if not user.has_role(*POS_ROLES):
        return _problem(_("The till is for cashiers and managers."), 403, user)
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    if not branches:
        return _problem(_("You belong to no active branch."), 404, user)
    boot = {
        "user": {"id": user.user_id, "name": user.full_name or user.username, "roles": list(user.roles)},
        "branches": [
            {
                "id": b.id,
                "code": b.code,
                "name": b.name,
                "currency": b.currency,
                "currency_exponent": b.currency_exponent,
                "prices_include_tax": b.prices_include_tax,
                "cash_rounding": str(b.cash_rounding),
                "timezone": b.timezone,
            }
            for b in branches
        ],
    }
    return Template(template_name="pos.html", context={"user": user, "boot": boot})


@get("/pos-sw.js", include_in_schema=False)
async def pos_service_worker() -> Response[bytes]:
    """Served from the site root so its scope may cover `/pos` (a script under /static could only control
    /static/ pages); `no-cache` makes the browser check for a new worker on every registration."""
    return Response(
        content=service_worker_source(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/pos"},
    )


POS_PAGES = [pos_page, pos_service_worker]

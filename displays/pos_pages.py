"""The cashier's till (`/pos`) and the service worker that keeps it selling offline (`/pos-sw.js`).

The page carries who is selling and the money rules of their branches (currency, tax-inclusive prices,
cash rounding) so the script can price a cart before any API answers, and again when the page is served
from the service worker's cache with the network gone. Everything else (tills, catalog, customers) the
script asks the API for, and the service worker keeps the last answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Redirect, Response, Template

from app.auth.sessions import SessionUser
from app.branches.services import BranchService
from app.lib.deps import DbSession

AnyRequest = Request[Any, Any, Any]
POS_ROLES = ("cashier", "manager")
SERVICE_WORKER = Path(__file__).parent / "static" / "pos-sw.js"


def _user(request: AnyRequest) -> SessionUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, SessionUser) else None


def _problem(message: str, status: int, user: SessionUser | None) -> Template:
    return Template(template_name="pos.html", context={"problem": message, "user": user}, status_code=status)


@get("/pos", include_in_schema=False)
async def pos_page(request: AnyRequest, db_session: DbSession) -> Template | Redirect:
    user = _user(request)
    if user is None:
        return Redirect(path=f"/login?{urlencode({'next': '/pos'})}")
    if not user.has_role(*POS_ROLES):
        return _problem("The till is for cashiers and managers.", 403, user)
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    if not branches:
        return _problem("You belong to no active branch.", 404, user)
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
        content=SERVICE_WORKER.read_bytes(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/pos"},
    )


POS_PAGES = [pos_page, pos_service_worker]

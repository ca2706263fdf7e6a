"""The inventory screen (/inventory): a branch's stock with its ledger, counts, transfers, purchase orders,
suppliers and petty cash, for managers on a tablet. The page is a frame and a boot object (the branches the
manager sees, the one shown, the expense categories); its scripts read the inventory API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app.auth.sessions import SessionUser
from app.branches.services import BranchService
from app.db.models.inventory import EXPENSE_CATEGORIES
from app.events.stream import last_id
from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.lib.i18n import _

AnyRequest = Request[Any, Any, Any]
TEMPLATE = "inventory/index.html"
MANAGERS = ("manager",)
# For the home page's list of screens.
INVENTORY_SCREENS: tuple[tuple[str, str, tuple[str, ...]], ...] = ((_("Inventory"), "/inventory", MANAGERS),)


def _problem(status: int, message: str, user: SessionUser | None) -> Template:
    return Template(template_name=TEMPLATE, context={"problem": message, "user": user}, status_code=status)


@get("/inventory", include_in_schema=False)
async def inventory_page(
    request: AnyRequest,
    *,
    db_session: DbSession,
    redis: RedisClient,
    keys: RedisKeys,
    branch: FromQuery[int | None] = None,
) -> Template | Redirect:
    user = request.scope.get("user")
    if not isinstance(user, SessionUser):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path=f"/login?{urlencode({'next': target})}")
    if not user.has_role(*MANAGERS):
        return _problem(403, str(_("The inventory is for managers.")), user)
    branches = [b for b in await BranchService(db_session).list_visible(user) if b.active]
    if not branches:
        return _problem(404, str(_("You belong to no active branch.")), user)
    shown = next((b for b in branches if b.id == branch), branches[0])
    boot = {
        "branches": [{"id": b.id, "name": b.name, "currency": b.currency} for b in branches],
        "branch_id_shown": shown.id,
        "expense_categories": list(EXPENSE_CATEGORIES),
        # Read before the page's first API read: an expense or a low-stock alert in between is replayed.
        "stream_ids": {str(b.id): await last_id(redis, keys, b.id) for b in branches},
    }
    return Template(template_name=TEMPLATE, context={"user": user, "boot": boot})


INVENTORY_PAGES = [inventory_page]

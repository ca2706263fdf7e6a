"""Role guards and the branch-scoping helper every branch query goes through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from sqlalchemy import Select

from app.auth.sessions import SessionUser
from app.lib.i18n import _

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler
    from sqlalchemy.orm import InstrumentedAttribute

ROLES = ("admin", "manager", "cashier", "kitchen", "courier", "hr")

# Guards are coroutines: Litestar runs a plain-function guard in a worker thread, a hop per request that
# buys nothing for a check that only reads the already-loaded session.
Guard = Callable[["ASGIConnection[Any, Any, Any, Any]", "BaseRouteHandler"], Awaitable[None]]
T = TypeVar("T")


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> SessionUser:
    user = connection.scope.get("user")
    if not isinstance(user, SessionUser):
        raise NotAuthorizedException(detail=_("Log in first"))
    return user


async def requires_login(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    current_user(connection)


def requires_roles(*roles: str) -> Guard:
    unknown = set(roles) - set(ROLES)
    if unknown:
        msg = f"unknown roles {sorted(unknown)}"
        raise ValueError(msg)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        user = current_user(connection)
        if not user.has_role(*roles):
            raise PermissionDeniedException(
                detail=_("This needs one of the roles: %(roles)s", roles=", ".join(roles))
            )

    guard.__name__ = f"requires_{'_or_'.join(roles)}"
    return guard


def scope_to_branches(
    stmt: Select[Any], branch_column: InstrumentedAttribute[int], user: SessionUser
) -> Select[Any]:
    """Restrict a query to the user's branches. Every list or fetch of branch data goes through here."""
    if user.all_branches:
        return stmt
    return stmt.where(branch_column.in_(user.branch_ids))


def ensure_branch_visible(user: SessionUser, branch_id: int, *, what: str = "Record") -> None:
    """Another branch's record is a 404, not a 403: its existence is none of the caller's business."""
    if not user.can_see_branch(branch_id):
        raise NotFoundException(detail=_("%(what)s not found", what=what))


def found_in_branch(row: T | None, branch_id_of: Callable[[T], int], user: SessionUser, *, what: str) -> T:
    if row is None or not user.can_see_branch(branch_id_of(row)):
        raise NotFoundException(detail=_("%(what)s not found", what=what))
    return row

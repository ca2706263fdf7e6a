"""An order read as its reader's audience may see it (app/events/reads.py): one projection for HTTP reads,
built on the same allow-lists (`View.pick`) the sockets use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

import msgspec
from litestar.exceptions import PermissionDeniedException
from sqlalchemy import select

from app.db.models import Courier
from app.events import FULL, Audience, View
from app.events.reads import audience_of
from app.lib.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.events.registry import Visibility

T = TypeVar("T", bound=msgspec.Struct)

NO_ORDERS = _("Orders are not shown to your role")


def reader(actor: SessionUser) -> Audience:
    """The audience `actor` reads orders as; hr (and any role without an order screen) reads none: 403."""
    audience = audience_of(actor.roles)
    if audience is None:
        raise PermissionDeniedException(detail=NO_ORDERS)
    return audience


def project(out: T, views: Mapping[Audience, Visibility], audience: Audience) -> T:
    """`out` with only the fields the audience's view names; the rest are left out (UNSET)."""
    view = views.get(audience)
    if view is FULL:
        return out
    if not isinstance(view, View):
        raise PermissionDeniedException(detail=NO_ORDERS)
    # Through plain data and back: the view picks from what would go on the wire, never from attributes.
    return msgspec.convert(view.pick(msgspec.to_builtins(out)), type(out))


async def own_courier_id(session: AsyncSession, actor: SessionUser) -> int | None:
    """The courier row linked to this login (None: the login drives for nobody)."""
    return await session.scalar(select(Courier.id).where(Courier.user_id == actor.user_id))

"""Paired displays as principals: `Authorization: Device <token>` on HTTP, `auth.device_token` on sockets.

A device is not a user. It authenticates with the token it received once when a manager approved it;
PostgreSQL keeps only the token's SHA-256 (`devices.token_hash`). Every request and every socket connect
looks the token up in PostgreSQL, with no cache in between, so a revoke is effective for the very next
request: there is no cached copy a concurrent lookup could bring back to life.

A device principal is accepted only by the endpoints that say so (`current_viewer(…, device_roles=…)`):
the queue TV reads its branch's board; a station screen reads its station. Requests authenticated by the
header carry no CSRF token: a browser never adds an Authorization header on its own, so a cross-site
page cannot make it send one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Literal, cast

import msgspec
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from sqlalchemy import select, update

from app.auth.sessions import SessionUser, token_digest
from app.db.models import Device
from app.lib.i18n import _

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

DEVICE_SCHEME = "device"
QUEUE_TV = "queue_tv"
STATION = "station"
# `last_seen_at` is for the manager's device list, not an audit trail: one write a minute per device is enough.
SEEN_EVERY = dt.timedelta(seconds=60)
MAX_TOKEN_LENGTH = 128

Refusal = Literal["unknown", "revoked"]
# What a refused device is told (HTTP detail and socket refusal message).
REFUSALS: dict[Refusal, str] = {
    "unknown": _("this device token is not paired with any branch; pair the display again"),
    "revoked": _("this display was unpaired by a manager; pair it again"),
}


class DevicePrincipal(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    branch_id: int
    role: str
    station_code: str | None
    name: str


def device_token_from_header(value: str | None) -> str | None:
    """The token of `Authorization: Device <token>`; None for any other scheme (or none)."""
    if not value:
        return None
    scheme, _space, token = value.strip().partition(" ")
    if scheme.lower() != DEVICE_SCHEME:
        return None
    return token.strip()


async def authenticate_device(session: AsyncSession, token: str) -> DevicePrincipal | Refusal:
    """The approved device holding `token`, or why not. Notes when it was last seen (at most once a minute)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return "unknown"
    device = await session.scalar(select(Device).where(Device.token_hash == token_digest(token)))
    if device is None:
        return "unknown"
    if device.status != "approved" or device.branch_id is None or device.role is None:
        # The hash of a revoked token stays on its row, so the display can be told why it was refused.
        return "revoked"
    now = dt.datetime.now(dt.UTC)
    if device.last_seen_at is None or now - device.last_seen_at >= SEEN_EVERY:
        await session.execute(
            update(Device)
            .where(Device.id == device.id, Device.status == "approved")
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    return DevicePrincipal(
        device_id=str(device.id),
        branch_id=device.branch_id,
        role=device.role,
        station_code=device.station_code,
        name=device.name,
    )


async def still_approved(session: AsyncSession, device_id: str) -> bool:
    status = await session.scalar(select(Device.status).where(Device.id == device_id))
    return status == "approved"


# ---------------------------------------------------------------------------- HTTP


def current_device(connection: ASGIConnection[Any, Any, Any, Any]) -> DevicePrincipal | None:
    device = cast("dict[str, Any]", connection.scope).get("device")
    return device if isinstance(device, DevicePrincipal) else None


def device_refusal(connection: ASGIConnection[Any, Any, Any, Any]) -> Refusal | None:
    refusal: Refusal | None = cast("dict[str, Any]", connection.scope).get("device_refusal")
    return refusal


def current_viewer(
    connection: ASGIConnection[Any, Any, Any, Any],
    *,
    device_roles: tuple[str, ...],
    staff_roles: tuple[str, ...] = (),
) -> SessionUser | DevicePrincipal:
    """Who reads a display endpoint: a paired device with one of `device_roles`, or a staff session (with
    one of `staff_roles`, if given). A refused device token is a 401 that says why, even when the browser
    also has a session: the display must learn it was unpaired."""
    refusal = device_refusal(connection)
    if refusal is not None:
        raise NotAuthorizedException(detail=REFUSALS[refusal], extra={"code": f"device_{refusal}"})
    device = current_device(connection)
    if device is not None:
        if device.role not in device_roles:
            raise PermissionDeniedException(
                detail=_("A %(role)s display may not read this", role=device.role)
            )
        return device
    user = connection.scope.get("user")
    if not isinstance(user, SessionUser):
        raise NotAuthorizedException(detail=_("Log in first, or pair this display"))
    if staff_roles and not user.has_role(*staff_roles):
        raise PermissionDeniedException(
            detail=_("This needs one of the roles: %(roles)s", roles=", ".join(staff_roles))
        )
    return user


def ensure_viewer_sees_branch(viewer: SessionUser | DevicePrincipal, branch_id: int, *, what: str) -> None:
    """A device sees its own branch only; like users, another branch is a 404."""
    visible = (
        viewer.branch_id == branch_id
        if isinstance(viewer, DevicePrincipal)
        else viewer.can_see_branch(branch_id)
    )
    if not visible:
        raise NotFoundException(detail=_("%(what)s not found", what=what))

"""Authenticating a Socket.IO connect: the session cookie the pages use, or the device token of a paired
display (`auth.device_token`), and the `auth` object the client sends (which branch, which station, where
to resume from)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs

import msgspec
import socketio

from app.auth.devices import REFUSALS, DevicePrincipal, authenticate_device, still_approved
from app.auth.middleware import read_cookie
from app.auth.sessions import SessionStore, SessionUser
from app.lib.i18n import _, from_accept_language, normalize, translated

if TYPE_CHECKING:
    from app.lib.runtime import Runtime


async def session_from_environ(runtime: Runtime, environ: dict[str, Any]) -> SessionUser | None:
    # python-socketio hands over the ASGI scope-derived WSGI-style environ; cookies sit in HTTP_COOKIE.
    raw = environ.get("HTTP_COOKIE") or ""
    token = read_cookie(raw, runtime.settings.security.session_cookie) if raw else None
    if not token:
        return None
    store = SessionStore(
        runtime.redis, runtime.keys, ttl_seconds=runtime.settings.security.session_ttl_seconds
    )
    return await store.get(token)


def asked_language(environ: dict[str, Any]) -> str | None:
    """The language a handshake asks for: the page's (`?lang=`, which shared/live.js sends), else the
    browser's Accept-Language; None when it names none we speak (the caller falls back to the user's)."""
    query = parse_qs(environ.get("QUERY_STRING") or "")
    return normalize((query.get("lang") or [None])[0]) or from_accept_language(
        environ.get("HTTP_ACCEPT_LANGUAGE")
    )


def refuse(code: str, detail: str) -> socketio.exceptions.ConnectionRefusedError:
    """A refusal the client can show (`message`, in the handshake's language: see `asked_language`) and act
    on (`data.code`, always the same English code).

    Codes: unauthorized, forbidden, bad_request, bad_event_id, unknown_branch, unknown_station,
    unknown_courier, unavailable; for displays, device_unknown (a token nobody paired: pair again) and
    device_revoked (a manager unpaired it).
    """
    return socketio.exceptions.ConnectionRefusedError(f"{code}: {translated(detail)}", {"code": code})


_BranchId = Annotated[int, msgspec.Meta(ge=1)]
_Code = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class ConnectAuth(msgspec.Struct, kw_only=True, frozen=True):
    """The client's connect `auth` object; every field optional, unknown fields ignored.

    Strict types: a page that sends `"1"` for a branch id has a bug worth hearing about.
    """

    branch_id: _BranchId | None = None
    branch_ids: Annotated[list[_BranchId], msgspec.Meta(max_length=200)] | None = None
    station: _Code | None = None
    stations: Annotated[list[_Code], msgspec.Meta(max_length=50)] | None = None
    courier_id: _BranchId | None = None
    # A paired display authenticates with its token instead of a session cookie.
    device_token: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None
    # Resume points; the format is checked by replay.parse_resume so the refusal can say which one is bad.
    last_event_id: Any = None
    last_event_ids: Any = None

    def requested_branches(self) -> tuple[int, ...] | None:
        if self.branch_id is None and self.branch_ids is None:
            return None
        ids = {*(self.branch_ids or ()), *((self.branch_id,) if self.branch_id is not None else ())}
        return tuple(sorted(ids))


def parse_auth(auth: Any) -> ConnectAuth:
    if auth is None:
        return ConnectAuth()
    if not isinstance(auth, dict):
        raise refuse("bad_request", _("auth must be an object"))
    try:
        return msgspec.convert(auth, ConnectAuth)
    except msgspec.ValidationError as exc:
        # msgspec names the field: "Expected `int`, got `str` - at `$.branch_id`".
        raise refuse("bad_request", _("auth: %(problem)s", problem=str(exc))) from None


async def device_from_token(runtime: Runtime, token: str) -> DevicePrincipal:
    """The approved device holding `token`; a refusal saying why not otherwise."""
    async with runtime.sessionmaker() as session:
        found = await authenticate_device(session, token)
    if isinstance(found, str):
        raise refuse(f"device_{found}", REFUSALS[found])
    return found


async def ensure_device_approved(runtime: Runtime, device: DevicePrincipal) -> None:
    async with runtime.sessionmaker() as session:
        approved = await still_approved(session, device.device_id)
    if not approved:
        raise refuse("device_revoked", REFUSALS["revoked"])

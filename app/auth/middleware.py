"""Loads the session named by the cookie and enforces CSRF on cookie-authenticated writes.

CSRF is a double submit bound to the session: login returns a per-session token in a readable cookie
(`passline_csrf`) and in the login response; pages send it back in the `X-CSRF-Token` header on every
POST/PUT/PATCH/DELETE. A cross-site form can make the browser send the session cookie, but it cannot
read the token, so it cannot forge the header.

A paired display sends `Authorization: Device <token>` instead (app/auth/devices.py): the device it names
goes in `scope["device"]`, or why it was refused in `scope["device_refusal"]`. Such a request needs no
CSRF token: browsers never attach that header by themselves.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any, cast

from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware

from app.auth.devices import authenticate_device, device_token_from_header
from app.auth.sessions import SessionStore
from app.lib.i18n import _

if TYPE_CHECKING:
    from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

    from app.lib.runtime import Runtime

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_EXEMPT_OPT = "csrf_exempt"


def read_cookie(raw_header: str, name: str) -> str | None:
    """One cookie's value from a `Cookie` header (`a=1; b=2`), on every request: a split, not the standard
    library's SimpleCookie, whose regex parsing was a few per cent of a transition's CPU."""
    if name not in raw_header:
        return None
    for part in raw_header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return value or None
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        security = self.runtime.settings.security
        user = None
        cookie_header = _header(scope, b"cookie")
        token = read_cookie(cookie_header, security.session_cookie) if cookie_header else None
        if token:
            store = SessionStore(
                self.runtime.redis, self.runtime.keys, ttl_seconds=security.session_ttl_seconds
            )
            user = await store.get(token)
        scope["user"] = user
        scope["auth"] = token if user is not None else None
        extra = cast("dict[str, Any]", scope)
        extra["device"] = extra["device_refusal"] = None
        device_token = device_token_from_header(_header(scope, b"authorization"))
        if device_token is not None:
            async with self.runtime.sessionmaker() as session:
                found = await authenticate_device(session, device_token)
            extra["device_refusal" if isinstance(found, str) else "device"] = found
        if user is not None and cast("HTTPScope", scope)["method"] not in SAFE_METHODS:
            handler = scope.get("route_handler")
            exempt = handler is not None and handler.opt.get(CSRF_EXEMPT_OPT, False)
            sent = _header(scope, security.csrf_header.encode()) or ""
            if not exempt and not hmac.compare_digest(sent.encode(), user.csrf.encode()):
                raise PermissionDeniedException(
                    detail=_(
                        "CSRF token missing or wrong: send the %(header)s header", header=security.csrf_header
                    )
                )
        await next_app(scope, receive, send)

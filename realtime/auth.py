"""Authenticating a Socket.IO connect from the same session cookie the pages use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.auth.middleware import read_cookie
from app.auth.sessions import SessionStore, SessionUser

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

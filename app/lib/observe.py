"""The outermost HTTP wrapper: request id, access log and request metrics.

It wraps the whole Litestar app (not a route middleware) so 404s and 405s are counted and logged too.
Routes are labelled by their template (`/api/v1/orders/{id}`), never the raw path, to keep the number
of series bounded.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import TYPE_CHECKING, Any

from app.lib.logging import request_id_var

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    from app.lib.metrics import HttpMetrics

    # A raw ASGI wrapper outside Litestar: plain mappings, not Litestar's per-scope TypedDicts.
    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("passline.access")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,128}$")
_QUIET_ROUTES = frozenset({"/health/live", "/health/ready", "/metrics"})


def _incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            # A load balancer's id is kept for tracing; anything odd is replaced, never echoed.
            if _VALID_REQUEST_ID.match(candidate):
                return str(candidate)
            break
    return uuid.uuid4().hex


class ObserveRequests:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope)
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        started = time.perf_counter()
        self.metrics.started()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            # Litestar writes the matched template into the scope while routing.
            route = scope.get("path_template") or "<unmatched>"
            self.metrics.finished(scope["method"], route, status, elapsed)
            if route not in _QUIET_ROUTES or status >= 500:
                log.info(
                    "%s %s %d",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={"route": route, "status": status, "duration_ms": round(elapsed * 1000, 2)},
                )
            request_id_var.reset(token)

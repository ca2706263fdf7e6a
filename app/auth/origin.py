"""Sign-in endpoints take JSON from our own pages only (login CSRF).

They are exempt from the CSRF token (there is no session yet), so another site could post a form to them
and sign the victim's browser into the attacker's account. A cross-site form can only send
`text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data`, and a browser always names the
posting page in `Origin`: requiring `application/json` (which a cross-site page can only send after a CORS
preflight we never grant) and an `Origin`, when present, equal to the host the request was sent to closes
both doors. Scripts and devices that send no `Origin` (curl, the load tests) are unaffected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

from app.lib.i18n import _

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler


async def json_from_same_origin(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    media = connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=_("Send this as application/json (got %(media)s)", media=media or _("no Content-Type")),
        )
    origin = connection.headers.get("origin")
    if origin is None:
        return
    host = connection.headers.get("host", "").lower()
    if origin == "null" or urlsplit(origin).netloc.lower() != host:
        raise PermissionDeniedException(
            detail=_("Signing in from another site (%(origin)s) is refused", origin=origin)
        )

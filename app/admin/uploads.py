"""Reading an uploaded file's bytes with our own limit, so a file that is too big gets a 422 that says so (and
on which line of a CSV it passed the limit) instead of the server-wide 413."""

from __future__ import annotations

from typing import Any

from litestar import Request

from app.lib.errors import ApiError
from app.lib.i18n import _


async def read_limited(
    request: Request[Any, Any, Any], *, limit: int, what: str, lines: bool = False
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        chunks.append(chunk)
        if size > limit:
            body = b"".join(chunks)[:limit]
            mb = limit // (1024 * 1024)
            if lines:
                line = body.count(b"\n") + 1
                raise ApiError(
                    422,
                    _(
                        "line %(line)s: the file passes %(mb)s MB here; split it into smaller files",
                        line=line,
                        mb=mb,
                    ),
                    line=line,
                    errors=[
                        {
                            "line": line,
                            "column": None,
                            "message": str(_("the file is larger than %(mb)s MB", mb=mb)),
                        }
                    ],
                )
            raise ApiError(
                422, _("%(field)s: the file is larger than %(mb)s MB", field=what, mb=mb), field=what
            )
    return b"".join(chunks)

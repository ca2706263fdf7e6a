"""The request class of the app: what every JSON body must be before any handler sees it.

- Nested at most `MAX_JSON_DEPTH` levels (our deepest body, a till's offline batch, has seven). msgspec
  decodes recursively: a thousand levels raised RecursionError, a 500.
- No NUL (U+0000) in any string: PostgreSQL text refuses it, so it failed at the INSERT, a 500. Answered
  422 with the JSON path of the string. A route whose handler checks items one by one (the till's offline
  batch: one bad sale must not refuse the others) opts out with `ITEMS_CHECKED_OPT`.

Also `screen_path`, a `before_request` hook: a NUL in the URL path (`/static/%00`) or an int path
parameter past int64 a 400, not an error from the file system or asyncpg.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.exceptions import ClientException, NotFoundException, ValidationException

from app.lib.errors import ApiError
from app.lib.i18n import _

MAX_JSON_DEPTH = 32
MAX_BIGINT = 2**63 - 1
ITEMS_CHECKED_OPT = "json_items_checked"
# `\u0000` not itself escaped (`\\u0000` is the six characters, harmless text).
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class PasslineRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        try:
            value = await super().json()
        except RecursionError:
            raise _too_deep() from None
        body = await self.body()
        if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _depth_exceeds(value, MAX_JSON_DEPTH):
            raise _too_deep()
        if (
            b"\\u0000" in body  # a plain substring search first: the regex is only for the rare hit
            and _ESCAPED_NUL.search(body)
            and not self.route_handler.opt.get(ITEMS_CHECKED_OPT, False)
        ):
            where = _nul_path(value, "")
            if where is not None:
                where = where or "body"
                raise ApiError(
                    422, _("%(where)s: must not contain NUL characters (U+0000)", where=where), field=where
                )
        return value


def _too_deep() -> ClientException:
    return ClientException(
        detail=_("The JSON body nests deeper than %(max_json_depth)s levels", max_json_depth=MAX_JSON_DEPTH)
    )


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` nests deeper than `limit` (iterative: it must not recurse itself)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values() if isinstance(child, dict | list))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node if isinstance(child, dict | list))
    return False


def _nul_path(value: Any, path: str) -> str | None:
    """The JSON path of the first string (or key) holding a NUL. Depth is bounded above, so recursion is
    safe here."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, child in value.items():
            if "\x00" in key:
                return path
            found = _nul_path(child, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _nul_path(child, f"{path}[{index}]")
            if found is not None:
                return found
    return None


async def screen_path(request: Request[Any, Any, Any]) -> None:
    """No file has a NUL in its name (a 404) and no row an id past int64 (a 400), answered before the
    handler would hand them to the file system or asyncpg (a 500)."""
    if "\x00" in request.scope["path"]:
        raise NotFoundException()
    for key, value in request.path_params.items():
        if isinstance(value, int) and not -MAX_BIGINT - 1 <= value <= MAX_BIGINT:
            # As Litestar answers a path id outside its declared bounds (IdPath): a 400 naming it.
            raise ValidationException(
                detail=_(
                    "Invalid path parameter %(key)r: ids are at most %(max_bigint)s",
                    key=key,
                    max_bigint=MAX_BIGINT,
                ),
                extra=[{"message": f"ids are at most {MAX_BIGINT}", "key": key, "source": "path"}],
            )

"""Turning exceptions into HTTP answers.

Client mistakes are Litestar's HTTP exceptions (4xx with `detail`). Redis or PostgreSQL out of reach is a
503 the client may retry (a till keeps the sale queued offline and replays it). Anything else is a bug on
our side: it is logged with its traceback and answered with a 500 that carries the request id, never
internals.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from asyncpg import exceptions as asyncpg_errors
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from litestar.types import ExceptionHandlersMap
from redis import exceptions as redis_errors
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from app.lib.i18n import SOURCE_LANGUAGE, LazyText, _, from_accept_language, translated
from app.lib.logging import request_id_var

log = logging.getLogger("passline.errors")


def _language(request: Request[Any, Any, Any]) -> str:
    """The request's language as resolved before the handler ran; for a refusal that came before that
    (a guard, the session middleware), what the caller's Accept-Language asks for."""
    resolved = request.scope.get("passline_locale")
    lang = getattr(resolved, "lang", None)
    if isinstance(lang, str):
        return lang
    return from_accept_language(request.headers.get("accept-language")) or SOURCE_LANGUAGE


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if isinstance(exc, ValidationException) and (broken := broken_rule(exc)) is not None:
        exc = unprocessable(*broken)
    if isinstance(exc, HTTPException):
        # In the request's language: lazy messages render, known English ones are looked up.
        lang = _language(request)
        body: dict[str, Any] = {"status_code": exc.status_code, "detail": translated(exc.detail, lang)}
        if exc.extra:
            body["extra"] = exc.extra
        if isinstance(exc, ApiError):
            body.update(exc.fields)
        return Response(body, status_code=exc.status_code, headers=exc.headers)
    if _unreachable(exc):
        log.warning("a backing service is unreachable", exc_info=True, extra={"path": request.url.path})
        return Response(
            {
                "status_code": HTTP_503_SERVICE_UNAVAILABLE,
                "detail": _(
                    "The shop's server cannot reach its database right now; try again in a moment"
                ).render(_language(request)),
                "request_id": request_id_var.get(),
            },
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "2"},
        )
    refused = refused_value(exc)
    if refused is not None:
        # A value the schemas should have bounded reached PostgreSQL: the client's mistake all the same,
        # but logged with its traceback so the missing bound gets added.
        log.warning("the database refused a client's value", exc_info=True, extra={"path": request.url.path})
        return Response(
            {
                "status_code": 422,
                "detail": translated(refused, _language(request)),
                "request_id": request_id_var.get(),
            },
            status_code=422,
        )
    log.exception("unhandled error", extra={"path": request.url.path, "method": request.method})
    return Response(
        {
            "status_code": HTTP_500_INTERNAL_SERVER_ERROR,
            "detail": _("Internal server error").render(_language(request)),
            "request_id": request_id_var.get(),
        },
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


# What `app.lib.fields.Checked` raises while msgspec decodes ("qty: must be above 0"); Litestar reports it
# as a 400 with the message and the path of the struct ("lines[0]", or "data" for the body itself).
_RULE_MESSAGE = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*): (?P<problem>(?:must be (?:a number such as|above|at least|at most)"
    r"|may have at most|must not contain NUL) .+)$"
)


def broken_rule(exc: ValidationException) -> tuple[str, str] | None:
    """A bound of app.lib.fields that a body broke, as (field path, problem): answered as the services
    answer their own rules, a 422 naming the field (`lines[0].qty`), not a generic validation 400."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    if len(extra) != 1 or not isinstance(extra[0], dict) or extra[0].get("source") != "body":
        return None
    matched = _RULE_MESSAGE.match(str(extra[0].get("message", "")))
    if matched is None:
        return None
    key = str(extra[0].get("key") or "data")
    name = matched["name"]
    return (name if key == "data" else f"{key}.{name}"), matched["problem"]


def refused_value(exc: BaseException) -> str | None:
    """For PostgreSQL's data exceptions (SQLSTATE class 22: a NUL in text, a numeric overflow, an
    out-of-range date), a sentence for the client; None for anything else."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, asyncpg_errors.DataError):
            reason = seen.args[0] if seen.args else _("invalid data")
            return _("A value was refused by the database: %(reason)s", reason=reason)
        seen = seen.__cause__ or seen.__context__
    return None


def _unreachable(exc: BaseException) -> bool:
    """Redis or PostgreSQL refused or dropped the connection (or timed out), anywhere in the chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, redis_errors.ConnectionError | redis_errors.TimeoutError | OSError):
            return True
        if isinstance(seen, InterfaceError | OperationalError) or (
            isinstance(seen, DBAPIError) and seen.connection_invalidated
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


EXCEPTION_HANDLERS: ExceptionHandlersMap = {Exception: internal_error_handler}


class ApiError(HTTPException):
    """A client error whose body carries named fields beside `detail` (409 with state and version, 422
    with the offending field), so clients can act on it without parsing prose."""

    def __init__(self, status_code: int, detail: str, **fields: Any) -> None:
        super().__init__(status_code=status_code, detail=detail)
        self.fields = fields


def unprocessable(field: str, message: str) -> ApiError:
    # Kept lazy so a translated `message` is rendered in the request's language with its field name.
    return ApiError(
        422, LazyText("%(field)s: %(message)s", {"field": field, "message": message}), field=field
    )


def conflict(detail: str, **fields: Any) -> ApiError:
    return ApiError(409, detail, **fields)

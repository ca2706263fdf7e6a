"""The OpenAPI document tells every status an operation can answer, with the one error body we send.

Litestar documents the success status and, for an operation with parameters, a 400. Everything else a
Passline operation answers comes from a few rules that hold across the whole API, so they are written
once, here, and applied to every route as it is registered (`ErrorResponses`, a Litestar plugin):

- 400: a parameter or the body does not fit its schema (any operation that takes either).
- 401: not signed in (any guarded operation).
- 403: the role may not (a role guard), or a cookie-authenticated write without its CSRF token.
- 404: a row named by the path or an id parameter is not there, or belongs to a branch the caller cannot
  see (another branch's record is a 404, never a 403); writes that name rows in their body, too.
- 409: a write to a named row that lost to another (a stale version, a state that moved, an id reused with other content).
- 413: a body over the server's limit.
- 422: a well-formed request a rule refuses, naming the field (`field`).
- 408 / 431: a request head that does not arrive in time, or is over the size cap (app/lib/http_guard.py).
- 503: PostgreSQL or Redis out of reach; the client may retry (`Retry-After`).

What a handful of operations answer beyond these (a sign-in's 429 and 415, a replay's 200 beside its 201)
is listed in `EXTRA` by operation.
"""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar import Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example, OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin, ReceiveRoutePlugin
from litestar.routes import HTTPRoute
from msgspec import UNSET, UnsetType

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.handlers import HTTPRouteHandler
    from litestar.routes import BaseRoute
    from litestar.typing import FieldDefinition


class ErrorOut(msgspec.Struct, kw_only=True):
    """Every error answer: the status again, what went wrong in words a person can act on, and fields a
    client can act on without parsing prose (others may follow: a conflict's current `state` and
    `version`, the `order_id` it is about)."""

    status_code: int
    detail: str
    # Validation errors: where in the request the problem is.
    extra: dict[str, Any] | list[Any] | UnsetType | None = UNSET
    # A rule's refusal (422): the field at fault, e.g. "lines[0].qty".
    field: str | UnsetType = UNSET
    # 500 and 503: the id to quote to whoever reads the server's log.
    request_id: str | UnsetType = UNSET


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Handler arguments that are not client parameters.
_RESERVED = frozenset(
    {"request", "data", "state", "scope", "headers", "cookies", "socket", "body", "self", "query"}
)

_WHY: dict[int, tuple[str, str]] = {
    400: (
        "Malformed: a parameter or the body does not fit the schema",
        "Validation failed for POST /api/v1/…",
    ),
    401: ("Not signed in (or the session ended)", "Log in first"),
    403: (
        "The caller's role may not do this, or a write came without its CSRF token",
        "This needs one of the roles: manager",
    ),
    404: ("Not found, or in a branch the caller cannot see", "Order not found"),
    409: (
        "Conflict: the record moved on (stale version, another state) or the id is taken",
        "The order is at version 3, not 2",
    ),
    408: (
        "The request head did not arrive in time (the connection is closed)",
        "The request head did not arrive within 10 s",
    ),
    413: ("The body is larger than the server accepts", "Request Entity Too Large"),
    415: ("The body must be JSON (Content-Type: application/json)", "Unsupported Media Type"),
    431: (
        "The request line and headers are over the server's cap (64 KiB by default)",
        "The request head is larger than 65536 bytes",
    ),
    422: ("A rule refused the request; `field` names the field", "lines[0].qty: must be above 0"),
    429: ("Too many attempts; `Retry-After` says when to try again", "Too many attempts; try again in 42 s"),
    503: (
        "PostgreSQL or Redis is out of reach; retry after `Retry-After` seconds",
        "The shop's server cannot reach its database right now; try again in a moment",
    ),
}

# Statuses a few operations answer beyond the rules, by (method, path as in the document). A number below
# 400 is a second success: the same body as the documented success.
EXTRA: dict[tuple[str, str], frozenset[int]] = {
    ("POST", "/api/v1/auth/login"): frozenset({401, 403, 415, 429}),
    ("POST", "/api/v1/auth/login/totp"): frozenset({401, 403, 415, 429}),
    ("POST", "/api/v1/devices/pair"): frozenset({429}),
    ("GET", "/api/v1/devices/me"): frozenset({401}),
    ("GET", "/api/v1/devices/{device_id}/status"): frozenset({401, 429}),
    # A courier's phone sends its position at most once every 15 s.
    ("POST", "/api/v1/couriers/me/location"): frozenset({429}),
    # The kiosk's walk-in numbers are rate limited per kiosk and per branch.
    ("POST", "/api/v1/queue/{branch_id}/tickets"): frozenset({429}),
    # Order reads refuse a role that reads no orders (hr) in the service (app/events/reads.py).
    ("GET", "/api/v1/orders"): frozenset({403}),
    ("GET", "/api/v1/orders/{order_id}"): frozenset({403}),
    ("GET", "/api/v1/branches/{branch_id}/board"): frozenset({403}),
    # A replay of the same id answers 200 with what the first call made.
    ("POST", "/api/v1/orders"): frozenset({200}),
    ("POST", "/api/v1/orders/{order_id}/payments"): frozenset({200}),
    ("POST", "/api/v1/payments/{payment_id}/refund"): frozenset({200}),
    ("POST", "/api/v1/shifts"): frozenset({200}),
    ("POST", "/api/v1/shifts/{shift_id}/cash-movements"): frozenset({200}),
    ("POST", "/api/v1/couriers/{courier_id}/settlements"): frozenset({200}),
    ("POST", "/api/v1/dispatch"): frozenset({200}),
    ("POST", "/api/v1/invoices/{invoice_id}/amendments"): frozenset({200}),
    # Clocking out when not clocked in: a conflict with the person's own clock, no row named.
    ("POST", "/api/v1/clock/out"): frozenset({409}),
    # A colleague's PIN at the till: the same per-address limit as switching user with a PIN.
    ("POST", "/api/v1/clock/pin"): frozenset({429}),
    # Switching user with a PIN: 20 a minute per address (app/auth/pin.py); the fuzzer reaches it when fast.
    ("POST", "/api/v1/auth/pin"): frozenset({429}),
}


# Statuses the rules would give an operation that it cannot answer.
NEVER: dict[tuple[str, str], frozenset[int]] = {
    # Signing in names no row and takes nothing that could conflict.
    ("POST", "/api/v1/auth/login"): frozenset({404, 409}),
    ("POST", "/api/v1/auth/login/totp"): frozenset({404, 409}),
}


def _error_spec(status: int) -> ResponseSpec:
    description, example = _WHY[status]
    return ResponseSpec(
        data_container=ErrorOut,
        description=description,
        generate_examples=False,
        examples=[Example(summary=description, value={"status_code": status, "detail": example})],
    )


def _success_type(handler: HTTPRouteHandler) -> Any:
    """The body type of the handler's success (unwrapping `Response[T]`)."""
    returned = handler.parsed_fn_signature.return_type
    if returned.is_subclass_of(Response) and returned.inner_types:
        return returned.inner_types[0].annotation
    return returned.annotation


def statuses(handler: HTTPRouteHandler, *, path: str, path_params: set[str]) -> set[int]:
    """Every status beyond the documented success this handler can answer (see the module's rules)."""
    params = set(handler.parsed_fn_signature.parameters) - _RESERVED - set(handler.resolve_dependencies())
    query = params - path_params
    body = "data" in handler.parsed_fn_signature.parameters
    writes = bool(set(handler.http_methods) & _WRITES)
    guards = handler.resolve_guards()
    # Any request: the server's head limits, and its database or Redis out of reach.
    found: set[int] = {408, 431, 503}
    if params or body:
        found.add(400)
    if guards:
        found.add(401)
        # A login check alone (`requires_login`) refuses no role; every other guard may.
        if any(getattr(guard, "__name__", "") != "requires_login" for guard in guards) or writes:
            found.add(403)
    if path_params or any(name.endswith(("_id", "_ids")) for name in query) or (writes and body):
        found.add(404)
    if writes and (body or path_params):
        found.add(409)
    if (writes and (body or params)) or query or path_params:
        found.add(422)
    if body:
        found.add(413)
    for method in handler.http_methods:
        found |= EXTRA.get((method, path), frozenset())
        found -= NEVER.get((method, path), frozenset())
    return found


def responses_for(handler: HTTPRouteHandler, *, path: str, path_params: set[str]) -> dict[int, ResponseSpec]:
    documented = dict(handler.responses or {})
    for status in sorted(statuses(handler, path=path, path_params=path_params)):
        if status in documented or status == handler.status_code:
            continue
        if status < 400:
            documented[status] = ResponseSpec(
                data_container=_success_type(handler), description="The same request again: what it made then"
            )
        else:
            documented[status] = _error_spec(status)
    return documented


class ErrorResponses(ReceiveRoutePlugin):
    """Documents each route's error statuses as Litestar registers it (before the document is built)."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.include_in_schema or inspect.isclass(handler):
                continue
            handler.responses = responses_for(
                handler, path=route.path_format, path_params=set(route.path_parameters)
            )


# msgspec's JSON Schema keywords for a scalar, as Litestar's Schema fields.
_SCALAR_KEYWORDS = {
    "pattern": "pattern",
    "description": "description",
    "examples": "examples",
    "maxLength": "max_length",
    "minLength": "min_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
}
_TYPES = {"string": OpenAPIType.STRING, "integer": OpenAPIType.INTEGER, "number": OpenAPIType.NUMBER}


class DocumentedScalars(OpenAPISchemaPlugin):
    """A money, quantity or phone type documents itself with `msgspec.Meta` (a pattern in
    `extra_json_schema`, a description, an example). Litestar keeps only some of that, and none of it for
    a list's items or a union's members (a text-or-number amount); msgspec's own JSON Schema of the type
    keeps all of it, so that is what goes into the document, wherever the type is used."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return field_definition.annotation in (str, Decimal, int, float) and any(
            isinstance(meta, msgspec.Meta) and (meta.extra_json_schema or meta.examples)
            for meta in field_definition.metadata
        )

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        metas = [meta for meta in field_definition.metadata if isinstance(meta, msgspec.Meta)]
        described: dict[str, Any] = msgspec.json.schema(Annotated[field_definition.annotation, *metas])
        return Schema(
            type=_TYPES.get(described.get("type", ""), OpenAPIType.STRING),
            **{ours: described[theirs] for theirs, ours in _SCALAR_KEYWORDS.items() if theirs in described},
        )

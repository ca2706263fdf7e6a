"""The bounds of what a client may send: money, quantities and text, declared once.

msgspec checks `ge`/`le` only on int and float, and decodes "sNaN", "Infinity" and "1E+999999999" into
`Decimal` without complaint; an unchecked one then fails deep in a service or in PostgreSQL (a 500). So
money and quantity fields are `Annotated[Decimal, ...]` aliases that carry a `DecimalRule`, and request
bodies subclass `Checked`, whose `__post_init__` applies each field's rule while msgspec decodes — the
error then names the field and its path like any other validation error (and, in `POST /orders/sync`, it
refuses that one order only). The same numbers and patterns go into the OpenAPI document through
`extra_json_schema`, so a generated client knows the rules (/work/shared/HARDEN.md lists them).

Text must never carry NUL (U+0000): PostgreSQL `text` refuses it. `Checked` refuses it in every `str`
field of the struct; `app.lib.request` refuses it anywhere else in a JSON body.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import msgspec

from app.lib.money import places

# NUMERIC(14, 4): ten integer digits and four decimals (every money column).
MONEY_MAX = Decimal("9999999999.9999")
MONEY_PLACES = 4
# A sale line or a bundle item: a quantity above ten thousand is a typing slip, not a sale.
QTY_MAX = Decimal(10_000)
QTY_PLACES = 3
# A branch's stock of one product, in its base unit (NUMERIC(14, 3) leaves room for it).
STOCK_MAX = Decimal(100_000_000)

MONEY_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,4})?$"
QTY_PATTERN = r"^[0-9]{1,5}(\.[0-9]{1,3})?$"
STOCK_PATTERN = r"^[0-9]{1,9}(\.[0-9]{1,3})?$"
SIGNED_STOCK_PATTERN = r"^-?[0-9]{1,9}(\.[0-9]{1,3})?$"
# Documents the NUL rule; enforced by `Checked` and the request's JSON check rather than as a msgspec
# pattern, whose message ("Expected `str` matching regex ...") a cashier cannot read.
NO_NUL_PATTERN = "^[^\\u0000]*$"


@dataclass(frozen=True, slots=True)
class DecimalRule:
    """A decimal's plausible range and its most decimal places; `low_open` excludes `low` itself."""

    low: Decimal
    high: Decimal
    places: int
    low_open: bool = False

    def problem(self, value: Decimal) -> str | None:
        if not value.is_finite():
            return "must be a number such as 12.50 (not NaN or Infinity)"
        if value < self.low or (self.low_open and value == self.low):
            return f"must be above {self.low}" if self.low_open else f"must be at least {self.low}"
        if value > self.high:
            return f"must be at most {self.high}"
        exponent = value.as_tuple().exponent
        # Trailing zeros ("12.50") are not places: only a long exponent needs the (slower) normalised count.
        if isinstance(exponent, int) and -exponent > self.places and places(value) > self.places:
            return f"may have at most {self.places} decimal places"
        return None


MONEY_RULE = DecimalRule(low=Decimal(0), high=MONEY_MAX, places=MONEY_PLACES)
QTY_RULE = DecimalRule(low=Decimal(0), high=QTY_MAX, places=QTY_PLACES, low_open=True)
STOCK_RULE = DecimalRule(low=Decimal(0), high=STOCK_MAX, places=QTY_PLACES)
STOCK_DELTA_RULE = DecimalRule(low=-STOCK_MAX, high=STOCK_MAX, places=QTY_PLACES)


def _doc(pattern: str, description: str, example: str) -> msgspec.Meta:
    return msgspec.Meta(description=description, examples=[example], extra_json_schema={"pattern": pattern})


Money = Annotated[
    Decimal,
    _doc(MONEY_PATTERN, f"an amount, 0 to {MONEY_MAX}, at most {MONEY_PLACES} decimals", "12.50"),
    MONEY_RULE,
]
Qty = Annotated[
    Decimal,
    _doc(QTY_PATTERN, f"a quantity above 0 and at most {QTY_MAX}, at most {QTY_PLACES} decimals", "1.5"),
    QTY_RULE,
]
StockQty = Annotated[
    Decimal,
    _doc(STOCK_PATTERN, f"a stock count, 0 to {STOCK_MAX}, at most {QTY_PLACES} decimals", "24"),
    STOCK_RULE,
]
StockDelta = Annotated[
    Decimal,
    _doc(SIGNED_STOCK_PATTERN, f"a stock change, ±{STOCK_MAX}, at most {QTY_PLACES} decimals", "-3"),
    STOCK_DELTA_RULE,
]


def nul_problem(value: str) -> str | None:
    return "must not contain NUL characters (U+0000)" if "\x00" in value else None


class Checked(msgspec.Struct):
    """Base of request bodies: applies the `DecimalRule` of each money/quantity field and the NUL rule of
    each text field as msgspec builds the struct (a `ValueError` here is a validation error naming the
    field)."""

    def __post_init__(self) -> None:
        cls = type(self)
        checks = _CHECKS.get(cls)
        if checks is None:
            # Resolved on first use: the annotations are strings until the defining module has loaded.
            checks = _CHECKS[cls] = _field_checks(cls)
        decimals, texts = checks
        # Runs for every line of every order: the common, valid case is a few comparisons inline; the
        # message is only composed (by DecimalRule.problem) once something looks wrong.
        for name, rule in decimals:
            value = getattr(self, name)
            if value is None or not isinstance(value, Decimal):
                continue
            exponent = value.as_tuple().exponent
            if (
                not value.is_finite()
                or not rule.low <= value <= rule.high
                or (rule.low_open and value == rule.low)
                or (isinstance(exponent, int) and exponent < -rule.places)
            ):
                problem = rule.problem(value)
                if problem is not None:
                    raise ValueError(f"{name}: {problem}")
        for name in texts:
            value = getattr(self, name)
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"{name}: {nul_problem(value)}")


_Checks = tuple[tuple[tuple[str, DecimalRule], ...], tuple[str, ...]]
_CHECKS: dict[type, _Checks] = {}


def _field_checks(cls: type) -> _Checks:
    """(field, rule) for each Decimal field with a rule, and the names of the text fields."""
    hints = typing.get_type_hints(cls, include_extras=True)
    decimals: list[tuple[str, DecimalRule]] = []
    texts: list[str] = []
    for name in cls.__struct_fields__:  # type: ignore[attr-defined]
        rule, text = _inspect(hints[name])
        if rule is not None:
            decimals.append((name, rule))
        elif text:
            texts.append(name)
    return tuple(decimals), tuple(texts)


def _inspect(hint: Any) -> tuple[DecimalRule | None, bool]:
    if typing.get_origin(hint) is Annotated:
        base, *extras = typing.get_args(hint)
        rule = next((extra for extra in extras if isinstance(extra, DecimalRule)), None)
        if rule is not None:
            return rule, False
        return _inspect(base)
    if hint is str:
        return None, True
    if typing.get_origin(hint) in (typing.Union, _UNION_TYPE):
        for arg in typing.get_args(hint):
            found = _inspect(arg)
            if found != (None, False):
                return found
    return None, False


_UNION_TYPE = type(int | None)


# msgspec's message: "<what> - at `$.lines[0]`"; ours within it: "<field>: <problem>".
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_NAMED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*): (?P<problem>.+)$", re.DOTALL)


def validation_problem(exc: msgspec.ValidationError) -> tuple[str | None, str]:
    """(field path, sentence naming it) for a msgspec validation error: "lines[0].qty: must be above 0"."""
    matched = _AT.match(str(exc))
    message = matched["message"] if matched else str(exc)
    path = ((matched["path"] if matched else None) or "").lstrip(".")
    named = _NAMED.match(message)
    if named is not None:
        field = f"{path}.{named['name']}" if path else named["name"]
        return field, f"{field}: {named['problem']}"
    return (path or None), (f"{path}: {message}" if path else message)

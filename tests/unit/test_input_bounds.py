"""Every request body that takes a decimal bounds it, through the one set of rules in app.lib.fields."""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from app.lib.fields import MONEY_RULE, QTY_RULE, STOCK_DELTA_RULE, Checked, Money, Qty


def _request_bodies() -> list[type[msgspec.Struct]]:
    import app.main  # noqa: F401 - imports every controller, so every body

    seen: list[type[msgspec.Struct]] = []
    stack: list[type[msgspec.Struct]] = [msgspec.Struct]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("app.") and sub.__struct_config__.forbid_unknown_fields:
                seen.append(sub)
    return seen


def _bare_decimal(hint: Any) -> bool:
    if hint is Decimal:
        return True
    if typing.get_origin(hint) is typing.Annotated:
        return False  # an alias: Money, Qty, ... (checked below to carry a rule)
    return any(_bare_decimal(arg) for arg in typing.get_args(hint))


def test_no_request_body_takes_an_unbounded_decimal() -> None:
    offenders = []
    for body in _request_bodies():
        hints = typing.get_type_hints(body, include_extras=True)
        for name in body.__struct_fields__:
            if _bare_decimal(hints[name]) or (
                "Decimal" in repr(hints[name]) and not issubclass(body, Checked)
            ):
                offenders.append(f"{body.__module__}.{body.__qualname__}.{name}")
    assert offenders == [], "use app.lib.fields.Money/Qty/StockQty/StockDelta in a Checked body"


@pytest.mark.parametrize(
    ("rule", "value", "problem"),
    [
        (MONEY_RULE, "sNaN", "not NaN"),
        (MONEY_RULE, "-Infinity", "not NaN"),
        (MONEY_RULE, "1E+999999999", "at most 9999999999.9999"),
        (MONEY_RULE, "-0.01", "at least 0"),
        (MONEY_RULE, "1.23456", "at most 4 decimal places"),
        (QTY_RULE, "0", "above 0"),
        (QTY_RULE, "10000.001", "at most 10000"),
        (QTY_RULE, "1.0001", "at most 3 decimal places"),
        (STOCK_DELTA_RULE, "-100000001", "at least -100000000"),
    ],
)
def test_rules_name_the_problem(rule: Any, value: str, problem: str) -> None:
    found = rule.problem(Decimal(value))
    assert found is not None and problem in found


@pytest.mark.parametrize("value", ["0", "12.50", "9999999999.9999", "1E+3"])
def test_plausible_money_passes(value: str) -> None:
    assert MONEY_RULE.problem(Decimal(value)) is None


class Line(Checked, kw_only=True):
    qty: Qty
    price: Money | None = None
    note: str = ""


class Body(Checked, kw_only=True):
    lines: list[Line]


def test_a_checked_body_refuses_while_decoding_naming_field_and_path() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"price: must be a number.*\$\.lines\[1\]"):
        msgspec.json.decode(b'{"lines": [{"qty": "1"}, {"qty": "2", "price": "sNaN"}]}', type=Body)
    with pytest.raises(msgspec.ValidationError, match=r"note: must not contain NUL"):
        msgspec.json.decode(b'{"lines": [{"qty": "1", "note": "a\\u0000"}]}', type=Body)
    decoded = msgspec.json.decode(b'{"lines": [{"qty": 2, "price": null}]}', type=Body)
    assert decoded.lines[0].qty == Decimal(2)

"""What makes a product valid, checked without the database: units, prices and their decimals, tax rate.

Used by the editor (first problem → 422) and by the CSV import (every problem of every row, with its line
and column). A problem names the field the way the API body does (`prices[1].price`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from app.db.models.catalog import PRICE_LISTS
from app.lib.i18n import _
from app.lib.money import places

if TYPE_CHECKING:
    from collections.abc import Mapping

    from app.catalog.edit_schemas import ProductIn

MAX_PRICE = Decimal(10) ** 9
MAX_FACTOR = Decimal(100_000)
FACTOR_PLACES = 3
TAX_PLACES = 2
WHOLE_UNITS = frozenset({"piece", "package"})


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Money:
    """How many decimals a price may have: every branch's currency for an all-branch price (the smallest
    exponent wins), the branch's own for its price."""

    all_branches: int
    by_branch: Mapping[int, int]


def product_problems(data: ProductIn, money: Money) -> list[Problem]:  # noqa: PLR0912 - one rule after another
    problems: list[Problem] = []
    if not data.name.strip() or any(ord(c) < 32 for c in data.name):
        problems.append(Problem("name", _("must be text on one line")))
    rate = data.tax_rate
    if not rate.is_finite() or rate < 0 or rate >= 100 or places(rate) > TAX_PLACES:
        problems.append(
            Problem("tax_rate", _("must be a percentage from 0 to under 100 with at most 2 decimals"))
        )

    units: set[str] = {data.base_unit}
    for i, unit in enumerate(data.units):
        at = f"units[{i}]"
        factor = unit.factor
        if unit.unit == data.base_unit:
            if factor != 1:
                problems.append(
                    Problem(f"{at}.factor", _("the base unit %(unit)s is 1 of itself", unit=unit.unit))
                )
            elif unit.barcode is not None and data.barcode not in {None, unit.barcode}:
                problems.append(
                    Problem(f"{at}.barcode", _("the base unit's barcode is the product's barcode"))
                )
        elif unit.unit in units:
            problems.append(Problem(f"{at}.unit", _("unit %(unit)s is listed twice", unit=unit.unit)))
        elif not factor.is_finite() or factor <= 0 or factor > MAX_FACTOR or places(factor) > FACTOR_PLACES:
            problems.append(Problem(f"{at}.factor", _("must be above zero with at most 3 decimals")))
        elif data.base_unit in WHOLE_UNITS and factor != factor.to_integral_value():
            problems.append(
                Problem(
                    f"{at}.factor",
                    _("the units of a %(unit)s product hold whole base units", unit=data.base_unit),
                )
            )
        units.add(unit.unit)

    seen: set[tuple[str, str, int | None]] = set()
    for i, price in enumerate(data.prices):
        at = f"prices[{i}]"
        key = (price.price_list, price.unit, price.branch_id)
        if price.price_list not in PRICE_LISTS:
            problems.append(
                Problem(
                    f"{at}.price_list",
                    _("unknown price list; use one of %(lists)s", lists=", ".join(PRICE_LISTS)),
                )
            )
        elif price.unit not in units:
            problems.append(Problem(f"{at}.unit", _("the product has no unit %(unit)s", unit=price.unit)))
        elif price.branch_id is not None and price.branch_id not in money.by_branch:
            problems.append(Problem(f"{at}.branch_id", _("no branch %(id)s", id=price.branch_id)))
        elif key in seen:
            problems.append(
                Problem(
                    at,
                    _(
                        "the %(list)s price of a %(unit)s is listed twice",
                        list=price.price_list,
                        unit=price.unit,
                    ),
                )
            )
        else:
            problem = price_problem(price.price, _places_for(money, price.branch_id))
            if problem is not None:
                problems.append(Problem(f"{at}.price", problem))
        seen.add(key)
    return problems


def price_problem(price: Decimal, allowed_places: int) -> str | None:
    if not price.is_finite():
        return _("must be a number")
    if price < 0:
        return _("must not be negative")
    if price >= MAX_PRICE:
        return _("is not a plausible price")
    if places(price) > allowed_places:
        return _("has more than %(n)s decimal places", n=allowed_places)
    return None


def _places_for(money: Money, branch_id: int | None) -> int:
    return money.all_branches if branch_id is None else money.by_branch[branch_id]

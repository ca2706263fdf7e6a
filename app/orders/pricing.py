"""Pricing an order: Decimal only, the branch's currency decides the rounding (DESIGN §7).

Rules, in the order they apply to a line:
- the unit price comes from the line's price list for that unit (a branch's own price wins over the
  all-branches one); with no price for the unit, the base-unit price times the unit's factor; a customer
  price list uses the customer's negotiated rate; a manual price (permission checked by the caller) wins;
- line gross = qty * unit price - discount, rounded half-up to the currency;
- tax per line at the product's rate: extracted from the gross when the branch's prices include tax,
  added on top when they do not; rounded per line, so receipts add up line by line;
- order totals are sums of the rounded line figures, plus the territory's delivery charge (untaxed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
MAX_QTY = Decimal(10_000)
QTY_PLACES = 3
WHOLE_UNITS = frozenset({"piece", "package"})


class PricingError(ValueError):
    """A line cannot be priced; `field` names the request field at fault (for a 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class ProductInfo:
    id: int
    name: str
    base_unit: str
    tax_rate: Decimal
    station_code: str
    active: bool
    units: dict[str, Decimal]  # unit -> factor (base unit included, factor 1)
    prices: dict[tuple[str, str], Decimal]  # (price list, unit) -> price, branch override already applied


@dataclass(frozen=True, slots=True)
class LineRequest:
    product_id: int
    qty: Decimal
    unit: str | None
    price_list: str
    unit_price: Decimal | None
    note: str


@dataclass(frozen=True, slots=True)
class PricedLine:
    line_no: int
    product_id: int
    name: str
    qty: Decimal
    unit: str
    unit_factor: Decimal
    price_list: str
    unit_price: Decimal
    tax_rate: Decimal
    discount: Decimal
    line_subtotal: Decimal
    line_tax: Decimal
    line_total: Decimal
    station_code: str
    note: str


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    delivery_charge: Decimal
    total: Decimal
    tax_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)


def quantum(exponent: int) -> Decimal:
    return Decimal(1).scaleb(-exponent)


def money(value: Decimal, exponent: int) -> Decimal:
    return value.quantize(quantum(exponent), rounding=ROUND_HALF_UP)


def places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def price_lines(
    requests: list[LineRequest],
    products: dict[int, ProductInfo],
    *,
    currency_exponent: int,
    prices_include_tax: bool,
    customer_prices: dict[tuple[int, str], Decimal] | None = None,
) -> list[PricedLine]:
    priced = []
    for index, request in enumerate(requests):
        where = f"lines[{index}]"
        product = products.get(request.product_id)
        if product is None or not product.active:
            raise PricingError(f"{where}.product_id", f"unknown product {request.product_id}")
        unit = request.unit or product.base_unit
        factor = product.units.get(unit)
        if factor is None:
            raise PricingError(f"{where}.unit", f"{product.name} is not sold in unit {unit!r}")
        _check_qty(request.qty, unit, where)
        unit_price = _unit_price(
            request,
            product,
            unit=unit,
            factor=factor,
            customer_prices=customer_prices or {},
            exponent=currency_exponent,
            where=where,
        )
        discount = Decimal(0)
        gross = money(request.qty * unit_price - discount, currency_exponent)
        if prices_include_tax:
            tax = money(gross * product.tax_rate / (HUNDRED + product.tax_rate), currency_exponent)
            subtotal, total = gross - tax, gross
        else:
            tax = money(gross * product.tax_rate / HUNDRED, currency_exponent)
            subtotal, total = gross, gross + tax
        priced.append(
            PricedLine(
                line_no=index + 1,
                product_id=product.id,
                name=product.name,
                qty=request.qty,
                unit=unit,
                unit_factor=factor,
                price_list=request.price_list,
                unit_price=unit_price,
                tax_rate=product.tax_rate,
                discount=discount,
                line_subtotal=subtotal,
                line_tax=tax,
                line_total=total,
                station_code=product.station_code,
                note=request.note,
            )
        )
    return priced


def totals(lines: list[PricedLine], *, delivery_charge: Decimal, currency_exponent: int) -> Totals:
    tax_by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        tax_by_rate[line.tax_rate] = tax_by_rate.get(line.tax_rate, Decimal(0)) + line.line_tax
    subtotal = sum((line.line_subtotal for line in lines), Decimal(0))
    tax = sum((line.line_tax for line in lines), Decimal(0))
    charge = money(delivery_charge, currency_exponent)
    return Totals(
        subtotal=money(subtotal, currency_exponent),
        tax=money(tax, currency_exponent),
        delivery_charge=charge,
        total=money(subtotal + tax + charge, currency_exponent),
        tax_by_rate=tax_by_rate,
    )


def _check_qty(qty: Decimal, unit: str, where: str) -> None:
    if not qty.is_finite() or qty <= 0:
        raise PricingError(f"{where}.qty", "quantity must be greater than zero")
    if qty > MAX_QTY:
        raise PricingError(f"{where}.qty", f"quantity above {MAX_QTY} is not a plausible sale")
    if places(qty) > QTY_PLACES:
        raise PricingError(f"{where}.qty", f"quantity may have at most {QTY_PLACES} decimal places")
    if unit in WHOLE_UNITS and qty != qty.to_integral_value():
        raise PricingError(f"{where}.qty", f"{unit} items are sold in whole numbers")


def _unit_price(
    request: LineRequest,
    product: ProductInfo,
    *,
    unit: str,
    factor: Decimal,
    customer_prices: dict[tuple[int, str], Decimal],
    exponent: int,
    where: str,
) -> Decimal:
    if request.unit_price is not None:
        price = request.unit_price
        if not price.is_finite() or price < 0:
            raise PricingError(f"{where}.unit_price", "unit price must be zero or more")
        if places(price) > exponent:
            raise PricingError(
                f"{where}.unit_price", f"unit price may have at most {exponent} decimal places"
            )
        return price
    if request.price_list == "customer":
        negotiated = customer_prices.get((product.id, unit))
        if negotiated is None:
            raise PricingError(
                f"{where}.price_list", f"the customer has no agreed price for {product.name} ({unit})"
            )
        return money(negotiated, exponent)
    listed = product.prices.get((request.price_list, unit))
    if listed is not None:
        return money(listed, exponent)
    base = product.prices.get((request.price_list, product.base_unit))
    if base is None:
        raise PricingError(f"{where}.price_list", f"{product.name} has no {request.price_list} price")
    return money(base * factor, exponent)

"""Pricing an order: Decimal only, the branch's currency decides the rounding (DESIGN §7).

Rules, in the order they apply to a line:
- the unit price comes from the line's price list for that unit (a branch's own price wins over the
  all-branches one); with no price for the unit, the base-unit price times the unit's factor; a customer
  price list uses the customer's negotiated rate; a manual price (permission checked by the caller) wins;
- a bundle (combo meal) line is priced like any product; each of its components (fixed groups' items and
  the chosen items) follows it as its own line, `parent_line_no` pointing at it, qty = bundle qty x item
  qty, unit price = the item's extra price (usually 0), taxed at the component's own rate;
- line amount = qty * unit price, rounded half-up to the currency; discounts are amounts in the same terms
  as the prices (tax included in a tax-inclusive branch, before tax otherwise): the line's own discount,
  then its share of the order discount, spread over the lines in proportion to what is left of each (the
  last line takes the rounding remainder), so each line's tax is computed on what it really sells for and
  the tax per rate adds up exactly;
- tax per line at the product's rate on (amount - discount): extracted when the branch's prices include
  tax, added on top when they do not; rounded per line, so receipts add up line by line;
- order totals are sums of the rounded line figures, plus the territory's delivery charge (untaxed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.catalog.cache import BundleGroupInfo, BundleItemInfo, ProductInfo
from app.catalog.menu_depth import ModifierGroupInfo, ModifierOptionInfo
from app.lib.fields import MONEY_MAX
from app.lib.i18n import _
from app.lib.money import money, places, quantum

__all__ = [
    "BundleGroupInfo",
    "BundleItemInfo",
    "ModifierGroupInfo",
    "ModifierOptionInfo",
    "ProductInfo",
    "money",
    "places",
    "quantum",
]

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
class Choice:
    group: str
    product_id: int
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class LineRequest:
    product_id: int
    qty: Decimal
    unit: str | None
    price_list: str
    unit_price: Decimal | None
    note: str
    discount: Decimal | None = None
    discount_reason: str | None = None
    choices: tuple[Choice, ...] = ()
    # Chosen modifier option ids (menu depth).
    modifiers: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ChosenModifier:
    """A modifier option on a line, as the line keeps it: `price` is what it adds to the unit price
    (zero when it is one of its group's free picks)."""

    id: int
    group: str
    name: str
    kind: str
    price: Decimal
    station_code: str | None


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
    parent_line_no: int | None = None
    discount_reason: str | None = None
    # Which request line it came from (a bundle's components share their bundle's), for error fields.
    request_index: int = 0
    modifiers: tuple[ChosenModifier, ...] = ()


@dataclass(slots=True)
class _Draft:
    """A line before discounts and tax: its amount is qty x unit price, rounded."""

    line_no: int
    request_index: int
    product: ProductInfo
    qty: Decimal
    unit: str
    factor: Decimal
    price_list: str
    unit_price: Decimal
    amount: Decimal
    note: str
    parent_line_no: int | None = None
    discount: Decimal = Decimal(0)
    discount_reason: str | None = None
    modifiers: tuple[ChosenModifier, ...] = ()


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    delivery_charge: Decimal
    total: Decimal
    tax_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)


def price_lines(
    requests: list[LineRequest],
    products: dict[int, ProductInfo],
    *,
    currency_exponent: int,
    prices_include_tax: bool,
    customer_prices: dict[tuple[int, str], Decimal] | None = None,
    order_discount: Decimal | None = None,
    order_discount_reason: str | None = None,
) -> list[PricedLine]:
    """Price every line; `products` must hold the components of any bundle sold (the catalog cache loads
    them with the bundle)."""
    drafts: list[_Draft] = []
    for index, request in enumerate(requests):
        where = f"lines[{index}]"
        product = products.get(request.product_id)
        if product is None or not product.active:
            raise PricingError(
                f"{where}.product_id", _("unknown product %(product_id)s", product_id=request.product_id)
            )
        unit = request.unit or product.base_unit
        factor = product.units.get(unit)
        if factor is None:
            raise PricingError(
                f"{where}.unit",
                _("%(product)s is not sold in unit %(unit)r", product=product.name, unit=unit),
            )
        _check_qty(request.qty, unit, f"{where}.qty")
        unit_price = _unit_price(
            request,
            product,
            unit=unit,
            factor=factor,
            customer_prices=customer_prices or {},
            exponent=currency_exponent,
            where=where,
        )
        chosen = _modifiers(request.modifiers, product, exponent=currency_exponent, where=where)
        unit_price += sum((m.price for m in chosen), Decimal(0))
        head = _Draft(
            line_no=len(drafts) + 1,
            request_index=index,
            product=product,
            qty=request.qty,
            unit=unit,
            factor=factor,
            price_list=request.price_list,
            unit_price=unit_price,
            amount=money(request.qty * unit_price, currency_exponent),
            note=request.note,
            modifiers=chosen,
        )
        if request.discount is not None:
            head.discount = _amount(request.discount, currency_exponent, f"{where}.discount")
            if head.discount > head.amount:
                raise PricingError(
                    f"{where}.discount",
                    _("the discount is more than the line (%(amount)s)", amount=head.amount),
                )
            head.discount_reason = request.discount_reason if head.discount else None
        drafts.append(head)
        if product.kind == "bundle":
            drafts += _components(request, head, products, exponent=currency_exponent, where=where)
        elif request.choices:
            raise PricingError(
                f"{where}.choices", _("%(product)s is not a bundle and has no choices", product=product.name)
            )
    if order_discount is not None:
        _spread(
            drafts,
            _amount(order_discount, currency_exponent, "discount"),
            order_discount_reason,
            currency_exponent,
        )
    priced = [_priced(d, exponent=currency_exponent, prices_include_tax=prices_include_tax) for d in drafts]
    # Every money column is NUMERIC(14, 4): a line or an order past it cannot be recorded.
    for line in priced:
        if line.line_total > MONEY_MAX:
            raise PricingError(
                f"lines[{line.request_index}]",
                _("the line comes to more than %(money_max)s, which cannot be sold", money_max=MONEY_MAX),
            )
    if sum((line.line_total for line in priced), Decimal(0)) > MONEY_MAX:
        raise PricingError(
            "lines",
            _("the order comes to more than %(money_max)s, which cannot be sold", money_max=MONEY_MAX),
        )
    return priced


def _components(
    request: LineRequest,
    head: _Draft,
    products: dict[int, ProductInfo],
    *,
    exponent: int,
    where: str,
) -> list[_Draft]:
    """The bundle's component lines: every fixed group's items, then the chosen items of each choice group
    (exactly `choose` distinct items per group)."""
    bundle = head.product
    groups = {group.code: group for group in bundle.bundle}
    picked: dict[str, list[BundleItemInfo]] = {}
    for choice in request.choices:
        group = groups.get(choice.group)
        if group is None or group.kind != "choice":
            raise PricingError(
                f"{where}.choices",
                _("%(bundle)s has no choice group %(group)r", bundle=bundle.name, group=choice.group),
            )
        item = next(
            (
                i
                for i in group.items
                if i.product_id == choice.product_id and (choice.unit is None or choice.unit == i.unit)
            ),
            None,
        )
        if item is None:
            raise PricingError(
                f"{where}.choices",
                _(
                    "product %(product_id)s is not a choice of %(group)r",
                    product_id=choice.product_id,
                    group=group.name,
                ),
            )
        chosen = picked.setdefault(group.code, [])
        if item in chosen:
            raise PricingError(
                f"{where}.choices",
                _(
                    "product %(product_id)s is chosen twice in %(group)r",
                    product_id=choice.product_id,
                    group=group.name,
                ),
            )
        chosen.append(item)
    out: list[_Draft] = []
    for group in bundle.bundle:
        if group.kind == "fixed":
            items = list(group.items)
        else:
            items = picked.get(group.code, [])
            if len(items) != group.choose:
                raise PricingError(
                    f"{where}.choices",
                    _(
                        "choose %(choose)s from %(group)r (%(items)s chosen)",
                        choose=group.choose,
                        group=group.name,
                        items=len(items),
                    ),
                )
        for item in items:
            component = products.get(item.product_id)
            factor = component.units.get(item.unit) if component is not None else None
            if component is None or not component.active or factor is None:
                raise PricingError(
                    f"{where}.product_id", _("%(bundle)s includes an item no longer sold", bundle=bundle.name)
                )
            # "2", not "2.000": the cook reads it, and it is what a plain line of 2 would say.
            qty = Decimal(f"{(head.qty * item.qty).normalize():f}")
            _check_qty(qty, item.unit, f"{where}.qty")
            extra = money(item.extra_price, exponent)
            out.append(
                _Draft(
                    line_no=head.line_no + len(out) + 1,
                    request_index=head.request_index,
                    product=component,
                    qty=qty,
                    unit=item.unit,
                    factor=factor,
                    price_list=head.price_list,
                    unit_price=extra,
                    amount=money(qty * extra, exponent),
                    note="",
                    parent_line_no=head.line_no,
                )
            )
    return out


def _spread(drafts: list[_Draft], discount: Decimal, reason: str | None, exponent: int) -> None:
    """Share an order discount over the lines in proportion to what is left of each, rounded per line; the
    last line takes the remainder, and a share a line cannot take moves to the lines before it."""
    if not discount:
        return
    left = [d.amount - d.discount for d in drafts]
    base = sum(left, Decimal(0))
    if discount > base:
        raise PricingError("discount", _("the discount is more than the order (%(base)s)", base=base))
    open_lines = [i for i, value in enumerate(left) if value > 0]
    shares = {i: money(discount * left[i] / base, exponent) for i in open_lines[:-1]}
    shares[open_lines[-1]] = discount - sum(shares.values(), Decimal(0))
    # Rounding up several earlier shares can ask the last line for more than it has (or less than zero);
    # move the difference a cent at a time to lines with room, so no line goes below zero.
    step = quantum(exponent)
    for i in open_lines:
        while shares[i] > left[i] or shares[i] < 0:
            move = step if shares[i] > left[i] else -step
            other = next(j for j in reversed(open_lines) if j != i and 0 <= shares[j] + move <= left[j])
            shares[i] -= move
            shares[other] += move
    for i, share in shares.items():
        if share:
            drafts[i].discount += share
            drafts[i].discount_reason = drafts[i].discount_reason or reason


def _priced(draft: _Draft, *, exponent: int, prices_include_tax: bool) -> PricedLine:
    product = draft.product
    net = draft.amount - draft.discount
    if prices_include_tax:
        tax = money(net * product.tax_rate / (HUNDRED + product.tax_rate), exponent)
        subtotal, total = net - tax, net
    else:
        tax = money(net * product.tax_rate / HUNDRED, exponent)
        subtotal, total = net, net + tax
    return PricedLine(
        line_no=draft.line_no,
        product_id=product.id,
        name=product.name,
        qty=draft.qty,
        unit=draft.unit,
        unit_factor=draft.factor,
        price_list=draft.price_list,
        unit_price=draft.unit_price,
        tax_rate=product.tax_rate,
        discount=draft.discount,
        line_subtotal=subtotal,
        line_tax=tax,
        line_total=total,
        station_code=product.station_code,
        note=draft.note,
        parent_line_no=draft.parent_line_no,
        discount_reason=draft.discount_reason,
        request_index=draft.request_index,
        modifiers=draft.modifiers,
    )


def _modifiers(
    option_ids: tuple[int, ...], product: ProductInfo, *, exponent: int, where: str
) -> tuple[ChosenModifier, ...]:
    """The line's modifier picks, checked against the product's groups (each between its min and max, no
    option twice, none of another product); in each group the cheapest `free_choices` picks cost nothing."""
    field = f"{where}.modifiers"
    owner = {option.id: (group, option) for group in product.modifier_groups for option in group.options}
    picked: dict[str, list[ModifierOptionInfo]] = {}
    for option_id in option_ids:
        found = owner.get(option_id)
        if found is None:
            raise PricingError(
                field,
                _(
                    "option %(option_id)s is not a modifier of %(product)s",
                    option_id=option_id,
                    product=product.name,
                ),
            )
        group, option = found
        if not option.active:
            raise PricingError(
                field, _("%(option)s (%(group)s) is no longer offered", option=option.name, group=group.name)
            )
        chosen = picked.setdefault(group.code, [])
        if option in chosen:
            raise PricingError(
                field, _("%(option)s is chosen twice in %(group)s", option=option.name, group=group.name)
            )
        chosen.append(option)
    out: list[ChosenModifier] = []
    for group in product.modifier_groups:
        options = picked.get(group.code, [])
        if len(options) < group.min_choices:
            need = "a choice" if group.min_choices == 1 else f"at least {group.min_choices} choices"
            raise PricingError(
                field,
                _(
                    "%(group)s needs %(need)s for %(product)s",
                    group=group.name,
                    need=need,
                    product=product.name,
                ),
            )
        if len(options) > group.max_choices:
            raise PricingError(
                field,
                _(
                    "choose at most %(max_choices)s from %(group)s (%(options)s chosen)",
                    max_choices=group.max_choices,
                    group=group.name,
                    options=len(options),
                ),
            )
        free = {o.id for o in sorted(options, key=lambda o: (o.price_delta, o.id))[: group.free_choices]}
        out += [
            ChosenModifier(
                id=o.id,
                group=group.code,
                name=o.name,
                kind=o.kind,
                price=money(Decimal(0) if o.id in free else o.price_delta, exponent),
                station_code=o.station_code,
            )
            for o in options
        ]
    return tuple(out)


def _amount(value: Decimal, exponent: int, field: str) -> Decimal:
    if not value.is_finite() or value < 0:
        raise PricingError(field, _("a discount must be zero or more"))
    if places(value) > exponent:
        raise PricingError(
            field, _("a discount may have at most %(exponent)s decimal places", exponent=exponent)
        )
    return value


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


def _check_qty(qty: Decimal, unit: str, field: str) -> None:
    if not qty.is_finite() or qty <= 0:
        raise PricingError(field, _("quantity must be greater than zero"))
    if qty > MAX_QTY:
        raise PricingError(field, _("quantity above %(max_qty)s is not a plausible sale", max_qty=MAX_QTY))
    if places(qty) > QTY_PLACES:
        raise PricingError(
            field, _("quantity may have at most %(qty_places)s decimal places", qty_places=QTY_PLACES)
        )
    if unit in WHOLE_UNITS and qty != qty.to_integral_value():
        raise PricingError(field, _("%(unit)s items are sold in whole numbers", unit=unit))


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
            raise PricingError(f"{where}.unit_price", _("unit price must be zero or more"))
        if places(price) > exponent:
            raise PricingError(
                f"{where}.unit_price",
                _("unit price may have at most %(exponent)s decimal places", exponent=exponent),
            )
        return price
    if request.price_list == "customer":
        negotiated = customer_prices.get((product.id, unit))
        if negotiated is None:
            raise PricingError(
                f"{where}.price_list",
                _(
                    "the customer has no agreed price for %(product)s (%(unit)s)",
                    product=product.name,
                    unit=unit,
                ),
            )
        return money(negotiated, exponent)
    listed = product.prices.get((request.price_list, unit))
    if listed is not None:
        return money(listed, exponent)
    base = product.prices.get((request.price_list, product.base_unit))
    if base is None:
        raise PricingError(
            f"{where}.price_list",
            _("%(product)s has no %(price_list)s price", product=product.name, price_list=request.price_list),
        )
    return money(base * factor, exponent)

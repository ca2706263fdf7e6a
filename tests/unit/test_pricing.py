"""Pricing rules on plain data: rounding of kg items and mixed rates, line and order discounts in both tax
modes, bundles and their components."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.orders.pricing import (
    BundleGroupInfo,
    BundleItemInfo,
    Choice,
    LineRequest,
    PricedLine,
    PricingError,
    ProductInfo,
    price_lines,
    totals,
)

D = Decimal


def product(
    pid: int, name: str, price: str, rate: str, *, base_unit: str = "piece", **extra: object
) -> ProductInfo:
    return ProductInfo(
        id=pid,
        name=name,
        base_unit=base_unit,
        tax_rate=D(rate),
        station_code=str(extra.pop("station", "grill")),
        active=True,
        units={base_unit: D(1)},
        prices={("counter", base_unit): D(price)},
        **extra,  # type: ignore[arg-type]
    )


BURGER = product(1, "Burger", "57.00", "14")
CHEESE = product(2, "Cheese", "179.99", "0", base_unit="kg", station="cold")
BREAD = product(3, "Bread", "2.35", "5", station="cold")
COLA = product(4, "Cola", "15.00", "14", station="drinks", stock_tracked=True)
JUICE = product(5, "Juice", "25.00", "14", station="drinks")
FRIES = product(6, "Fries", "30.00", "14", station="fryer")
COMBO = product(
    10,
    "Meal Deal",
    "125.00",
    "14",
    kind="bundle",
    bundle=(
        BundleGroupInfo(
            code="main",
            name="Burger and fries",
            kind="fixed",
            choose=1,
            items=(BundleItemInfo(1, "piece", D(1), D(0)), BundleItemInfo(6, "piece", D(1), D(0))),
        ),
        BundleGroupInfo(
            code="drink",
            name="Pick a drink",
            kind="choice",
            choose=1,
            items=(BundleItemInfo(4, "piece", D(1), D(0)), BundleItemInfo(5, "piece", D(1), D("5.00"))),
        ),
    ),
)
PRODUCTS = {p.id: p for p in (BURGER, CHEESE, BREAD, COLA, JUICE, FRIES, COMBO)}


def line(pid: int, qty: str, **extra: object) -> LineRequest:
    fields: dict[str, object] = {
        "unit": None,
        "price_list": "counter",
        "unit_price": None,
        "note": "",
    } | extra
    return LineRequest(product_id=pid, qty=D(qty), **fields)  # type: ignore[arg-type]


def price(requests: list[LineRequest], *, inclusive: bool, discount: str | None = None) -> list[PricedLine]:
    return price_lines(
        requests,
        PRODUCTS,
        currency_exponent=2,
        prices_include_tax=inclusive,
        order_discount=D(discount) if discount is not None else None,
        order_discount_reason="loyal customer" if discount is not None else None,
    )


def check_consistent(lines: list[PricedLine], *, inclusive: bool) -> None:
    """Every line adds up; tax per rate is the sum of its lines' rounded taxes."""
    for item in lines:
        net = (item.qty * item.unit_price).quantize(D("0.01")) - item.discount
        assert item.line_subtotal + item.line_tax == item.line_total
        assert (item.line_total if inclusive else item.line_subtotal) == net
        assert item.line_tax >= 0 and item.discount >= 0
    result = totals(lines, delivery_charge=D(0), currency_exponent=2)
    assert result.subtotal + result.tax == result.total
    assert sum(result.tax_by_rate.values()) == result.tax


def test_kg_item_rounds_half_up_per_line_in_both_modes() -> None:
    inclusive = price([line(2, "0.335"), line(3, "3")], inclusive=True)
    # 0.335 kg x 179.99 = 60.29665 -> 60.30; zero-rated, so no tax.
    assert (inclusive[0].line_total, inclusive[0].line_tax) == (D("60.30"), D("0.00"))
    # 3 x 2.35 = 7.05 including 5 %: tax 7.05 x 5 / 105 = 0.3357 -> 0.34.
    assert (inclusive[1].line_subtotal, inclusive[1].line_tax) == (D("6.71"), D("0.34"))
    exclusive = price([line(2, "0.335"), line(3, "3")], inclusive=False)
    # 7.05 before tax, 5 % on top: 0.3525 -> 0.35.
    assert (exclusive[1].line_subtotal, exclusive[1].line_tax, exclusive[1].line_total) == (
        D("7.05"),
        D("0.35"),
        D("7.40"),
    )
    check_consistent(inclusive, inclusive=True)
    check_consistent(exclusive, inclusive=False)


@pytest.mark.parametrize("inclusive", [True, False])
def test_line_discount_comes_off_before_tax_is_worked_out(inclusive: bool) -> None:
    lines = price([line(1, "2", discount=D("14.00"), discount_reason="staff meal")], inclusive=inclusive)
    burger = lines[0]
    assert (burger.unit_price, burger.discount, burger.discount_reason) == (
        D("57.00"),
        D("14.00"),
        "staff meal",
    )
    if inclusive:
        # 114 - 14 = 100.00 including 14 %: tax 12.28.
        assert (burger.line_subtotal, burger.line_tax, burger.line_total) == (
            D("87.72"),
            D("12.28"),
            D("100.00"),
        )
    else:
        assert (burger.line_subtotal, burger.line_tax, burger.line_total) == (
            D("100.00"),
            D("14.00"),
            D("114.00"),
        )
    check_consistent(lines, inclusive=inclusive)


@pytest.mark.parametrize("inclusive", [True, False])
def test_order_discount_is_spread_by_amount_and_the_last_line_takes_the_remainder(inclusive: bool) -> None:
    requests = [
        line(1, "1"),
        line(2, "0.335"),
        line(3, "3"),
        line(4, "1", discount=D("1.00"), discount_reason="x"),
    ]
    lines = price(requests, inclusive=inclusive, discount="10.00")
    # Amounts left after the line discount: 57.00, 60.30, 7.05, 14.00 = 138.35.
    shares = [item.discount for item in lines]
    shares[3] -= D("1.00")
    assert shares == [D("4.12"), D("4.36"), D("0.51"), D("1.01")]
    assert sum(shares) == D("10.00")
    assert [item.discount_reason for item in lines] == ["loyal customer"] * 3 + ["x"]
    check_consistent(lines, inclusive=inclusive)
    result = totals(lines, delivery_charge=D(0), currency_exponent=2)
    before = totals(price(requests, inclusive=inclusive), delivery_charge=D(0), currency_exponent=2)
    if inclusive:
        assert before.total - result.total == D("10.00")
    else:
        assert before.subtotal - result.subtotal == D("10.00")
    # Each rate's tax is that of its lines, recomputed on the discounted amounts.
    assert set(result.tax_by_rate) == {D(14), D(0), D(5)}


def test_a_discount_of_everything_leaves_every_line_at_zero() -> None:
    requests = [line(3, "1"), line(3, "1"), line(3, "1")]  # three lines of 2.35, i.e. 7.05
    lines = price(requests, inclusive=True, discount="7.05")
    assert [item.line_total for item in lines] == [D(0)] * 3
    assert sum(item.discount for item in lines) == D("7.05")


def test_rounding_never_pushes_a_share_past_its_line() -> None:
    # 0.05 over 0.02, 0.02, 0.02 and 0.01: each 0.02 line's share (0.014) rounds down to 0.01, which would
    # leave 0.02 for the last line of 0.01; the extra cent moves to a line with room.
    gum, mint = product(7, "Gum", "0.02", "14"), product(8, "Mint", "0.01", "14")
    products = PRODUCTS | {7: gum, 8: mint}
    lines = price_lines(
        [line(7, "1"), line(7, "1"), line(7, "1"), line(8, "1")],
        products,
        currency_exponent=2,
        prices_include_tax=False,
        order_discount=D("0.05"),
        order_discount_reason="r",
    )
    assert [item.discount for item in lines] == [D("0.01"), D("0.01"), D("0.02"), D("0.01")]
    check_consistent(lines, inclusive=False)


@pytest.mark.parametrize(
    ("requests", "discount", "field"),
    [
        ([line(1, "1", discount=D("57.01"), discount_reason="r")], None, "lines[0].discount"),
        ([line(1, "1", discount=D("-1"), discount_reason="r")], None, "lines[0].discount"),
        ([line(1, "1", discount=D("1.001"), discount_reason="r")], None, "lines[0].discount"),
        ([line(1, "1")], "57.01", "discount"),
        ([line(1, "1")], "NaN", "discount"),
    ],
)
def test_bad_discounts_name_their_field(
    requests: list[LineRequest], discount: str | None, field: str
) -> None:
    with pytest.raises(PricingError) as caught:
        price(requests, inclusive=True, discount=discount)
    assert caught.value.field == field


def test_bundle_is_priced_once_and_its_components_follow_it() -> None:
    lines = price([line(10, "2", choices=(Choice("drink", 5),)), line(1, "1")], inclusive=True)
    assert [(i.line_no, i.name, i.qty, i.parent_line_no, i.station_code) for i in lines] == [
        (1, "Meal Deal", D(2), None, "grill"),
        (2, "Burger", D(2), 1, "grill"),
        (3, "Fries", D(2), 1, "fryer"),
        (4, "Juice", D(2), 1, "drinks"),
        (5, "Burger", D(1), None, "grill"),
    ]
    assert [i.line_total for i in lines] == [D("250.00"), D(0), D(0), D("10.00"), D("57.00")]
    # The juice's extra is taxed at its own rate; the components carry no other money.
    assert lines[3].line_tax == D("1.23")
    assert [i.request_index for i in lines] == [0, 0, 0, 0, 1]
    check_consistent(lines, inclusive=True)


@pytest.mark.parametrize(
    "choices",
    [
        (),  # nothing chosen
        (Choice("drink", 4), Choice("drink", 5)),  # one too many
        (Choice("drink", 1),),  # not a drink
        (Choice("main", 4),),  # a fixed group
        (Choice("dessert", 4),),  # no such group
    ],
)
def test_wrong_choices_are_refused(choices: tuple[Choice, ...]) -> None:
    with pytest.raises(PricingError) as caught:
        price([line(10, "1", choices=choices)], inclusive=True)
    assert caught.value.field == "lines[0].choices"


def test_choices_on_a_plain_product_are_refused() -> None:
    with pytest.raises(PricingError) as caught:
        price([line(1, "1", choices=(Choice("drink", 4),))], inclusive=True)
    assert caught.value.field == "lines[0].choices"

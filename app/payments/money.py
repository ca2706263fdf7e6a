"""Money arithmetic of tenders: parsing what the till sends, and cash rounding (DESIGN §7)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.lib.errors import unprocessable
from app.orders.pricing import places

# NUMERIC(14, 4): ten integer digits.
MAX_AMOUNT = Decimal("9999999999")
ZERO = Decimal(0)


def parse_amount(value: str | int | float, *, field: str, exponent: int) -> Decimal:
    """A positive amount in the branch's currency, at most `exponent` decimals; 422 naming `field`."""
    if isinstance(value, bool):
        raise unprocessable(field, 'must be an amount such as "12.50"')
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise unprocessable(field, 'must be an amount such as "12.50"') from None
    if not amount.is_finite():
        raise unprocessable(field, 'must be an amount such as "12.50"')
    if amount <= 0:
        raise unprocessable(field, "must be above zero")
    if amount > MAX_AMOUNT:
        raise unprocessable(field, "is too large")
    if places(amount) > exponent:
        raise unprocessable(field, f"has more than {exponent} decimals")
    return amount


def round_cash(value: Decimal, step: Decimal) -> Decimal:
    """`value` rounded half-up to the branch's cash step (0.05: 10.03 -> 10.05, 10.02 -> 10.00)."""
    if step <= 0:
        return value
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def payment_status(*, paid_total: Decimal, total: Decimal, refunded_any: bool) -> str:
    """unpaid / partially_paid / paid, or refunded once everything taken has gone back."""
    if paid_total <= 0:
        return "refunded" if refunded_any else "unpaid"
    if paid_total >= total:
        return "paid"
    return "partially_paid"

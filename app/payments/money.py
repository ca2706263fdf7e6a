"""Money arithmetic of tenders: parsing what the till sends, and cash rounding (DESIGN §7)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.lib.money import places

# NUMERIC(14, 4): ten integer digits.
MAX_AMOUNT = Decimal("9999999999")
ZERO = Decimal(0)


def parse_amount(value: object, *, field: str, exponent: int, allow_zero: bool = False) -> Decimal:
    """A money amount from a client (text or a number) in the branch's currency: at most `exponent`
    decimals, above zero (or zero too, for counts and cash collected), else a 422 naming `field`. The one
    parser of client amounts, so every endpoint answers bad money the same way."""
    amount: Decimal | None = None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise unprocessable(field, _('must be an amount such as "12.50"'))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise unprocessable(field, _("cannot be negative") if allow_zero else _("must be above zero"))
    if amount > MAX_AMOUNT:
        raise unprocessable(field, _("is too large"))
    if places(amount) > exponent:
        raise unprocessable(field, _("has more than %(exponent)s decimals", exponent=exponent))
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

"""Money is Decimal, rounded half-up to the currency's decimals (DESIGN §7)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def quantum(exponent: int) -> Decimal:
    return Decimal(1).scaleb(-exponent)


def money(value: Decimal, exponent: int) -> Decimal:
    return value.quantize(quantum(exponent), rounding=ROUND_HALF_UP)


def places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0

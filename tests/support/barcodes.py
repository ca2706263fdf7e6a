"""Checking barcodes the way a scanner does."""

from __future__ import annotations


def is_ean13(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    digits = [int(c) for c in code]
    weighted = sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return (10 - weighted % 10) % 10 == digits[12]

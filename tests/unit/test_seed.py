"""The EAN-13 check the demo seed's barcodes are held to (tests/integration/test_seed.py)."""

from __future__ import annotations

from tests.support.barcodes import is_ean13


def test_ean13_checker_knows_a_real_barcode() -> None:
    assert is_ean13("4006381333931")
    assert not is_ean13("4006381333932")

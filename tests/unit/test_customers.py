"""Phone numbers as customers type them: normalised for storage, reduced to digits for search."""

from __future__ import annotations

import pytest

from app.customers.phones import normalise_phone, phone_search_digits


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("+20 100-555-0001", "+201005550001"),
        ("(02) 2735.0005", "0227350005"),
        ("0020 100 555 0001", "+201005550001"),
        ("01005550001", "01005550001"),
    ],
)
def test_normalise_phone(raw: str, stored: str) -> None:
    assert normalise_phone(raw) == stored


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("0100 555 0001", "1005550001"),
        ("+20 100-555", "20100555"),
        ("55", "55"),
        ("Nour", None),
        ("5 Nour", None),
        ("00", "00"),
    ],
)
def test_phone_search_digits(text: str, digits: str | None) -> None:
    assert phone_search_digits(text) == digits

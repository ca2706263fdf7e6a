"""TOTP codes against RFC 6238's published vectors, and the acceptance window around now."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from app.auth import totp

# RFC 6238 appendix B uses the ASCII secret "12345678901234567890" for SHA-1; its 8-digit codes end in
# the 6-digit codes below.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [
        (59, "287082"),
        (1111111109, "081804"),
        (1111111111, "050471"),
        (1234567890, "005924"),
        (2000000000, "279037"),
    ],
)
def test_codes_match_the_rfc_vectors(unix_time: int, code: str) -> None:
    assert totp.code_at(RFC_SECRET, totp.current_step(unix_time)) == code


def test_a_code_is_accepted_one_step_either_side_and_no_further() -> None:
    now = 1_700_000_000.0
    step = totp.current_step(now)
    for offset in (-1, 0, 1):
        assert (
            totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), now=now) == step + offset
        )
    for offset in (-2, 2):
        assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), now=now) is None


def test_a_spent_step_and_older_ones_are_refused() -> None:
    now = 1_700_000_000.0
    step = totp.current_step(now)
    code = totp.code_at(RFC_SECRET, step)
    assert totp.matching_step(RFC_SECRET, code, now=now, after_step=step - 1) == step
    assert totp.matching_step(RFC_SECRET, code, now=now, after_step=step) is None
    assert (
        totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step - 1), now=now, after_step=step) is None
    )


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_never_match(code: str) -> None:
    assert totp.matching_step(RFC_SECRET, code) is None


def test_new_secrets_are_160_bits_of_base32_and_differ() -> None:
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second
    assert len(base64.b32decode(first + "=" * (-len(first) % 8))) == totp.SECRET_BYTES


def test_the_provisioning_uri_carries_what_an_authenticator_needs() -> None:
    uri = urlparse(totp.provisioning_uri("JBSWY3DPEHPK3PXP", account="amira"))
    assert (uri.scheme, uri.netloc, unquote(uri.path)) == ("otpauth", "totp", "/Passline:amira")
    query = parse_qs(uri.query)
    assert query == {
        "secret": ["JBSWY3DPEHPK3PXP"],
        "issuer": ["Passline"],
        "digits": ["6"],
        "period": ["30"],
    }

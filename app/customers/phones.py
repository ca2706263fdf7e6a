"""Phone numbers as stored: digits with an optional leading +, so a caller-id lookup is an exact match.

Shared by customer search and create; an incoming call's number (dispatch, orders) goes through the same
function before it is looked up.
"""

from __future__ import annotations

import re

# What the database CHECK on customer_phones.phone accepts.
STORED_PHONE = re.compile(r"\+?[0-9]{5,17}")
# Separators people type or paste: "+20 100-555 0001", "(02) 2735.0005".
_SEPARATORS = re.compile(r"[\s().\-/]")
# Looks like (part of) a phone number rather than a name: digits, separators and at most one leading +.
_PHONE_LIKE = re.compile(r"\+?[0-9\s().\-/]+")


def normalise_phone(raw: str) -> str:
    """Strip separators and turn the international prefix 00 into +; the result may still be invalid."""
    phone = _SEPARATORS.sub("", raw)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    return phone


def is_valid_phone(phone: str) -> bool:
    return STORED_PHONE.fullmatch(phone) is not None


def phone_search_digits(text: str) -> str | None:
    """The digits to look for inside stored phones when `text` looks like (part of) a phone number.

    A number typed the local way ("0100 555 0001") is stored internationally ("+201005550001"), so the
    leading trunk or international zeros are dropped: every stored number containing the typed digits
    contains what is left as well.
    """
    if _PHONE_LIKE.fullmatch(text) is None:
        return None
    digits = re.sub(r"[^0-9]", "", text)
    significant = digits.lstrip("0")
    if len(significant) >= 2:
        return significant
    return digits if len(digits) >= 2 else None

"""Phone numbers as stored: digits with an optional leading +, so a caller-id lookup is an exact match.

Shared by customer search and create; an incoming call's number (dispatch, orders) goes through the same
function before it is looked up.
"""

from __future__ import annotations

import re

import phonenumbers

from app.lib.i18n import _

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


class PhoneNumberError(ValueError):
    """A number `phonenumbers` cannot read as a real number (of the branch's country, when typed locally)."""


def to_e164(raw: str, region: str | None) -> str:
    """The number in its international form (+201005550002), read the way the branch's country writes it:
    "0100 555 0002" in an Egyptian branch and "+20 100 555 0002" anywhere are one number.

    phonenumbers (Google's libphonenumber metadata) knows each country's trunk prefix, lengths and ranges,
    which a hand-written rule would get wrong for the next country a shop opens in.
    """
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        if region is None and not raw.startswith("+"):
            msg = _("%(raw)s needs its country code (like +20 …): the branch's country is not set", raw=raw)
            raise PhoneNumberError(msg) from None
        msg = _("%(raw)s is not a phone number", raw=raw)
        raise PhoneNumberError(msg) from None
    if not phonenumbers.is_valid_number(parsed):
        if region and not raw.startswith("+"):
            msg = _("%(raw)s is not a valid phone number in %(country)s", raw=raw, country=region)
        else:
            msg = _("%(raw)s is not a valid phone number", raw=raw)
        raise PhoneNumberError(msg)
    e164: str = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164


def try_e164(raw: str, region: str | None) -> str | None:
    try:
        return to_e164(raw, region)
    except PhoneNumberError:
        return None

"""Customer requests and answers.

`CustomerCreate` tidies its own input as it is decoded (trimmed text, normalised phones) and refuses what
the database would refuse, so a bad body is a 400 naming the field, never a 500 from a CHECK constraint.
Rules that need the database (a phone already taken, a territory that does not exist) are the service's.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from app.customers.phones import is_valid_phone, normalise_phone
from app.lib.params import MAX_ID

MAX_PHONES = 5
MAX_ADDRESSES = 10

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
OptionalName = Annotated[str, msgspec.Meta(max_length=200)]
TaxNumber = Annotated[str, msgspec.Meta(max_length=50)]
Email = Annotated[str, msgspec.Meta(max_length=254)]
# As typed or pasted; stored as digits with an optional leading + (app/customers/phones.py).
PhoneIn = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=32,
        description="a phone number: 5 to 17 digits, optionally after a + (00 counts as +); spaces, dots, "
        "dashes, slashes and brackets between them are ignored",
        examples=["+20 100 555 0001"],
        # Documents the rule `phones.is_valid_phone` applies after normalising (a 400 naming the phone).
        extra_json_schema={"pattern": r"^\+?[0-9 ().\-/]{5,32}$"},
    ),
]
Label = Annotated[str, msgspec.Meta(max_length=50)]
AddressText = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
TerritoryId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]

# Single-line fields refuse every control character; an address may span lines.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _clean(value: str, field: str, *, required: bool = False, multiline: bool = False) -> str:
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        msg = f"{field}: must not contain control characters"
        raise ValueError(msg)
    value = value.strip()
    if required and not value:
        msg = f"{field}: must not be blank"
        raise ValueError(msg)
    return value


def _clean_optional(value: str | None, field: str) -> str | None:
    return (_clean(value, field) or None) if value is not None else None


class AddressIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    address: AddressText
    label: Label = ""
    territory_id: TerritoryId | None = None
    # At most one address is the default; when none says so, the first one is.
    is_default: bool = False


class CustomerCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    # The first phone is the primary one.
    phones: Annotated[list[PhoneIn], msgspec.Meta(min_length=1, max_length=MAX_PHONES)]
    company_name: OptionalName | None = None
    tax_number: TaxNumber | None = None
    email: Email | None = None
    addresses: Annotated[list[AddressIn], msgspec.Meta(max_length=MAX_ADDRESSES)] = msgspec.field(
        default_factory=list
    )
    # The branch taking the details: its country reads a number typed the local way ("0100 555 0002").
    branch_id: TerritoryId | None = None

    def __post_init__(self) -> None:
        # msgspec turns a ValueError raised here into a validation error: Litestar answers 400 with it.
        self.name = _clean(self.name, "name", required=True)
        self.company_name = _clean_optional(self.company_name, "company_name")
        self.tax_number = _clean_optional(self.tax_number, "tax_number")
        self.email = _clean_optional(self.email, "email")
        if self.email is not None and _EMAIL.fullmatch(self.email) is None:
            msg = f"email: {self.email!r} is not an email address"
            raise ValueError(msg)

        phones: list[str] = []
        for i, raw in enumerate(self.phones):
            phone = normalise_phone(_clean(raw, f"phones[{i}]", required=True))
            if not is_valid_phone(phone):
                msg = f"phones[{i}]: {raw!r} is not a phone number (5 to 17 digits, optionally after a +)"
                raise ValueError(msg)
            if phone in phones:
                msg = f"phones[{i}]: {phone} is listed twice"
                raise ValueError(msg)
            phones.append(phone)
        self.phones = phones

        for i, address in enumerate(self.addresses):
            address.address = _clean(
                address.address, f"addresses[{i}].address", required=True, multiline=True
            )
            address.label = _clean(address.label, f"addresses[{i}].label")
        if sum(a.is_default for a in self.addresses) > 1:
            msg = "addresses: only one address can be the default"
            raise ValueError(msg)


class PhoneOut(msgspec.Struct, kw_only=True):
    phone: str
    is_primary: bool


class AddressOut(msgspec.Struct, kw_only=True):
    id: int
    label: str
    address: str
    territory_id: int | None
    is_default: bool


class CustomerOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    company_name: str | None
    tax_number: str | None
    email: str | None
    phones: list[PhoneOut]
    addresses: list[AddressOut]


class CustomerPage(msgspec.Struct, kw_only=True):
    items: list[CustomerOut]
    page: int
    page_size: int
    total: int

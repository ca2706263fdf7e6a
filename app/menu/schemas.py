"""Request and response bodies of the menu-depth API. Money travels as strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from app.lib.fields import Checked, Money

Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
Count = Annotated[int, msgspec.Meta(ge=0, le=50)]
PositiveId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]
Reason = Annotated[str, msgspec.Meta(max_length=200)]
Seconds = Annotated[int, msgspec.Meta(ge=1, le=86_400)]


class OptionIn(Checked, forbid_unknown_fields=True, kw_only=True):
    code: Code
    name: Name
    kind: Literal["add", "remove"] = "add"
    price_delta: Money = Decimal(0)
    station_code: Code | None = None
    active: bool = True


class GroupIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """A whole modifier group as the manager saves it: options are matched by code (kept ids), added, or
    deactivated when left out (an option ever sold stays on old receipts by its snapshot)."""

    code: Code
    name: Name
    min_choices: Count = 0
    max_choices: Annotated[int, msgspec.Meta(ge=1, le=50)] = 1
    free_choices: Count = 0
    sort_order: int = 0
    active: bool = True
    options: Annotated[list[OptionIn], msgspec.Meta(max_length=60)] = msgspec.field(default_factory=list)


class OptionOut(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    kind: str
    price_delta: Decimal
    station_code: str | None
    active: bool


class GroupOut(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    min_choices: int
    max_choices: int
    free_choices: int
    sort_order: int
    active: bool
    options: list[OptionOut]


class ProductMenuIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """A product's menu depth: its modifier groups in order, its allergens, its prep time per station."""

    group_ids: Annotated[list[PositiveId], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    allergens: Annotated[list[Code], msgspec.Meta(max_length=14)] = msgspec.field(default_factory=list)
    prep_seconds: dict[Code, Seconds] = msgspec.field(default_factory=dict)


class ProductMenuOut(msgspec.Struct, kw_only=True):
    product_id: int
    name: str
    station_code: str
    group_ids: list[int]
    allergens: list[str]
    prep_seconds: dict[str, int]


class AllergenOut(msgspec.Struct, kw_only=True):
    code: str
    name: str


class UnavailableIn(Checked, forbid_unknown_fields=True, kw_only=True):
    """86 an item or a modifier option (exactly one of the two), optionally until a time."""

    product_id: PositiveId | None = None
    option_id: PositiveId | None = None
    reason: Reason = ""
    back_at: dt.datetime | None = None


class UnavailableOut(msgspec.Struct, kw_only=True):
    branch_id: int
    product_id: int | None
    option_id: int | None
    name: str
    reason: str
    source: str
    back_at: dt.datetime | None
    created_at: dt.datetime


class StationOption(msgspec.Struct, kw_only=True):
    option_id: int
    name: str
    available: bool


class StationItem(msgspec.Struct, kw_only=True):
    """A product a station makes, as its 86 board lists it."""

    product_id: int
    name: str
    available: bool
    back_at: dt.datetime | None
    options: list[StationOption]


class PacingIn(Checked, forbid_unknown_fields=True, kw_only=True):
    items_per_15min: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    cooks: Annotated[int, msgspec.Meta(ge=1, le=50)] = 1


class PacingOut(msgspec.Struct, kw_only=True):
    branch_id: int
    station_code: str
    items_per_15min: int
    cooks: int


class PauseIn(Checked, forbid_unknown_fields=True, kw_only=True):
    channel: Literal["counter", "pickup", "dine_in", "delivery", "partner"]
    reason: Reason = ""
    until: dt.datetime | None = None


class PauseOut(msgspec.Struct, kw_only=True):
    branch_id: int
    channel: str
    reason: str
    until: dt.datetime | None


class MenuOverview(msgspec.Struct, kw_only=True):
    """The admin page's document: groups, allergens, products with their depth, what is 86'd here."""

    branch_id: int
    currency_exponent: int
    groups: list[GroupOut]
    allergens: list[AllergenOut]
    products: list[ProductMenuOut]
    unavailable: list[UnavailableOut]

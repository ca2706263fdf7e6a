"""Bodies and answers of the people screens: staff accounts, their roles and branches, PINs, custom roles."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from app.lib.params import MAX_ID

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
Username = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
FullName = Annotated[str, msgspec.Meta(max_length=200)]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=200)]
Pin = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4,8}$")]
RoleName = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
EmployeeCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,20}$")]
Phone = Annotated[str, msgspec.Meta(max_length=32)]


class UserIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    username: Username
    full_name: FullName = ""
    password: Password
    roles: Annotated[list[str], msgspec.Meta(max_length=6)] = msgspec.field(default_factory=list)
    custom_role_ids: Annotated[list[Id], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    branch_ids: Annotated[list[Id], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)
    employee_code: EmployeeCode | None = None
    phone: Phone | None = None


class UserEdit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    full_name: FullName = ""
    roles: Annotated[list[str], msgspec.Meta(max_length=6)] = msgspec.field(default_factory=list)
    custom_role_ids: Annotated[list[Id], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    branch_ids: Annotated[list[Id], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)
    employee_code: EmployeeCode | None = None
    phone: Phone | None = None


class PasswordIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    password: Password


class PinIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pin: Pin


class PersonOut(msgspec.Struct, kw_only=True):
    id: int
    username: str
    full_name: str
    roles: list[str]
    custom_role_ids: list[int]
    branch_ids: list[int]
    employee_code: str | None
    phone: str | None
    is_active: bool
    has_totp: bool
    has_pin: bool
    pin_locked: bool
    last_login_at: dt.datetime | None


class PeoplePage(msgspec.Struct, kw_only=True):
    items: list[PersonOut]
    page: int
    page_size: int
    total: int


class CustomRoleIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: RoleName
    permissions: Annotated[list[str], msgspec.Meta(min_length=1, max_length=10)]


class CustomRoleOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    permissions: list[str]
    users: int


class PermissionOut(msgspec.Struct, kw_only=True):
    code: str
    # English; the screens translate it.
    label: str


class SessionsEnded(msgspec.Struct, kw_only=True):
    user: PersonOut
    sessions_ended: int


class PinLogin(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Switch the till's signed-in user: who (username or employee code) and their PIN."""

    who: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    pin: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]

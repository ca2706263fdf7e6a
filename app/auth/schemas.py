from __future__ import annotations

from typing import Annotated

import msgspec

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    username: Username
    password: Password


class BranchRef(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str


class Me(msgspec.Struct, kw_only=True):
    id: int
    username: str
    full_name: str
    roles: list[str]
    branches: list[BranchRef]


class LoginResponse(msgspec.Struct, kw_only=True):
    user: Me
    # Also set as the `passline_csrf` cookie; send it back as X-CSRF-Token on writes.
    csrf_token: str

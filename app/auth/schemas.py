from __future__ import annotations

from typing import Annotated

import msgspec

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    username: Username
    password: Password


class TotpLoginRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    challenge: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class TotpChallenge(msgspec.Struct, kw_only=True):
    """The password was right; a code from the authenticator app finishes the sign-in. With `enrol`, the
    account has no second factor yet: add `secret` (or open `otpauth_uri`) in the app, then send a code."""

    totp_required: bool = True
    challenge: str
    enrol: bool
    secret: str | None = None
    otpauth_uri: str | None = None


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

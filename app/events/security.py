"""Security events the managers' board shows: an account whose second factor was locked after too many
wrong codes (someone may be guessing codes with a stolen password)."""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType


class SecondFactorLocked(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`alert.raised` of kind `second_factor_locked`: no order, the account instead. Told apart from an
    order's alert by its required fields (`user_id`, no `order_id`)."""

    kind: str  # always "second_factor_locked"
    user_id: int
    username: str
    failures: int  # wrong codes since the account's last good sign-in
    locked_until: str
    message: str
    raised_at: str


# The managers' board only: never a till, the kitchen, the TV or a courier.
SECOND_FACTOR_LOCKED = EventType("alert.raised", SecondFactorLocked, views={Audience.BOARD: FULL})

"""Bodies of the preferences API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class PreferenceOut(msgspec.Struct, kw_only=True):
    key: str
    # The object last stored under the key; `{}` (and no `updated_at`) when nothing was stored yet, so a
    # screen reads its defaults the same way as saved settings.
    value: dict[str, Any]
    updated_at: dt.datetime | None

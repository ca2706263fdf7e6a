"""The catalog marker for the reports' user-facing text (area `reports`).

Labels are marked with `_()` so the catalog tool extracts them; `_()` returns the text in the current
language as a plain `str` (report tables carry labels as data, and msgspec encodes plain strings).
"""

from __future__ import annotations

from typing import Any


def _(msgid: str, /, **params: Any) -> str:
    return msgid % params if params else msgid

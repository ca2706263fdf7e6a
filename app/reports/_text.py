"""The catalog marker for the reports' user-facing text (area `reports`).

Labels are marked with `_()` so the catalog tool extracts them; here `_()` renders the text in the current
language (the request's, or the one a job set) as a plain `str`: report tables carry labels as data, and
msgspec encodes plain strings.
"""

from __future__ import annotations

from typing import Any

from app.lib import i18n


def _(msgid: str, /, **params: Any) -> str:
    return i18n.translated(i18n._(msgid, **params))


def _p(context: str, msgid: str, /, **params: Any) -> str:
    """`_` with a context (an English word that means something else elsewhere: "Low" as the lowest value)."""
    return i18n.translated(i18n._p(context, msgid, **params))

"""What order states and channels are called in server-written sentences (alerts, notifications), in the
same words the screens use (displays/static/js/shared/labels.js: the same catalog entries).

English sentences keep the plain code word ("has been out for delivery"), as they always read; another
language takes the screens' label, so an Arabic sentence does not carry an English word in its middle.
"""

from __future__ import annotations

from app.lib.i18n import SOURCE_LANGUAGE, LazyText, _, current_language

STATE_LABELS: dict[str, LazyText] = {
    "scheduled": _("Scheduled"),
    "received": _("Received"),
    "preparing": _("Preparing"),
    "ready": _("Ready"),
    "out_for_delivery": _("Out for delivery"),
    "returned": _("Returned"),
    "completed": _("Completed"),
    "delivered": _("Delivered"),
    "cancelled": _("Cancelled"),
}

CHANNEL_LABELS: dict[str, LazyText] = {
    "counter": _("Counter"),
    "pickup": _("Pickup"),
    "dine_in": _("Dine-in"),
    "delivery": _("Delivery"),
    "partner": _("Partner"),
}


def _word(table: dict[str, LazyText], code: str, english: str) -> str:
    label = table.get(code)
    if label is None or current_language() == SOURCE_LANGUAGE:
        return english
    return label.render()


def state_word(code: str) -> str:
    """'out_for_delivery' → 'out for delivery' in English, the screens' label in another language."""
    return _word(STATE_LABELS, code, code.replace("_", " "))


def channel_word(code: str) -> str:
    """'dine_in' → 'Dine in' in English (as a sentence's first word), the screens' label otherwise."""
    return _word(CHANNEL_LABELS, code, code.replace("_", " ").capitalize())

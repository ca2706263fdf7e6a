"""What order states and channels are called in server-written sentences (alerts, notifications), in the
same words the screens use (displays/static/js/shared/labels.js: the same catalog entries).

English sentences keep the plain code word ("has been out for delivery"), as they always read; another
language takes the screens' label, so an Arabic sentence does not carry an English word in its middle.
"""

from __future__ import annotations

from typing import cast

from app.lib.i18n import SOURCE_LANGUAGE, LazyText, _, _p, current_language

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


PAYMENT_LABELS: dict[str, LazyText] = {
    "unpaid": _("Unpaid"),
    "partially_paid": _("Part paid"),
    "paid": _("Paid"),
    "refunded": _("Refunded"),
}

# A payment record's own status (app/db/models/payments.STATUSES), as a sentence names it.
PAYMENT_RECORD_LABELS: dict[str, LazyText] = {
    "pending": _p("payment record", "pending"),
    "captured": _p("payment record", "captured"),
    "voided": _p("payment record", "voided"),
    "partially_refunded": _p("payment record", "partly refunded"),
    "refunded": _p("payment record", "refunded"),
}


class CodeWord(LazyText):
    """A state or payment code inside a message: in English the code itself, as the API has always said it
    ("The order is out_for_delivery"), in another language the screens' label, rendered with the message."""

    __slots__ = ("label",)
    label: LazyText | None

    def __new__(cls, code: str, label: LazyText | None) -> CodeWord:
        self = cast("CodeWord", super().__new__(cls, code, {}))
        self.label = label
        return self

    def render(self, lang: str | None = None) -> str:
        lang = lang or current_language()
        if self.label is None or lang == SOURCE_LANGUAGE:
            return self.msgid
        return self.label.render(lang)


def state_code(code: object) -> CodeWord:
    return CodeWord(str(code), STATE_LABELS.get(str(code)))


def payment_code(code: object) -> CodeWord:
    return CodeWord(str(code), PAYMENT_LABELS.get(str(code)))


def payment_record_word(code: str) -> CodeWord:
    """A payment record's status inside a message: 'partially refunded' in English, the label otherwise."""
    return CodeWord(code.replace("_", " "), PAYMENT_RECORD_LABELS.get(code))

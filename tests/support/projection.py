"""What each audience must never see in an event, and a way to look for it anywhere in a payload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

ENVELOPE_KEYS = {"id", "type", "branch_id", "ts", "data"}


# Whatever could identify or charge a customer; the TV must never carry any of it anywhere in a payload.
QUEUE_FORBIDDEN = {
    "name",
    "phone",
    "address",
    "total",
    "totals",
    "subtotal",
    "tax",
    "amount",
    "lines",
    "line_total",
    "items",
    "customer",
    "delivery",
    "payment_status",
    "note",
    "table_label",
}


KDS_FORBIDDEN = {
    "phone",
    "address",
    "total",
    "totals",
    "subtotal",
    "tax",
    "amount",
    "line_total",
    "customer",
    "delivery",
    "payment_status",
    "courier_id",
    "settle_mode",
}


COURIER_ORDER_FORBIDDEN = {"totals", "total", "lines", "customer", "payment_status", "name", "phone"}


def keys_in(value: Any) -> Iterator[str]:
    """Every mapping key anywhere in a payload."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_in(inner)

"""The Z report as a printed slip: the report's figures with times in the branch's own clock."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from app.shifts.schemas import ShiftReport

TEMPLATE = "shift_report.html"
METHOD_NAMES = {
    "cash": "Cash",
    "card": "Card",
    "wallet": "Wallet",
    "bank_transfer": "Bank transfer",
    "on_account": "On account",
    "cash_on_delivery": "Cash on delivery",
}
CHANNEL_NAMES = {
    "counter": "Counter",
    "pickup": "Pickup",
    "dine_in": "Dine-in",
    "delivery": "Delivery",
    "partner": "Partner",
}


def report_context(report: ShiftReport) -> dict[str, Any]:
    zone = ZoneInfo(report.timezone)

    def local(value: dt.datetime | None) -> str:
        return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    shift = report.summary.shift
    return {
        "report": report,
        "summary": report.summary,
        "shift": shift,
        "currency": report.summary.currency,
        "opened_at": local(shift.opened_at),
        "closed_at": local(shift.closed_at),
        "printed_at": local(report.printed_at),
        "movement_times": {str(m.id): local(m.created_at) for m in report.summary.movements},
        "method_names": METHOD_NAMES,
        "channel_names": CHANNEL_NAMES,
        "sales": report.sales,
        "refund_times": {str(i): local(r.at) for i, r in enumerate(report.sales.refunds)},
    }

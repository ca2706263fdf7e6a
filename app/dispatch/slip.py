"""A settlement as a printed slip: the figures with times in the branch's own clock."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from app.dispatch.schemas import SettlementDetailOut

SLIP_TEMPLATE = "settlement_slip.html"
KIND_NAMES = {"collection": "Collected", "fee": "Fee", "shortfall": "Short collected"}
SETTLEMENT_NAMES = {
    "single": "Settlement",
    "bulk": "Settlement (all couriers)",
    "dispatch": "Settled at dispatch",
}


def slip_context(detail: SettlementDetailOut) -> dict[str, Any]:
    zone = ZoneInfo(detail.timezone)

    def local(value: dt.datetime | None) -> str:
        return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    settlement = detail.settlement
    net = settlement.net
    if net > 0:
        paid = f"{detail.courier_name} paid the branch"
    elif net < 0:
        paid = f"The branch paid {detail.courier_name}"
    else:
        paid = "No cash changed hands"
    return {
        "detail": detail,
        "settlement": settlement,
        "currency": detail.currency,
        "at": local(settlement.created_at),
        "paid": paid,
        "cash": abs(net),
        "title": SETTLEMENT_NAMES.get(settlement.kind, "Settlement"),
        "kinds": KIND_NAMES,
        "printed_at": local(dt.datetime.now(dt.UTC)),
        "row_times": {t.id: local(t.delivered_at or t.created_at) for t in detail.transactions},
    }

"""Events of the reports: an hour of sales far outside its forecast."""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType


class SalesAnomaly(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`sales.anomaly`: an hour's sales fell outside the 99 % band of its forecast (`direction` "high" or
    "low"). Managers only (the board); money as decimal strings in the branch currency."""

    anomaly_id: int
    business_date: str
    hour: int
    direction: str
    actual: str
    expected: str
    low: str
    high: str
    currency: str
    message: str
    raised_at: str


SALES_ANOMALY = EventType("sales.anomaly", SalesAnomaly, views={Audience.BOARD: FULL})

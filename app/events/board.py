"""Events the managers' board raises itself: a manager dismissed a sales anomaly (app/board)."""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType


class AnomalyDismissed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`sales.anomaly_dismissed`: a manager dealt with a `sales.anomaly`; every board drops it."""

    anomaly_id: int
    dismissed_by: int
    dismissed_at: str


SALES_ANOMALY_DISMISSED = EventType("sales.anomaly_dismissed", AnomalyDismissed, views={Audience.BOARD: FULL})

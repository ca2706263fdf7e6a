"""A sales anomaly as the worker's hourly check raises it (app/reports/insights.py `check_anomalies`): the
row and its `sales.anomaly` event after the commit, for one branch and hour, without weeks of history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.db.models import ReportAnomaly
from app.events.reports import SALES_ANOMALY, SalesAnomaly


async def raise_anomaly(
    db_session: Any,
    runtime: Any,
    branch_id: int,
    *,
    hour: int = 13,
    actual: str = "9000.00",
    expected: str = "1200.00",
    low: str = "400.00",
    high: str = "2000.00",
) -> int:
    direction = "high" if Decimal(actual) > Decimal(high) else "low"
    anomaly = ReportAnomaly(
        branch_id=branch_id,
        business_date=dt.date.today(),
        hour=hour,
        actual=Decimal(actual),
        expected=Decimal(expected),
        low=Decimal(low),
        high=Decimal(high),
    )
    db_session.add(anomaly)
    await db_session.flush()
    runtime.bus.on_commit(
        db_session,
        branch_id,
        SALES_ANOMALY,
        SalesAnomaly(
            anomaly_id=anomaly.id,
            business_date=anomaly.business_date.isoformat(),
            hour=hour,
            direction=direction,
            actual=actual,
            expected=expected,
            low=low,
            high=high,
            currency="EGP",
            message=f"Sales at {hour:02d}:00 were far {'above' if direction == 'high' else 'below'} the forecast",
            raised_at=dt.datetime.now(dt.UTC).isoformat(),
        ),
    )
    anomaly_id = int(anomaly.id)
    await db_session.commit()
    return anomaly_id

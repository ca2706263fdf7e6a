"""Cron: raise board alerts for orders over their state's time limit and deliveries past their slot."""

from __future__ import annotations

from typing import Any

import msgspec

from app.alerts.services import AlertService
from app.lib.deps import provide_services
from app.lib.runtime import Runtime


async def raise_alerts(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        report = await scope.get(AlertService).raise_due()
    counts: dict[str, int] = msgspec.to_builtins(report)
    return counts

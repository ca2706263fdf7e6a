"""Cron: finish what a crash between a PostgreSQL commit and its Redis step left undone — road moves
(app/dispatch/repair.py) and payment statuses (app/payments/repair.py)."""

from __future__ import annotations

from typing import Any

from app.dispatch.repair import RoadRepair
from app.lib.deps import provide_services
from app.lib.runtime import Runtime
from app.payments.repair import PaymentRepair


async def repair(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        counts = await scope.get(RoadRepair).repair_road()
    async with provide_services(runtime) as scope:
        counts["payments"] = await scope.get(PaymentRepair).sync_hot_status()
    return counts

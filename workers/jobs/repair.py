"""Cron: finish what a crash, or Redis losing data, left undone — road moves (app/dispatch/repair.py),
payment statuses (app/payments/repair.py), orders committed but never announced (app/orders/repair.py) and
invoices whose job was lost or is stuck with a dead worker (app/invoices/repair.py), bulk courier
settlements whose job Redis lost (DispatchService.settle_lost_bulks). Each part works from
PostgreSQL, is idempotent and safe beside the live path, so a missed or doubled run changes nothing."""

from __future__ import annotations

from typing import Any

from app.dispatch.repair import RoadRepair
from app.dispatch.services import DispatchService
from app.invoices.repair import InvoiceRepair
from app.lib.deps import provide_services
from app.lib.runtime import Runtime
from app.orders.repair import OrderRepair
from app.payments.repair import PaymentRepair


async def repair(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        counts = await scope.get(RoadRepair).repair_road()
    async with provide_services(runtime) as scope:
        counts["payments"] = await scope.get(PaymentRepair).sync_hot_status()
    async with provide_services(runtime) as scope:
        counts |= await scope.get(OrderRepair).announce_missing()
    # After the orders: an order just put back into the hot state may be one that is due.
    async with provide_services(runtime) as scope:
        counts["invoices"] = await scope.get(InvoiceRepair).issue_missing()
    async with provide_services(runtime) as scope:
        counts["bulk_settlements"] = await scope.get(DispatchService).settle_lost_bulks()
    return counts

"""Inventory jobs: raise low-stock alerts (queued by a sale that crossed a reorder point, and swept every
minute in case a queue was lost), and the nightly proof that every on-hand is its ledger's sum."""

from __future__ import annotations

from typing import Any

from app.inventory import low_stock
from app.lib.deps import provide_services
from app.lib.runtime import Runtime


async def raise_low_stock(ctx: dict[str, Any], branch_id: int | None = None) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        raised = await low_stock.raise_for_branch(scope, branch_id)
    return {"raised": raised}


async def check_stock_ledger(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        mismatched = await low_stock.alert_mismatches(scope)
    return {"mismatched": mismatched}

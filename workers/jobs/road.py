"""Cron: finish or undo road moves that PostgreSQL committed but Redis never saw (app/dispatch/repair.py)."""

from __future__ import annotations

from typing import Any

from app.dispatch.repair import RoadRepair
from app.lib.deps import provide_services
from app.lib.runtime import Runtime


async def repair_road(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        return await scope.get(RoadRepair).repair_road()

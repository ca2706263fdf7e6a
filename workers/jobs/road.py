"""Cron: finish or undo road moves that PostgreSQL committed but Redis never saw (app/orders/services/
_road_repair.py)."""

from __future__ import annotations

from typing import Any

from app.lib.deps import provide_services
from app.lib.runtime import Runtime
from app.orders.machine import OrderMachine
from app.orders.services import OrderService


async def repair_road(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as services:
        orders = OrderService(
            session=services.session,
            redis=services.redis,
            keys=services.keys,
            machine=OrderMachine(services.redis, services.keys),
        )
        return await orders.repair_road()

"""Cron: release scheduled orders whose slot is now within their branch's lead time."""

from __future__ import annotations

from typing import Any

from app.lib.deps import provide_services
from app.lib.runtime import Runtime
from app.orders.machine import OrderMachine
from app.orders.services import OrderService


async def release_scheduled(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as services:
        service = OrderService(
            session=services.session,
            redis=services.redis,
            keys=services.keys,
            machine=OrderMachine(services.redis, services.keys),
        )
        released = await service.release_due()
    return {"released": released}

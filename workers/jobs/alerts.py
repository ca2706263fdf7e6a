"""Cron: raise board alerts for orders over their state's time limit and deliveries past their slot."""

from __future__ import annotations

from typing import Any

import msgspec

from app.alerts.services import AlertService
from app.lib.deps import provide_services
from app.lib.runtime import Runtime
from app.orders.machine import OrderMachine
from app.orders.services import OrderService


async def raise_alerts(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as services:
        orders = OrderService(
            session=services.session,
            redis=services.redis,
            keys=services.keys,
            machine=OrderMachine(services.redis, services.keys),
        )
        alerts = AlertService(
            session=services.session, redis=services.redis, keys=services.keys, orders=orders
        )
        report = await alerts.raise_due()
    counts: dict[str, int] = msgspec.to_builtins(report)
    return counts

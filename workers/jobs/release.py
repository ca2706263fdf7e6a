"""Cron: release scheduled orders whose slot is now within their branch's lead time."""

from __future__ import annotations

from typing import Any

from app.lib.deps import provide_services
from app.lib.runtime import Runtime
from app.orders.release import Release


async def release_scheduled(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        released = await scope.get(Release).release_due()
    return {"released": released}

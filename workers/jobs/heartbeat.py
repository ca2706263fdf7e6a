"""The worker's heartbeat: proves it can reach PostgreSQL and Redis, and when it last did."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text

from app.lib.deps import provide_services
from app.lib.runtime import Runtime


async def heartbeat(ctx: dict[str, Any]) -> dict[str, Any]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as services:
        await services.session.execute(text("SELECT 1"))
    now = time.time()
    await runtime.redis.set(runtime.keys.worker_heartbeat(), str(now), ex=3600)
    return {"at": now}

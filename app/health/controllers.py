"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, MediaType, Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text

from app.lib.deps import AppRuntime
from app.lib.runtime import Runtime

CHECK_TIMEOUT_SECONDS = 2.0


async def _check(probe: Any) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"down: no answer within {CHECK_TIMEOUT_SECONDS:g} s"
    except Exception as exc:
        return f"down: {type(exc).__name__}: {exc}"[:300]
    return "ok"


async def _ping_postgres(runtime: Runtime) -> None:
    async with runtime.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


class HealthController(Controller):
    path = "/"
    tags = ["operations"]
    include_in_schema = True

    @get("/health/live", media_type=MediaType.JSON)
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/health/ready", media_type=MediaType.JSON)
    async def ready(self, runtime: AppRuntime) -> Response[dict[str, Any]]:
        postgres, redis = await asyncio.gather(_check(_ping_postgres(runtime)), _check(runtime.redis.ping()))
        checks = {"postgres": postgres, "redis": redis}
        down = [name for name, result in checks.items() if result != "ok"]
        if down:
            body = {"status": "unavailable", "down": down, "checks": checks}
            return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"status": "ok", "checks": checks}, status_code=HTTP_200_OK)

    @get("/metrics", media_type="text/plain; version=0.0.4; charset=utf-8")
    async def metrics(self, state: State) -> str:
        return str(await state.metrics.render())

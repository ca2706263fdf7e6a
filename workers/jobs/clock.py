"""The time clock's sweep: an entry open longer than a shift could be raises one alert for the managers."""

from __future__ import annotations

from typing import Any

from app.lib.deps import provide_services
from app.lib.runtime import Runtime
from app.staff import clock


async def alert_open_clocks(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        raised = await clock.raise_open_alerts(scope)
    return {"raised": raised}

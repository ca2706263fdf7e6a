"""Cron: bring back what was 86'd until a time that has come, and stock 86s whose stock is back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.lib.deps import provide_services
from app.lib.runtime import Runtime
from app.menu.services import MenuService


async def bring_back_menu(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        back = await scope.get(MenuService).bring_back_due(now=dt.datetime.now(dt.UTC))
    return {"back": back}

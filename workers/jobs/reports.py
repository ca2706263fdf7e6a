"""Cron: keep the report rollups — roll the days that have ended and re-roll the days a late edit dirtied."""

from __future__ import annotations

from typing import Any

from app.lib.deps import provide_services
from app.lib.runtime import Runtime
from app.reports.insights import check_anomalies
from app.reports.jobs import roll_due_days
from app.reports.summary import send_daily_summaries, transport_for

# Days rolled per run: a year of history backfills in a few minutes without holding the worker long.
BATCH = 60


async def roll_reports(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        return await roll_due_days(scope.session, limit=BATCH)


async def check_sales_anomalies(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        return await check_anomalies(scope.session, scope.bus)


async def send_daily_summary(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    mail = runtime.settings.mail
    async with provide_services(runtime) as scope:
        return await send_daily_summaries(scope.session, transport_for(mail), smtp=bool(mail.smtp_host))

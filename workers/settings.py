"""arq worker configuration: jobs, cron, and the shared runtime opened once per worker process.

`passline worker` builds a Worker from `worker_options()`; `arq workers.settings.WorkerSettings` works too.
"""

from __future__ import annotations

from typing import Any

from arq import cron, func
from arq.connections import RedisSettings

from app.lib import jobs
from app.lib.runtime import Runtime
from app.orders.persister import PersisterTask
from app.settings import Settings, get_settings
from app.wiring import wire
from workers.jobs.alerts import raise_alerts
from workers.jobs.clock import alert_open_clocks
from workers.jobs.heartbeat import heartbeat
from workers.jobs.inventory import check_stock_ledger, raise_low_stock
from workers.jobs.invoices import issue_invoice
from workers.jobs.menu import bring_back_menu
from workers.jobs.release import release_scheduled
from workers.jobs.repair import repair
from workers.jobs.reports import check_sales_anomalies, roll_reports, send_daily_summary
from workers.jobs.settlement import settle_couriers

FUNCTIONS = [
    heartbeat,
    release_scheduled,
    raise_alerts,
    settle_couriers,
    repair,
    bring_back_menu,
    # No kept result: the job id is per order, and an old result would swallow a later enqueue (which must
    # run, and find the invoice issued). See app/lib/jobs.py.
    func(issue_invoice, name=jobs.ISSUE_INVOICE, keep_result=0),
    # Inventory: the job id is per branch (sales crossing at once collapse); no kept result, like invoices.
    func(raise_low_stock, name=jobs.RAISE_LOW_STOCK, keep_result=0),
    check_stock_ledger,
]


async def on_startup(ctx: dict[str, Any]) -> None:
    wire()
    runtime = Runtime(get_settings())
    await runtime.open()
    # What the jobs append (invoices, alerts, releases, repairs) is stored by this process's journal.
    runtime.journal.start()
    ctx["runtime"] = runtime
    # Every worker process is one consumer of the persister group: event streams -> PostgreSQL.
    ctx["persister"] = PersisterTask(runtime)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    persister: PersisterTask | None = ctx.get("persister")
    if persister is not None:
        await persister.stop()
    runtime: Runtime | None = ctx.get("runtime")
    if runtime is not None:
        await runtime.close()


def queue_name(settings: Settings) -> str:
    return f"{settings.redis.prefix}arq:queue"


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis.url)


def worker_options(settings: Settings) -> dict[str, Any]:
    prefix = settings.redis.prefix
    return {
        "functions": FUNCTIONS,
        # Cron job ids are global in Redis; naming them with the prefix keeps two shops (or test runs)
        # sharing one Redis from swallowing each other's runs.
        "cron_jobs": [
            cron(heartbeat, name=f"{prefix}heartbeat", second={0, 30}, run_at_startup=True),
            # Every 15 s: a slot released a little early is fine, one released late is a cold meal.
            cron(
                release_scheduled,
                name=f"{prefix}release-scheduled",
                second={5, 20, 35, 50},
                run_at_startup=True,
            ),
            # Every 30 s (issue 6): limits are minutes long, so an alert is at most half a minute late.
            cron(raise_alerts, name=f"{prefix}raise-alerts", second={10, 40}, run_at_startup=True),
            # Once a minute: a road move or a payment committed in PostgreSQL but lost before Redis (a crash
            # between the two).
            cron(repair, name=f"{prefix}repair", second={25}, run_at_startup=True),
            # Every 15 s: an item 86'd "until 13:00" is back on the tills within 15 s of 13:00.
            cron(
                bring_back_menu, name=f"{prefix}bring-back-menu", second={2, 17, 32, 47}, run_at_startup=True
            ),
            # Once a minute: roll ended days into the report rollups and re-roll days a late edit dirtied.
            cron(roll_reports, name=f"{prefix}roll-reports", second={45}, run_at_startup=True),
            # Two minutes past each hour: the hour that just ended against its forecast.
            cron(check_sales_anomalies, name=f"{prefix}sales-anomalies", minute={2}, second={0}),
            # Every 15 minutes: a branch past 07:00 local gets yesterday's summary, once.
            cron(send_daily_summary, name=f"{prefix}daily-summary", minute={7, 22, 37, 52}, second={30}),
            # Inventory: a low-stock sweep each minute (a sale's own job may be lost with Redis), and the
            # ledger's proof at night, when the tills are quiet.
            cron(raise_low_stock, name=f"{prefix}low-stock", second={45}, run_at_startup=False),
            cron(check_stock_ledger, name=f"{prefix}stock-ledger-check", hour={3}, minute={17}, second={0}),
            # The time clock: every five minutes, entries left open too long alert the managers.
            cron(alert_open_clocks, name=f"{prefix}clock-open", minute=set(range(0, 60, 5)), second={20}),
        ],
        "redis_settings": redis_settings(settings),
        "queue_name": queue_name(settings),
        "health_check_key": f"{prefix}arq:health-check",
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "max_jobs": settings.worker.max_jobs,
        "job_timeout": settings.worker.job_timeout_seconds,
        # A short health-check interval makes `arq --check` a usable liveness probe.
        "health_check_interval": 60,
        # On SIGTERM let running jobs finish rather than cancelling them into a retry.
        "job_completion_wait": 20,
    }


class WorkerSettings:
    """For arq's own command line (`arq workers.settings.WorkerSettings`); reads the environment on import."""

    _options = worker_options(get_settings())
    functions = _options["functions"]
    cron_jobs = _options["cron_jobs"]
    redis_settings = _options["redis_settings"]
    queue_name = _options["queue_name"]
    health_check_key = _options["health_check_key"]
    on_startup = _options["on_startup"]
    on_shutdown = _options["on_shutdown"]
    max_jobs = _options["max_jobs"]
    job_timeout = _options["job_timeout"]
    health_check_interval = _options["health_check_interval"]
    job_completion_wait = _options["job_completion_wait"]

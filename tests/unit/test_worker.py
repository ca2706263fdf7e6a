"""The arq worker's configuration: cron jobs named with the Redis prefix, so shops sharing a Redis (and
test workers) never swallow each other's runs."""

from __future__ import annotations

from typing import Any

from workers.settings import worker_options


def test_cron_is_configured_and_named_per_prefix(settings: Any) -> None:
    cron_jobs = worker_options(settings)["cron_jobs"]
    assert [job.name for job in cron_jobs] == [
        f"{settings.redis.prefix}heartbeat",
        f"{settings.redis.prefix}release-scheduled",
        f"{settings.redis.prefix}raise-alerts",
        f"{settings.redis.prefix}repair",
        f"{settings.redis.prefix}bring-back-menu",
        f"{settings.redis.prefix}roll-reports",
        f"{settings.redis.prefix}sales-anomalies",
        f"{settings.redis.prefix}daily-summary",
        f"{settings.redis.prefix}low-stock",
        f"{settings.redis.prefix}stock-ledger-check",
        f"{settings.redis.prefix}clock-open",
    ]

"""The arq worker runs real jobs against real Redis and PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

from arq import create_pool
from arq.worker import Worker

from workers.settings import queue_name, redis_settings, worker_options


async def test_heartbeat_job_runs_through_the_queue(settings: Any, runtime: Any, clean_state: None) -> None:
    pool = await create_pool(redis_settings(settings), default_queue_name=queue_name(settings))
    try:
        job = await pool.enqueue_job("heartbeat", _job_id=f"{settings.redis.prefix}heartbeat-test")
        assert job is not None
        options = worker_options(settings) | {"burst": True, "handle_signals": False, "cron_jobs": []}
        worker = Worker(**options)
        await worker.main()
        await worker.close()
        result = await job.result(timeout=5)
    finally:
        await pool.aclose()
    assert abs(result["at"] - time.time()) < 60
    stored = await runtime.redis.get(runtime.keys.worker_heartbeat())
    assert float(stored) == result["at"]


async def test_release_job_runs_through_the_queue(settings: Any, runtime: Any, clean_state: None) -> None:
    pool = await create_pool(redis_settings(settings), default_queue_name=queue_name(settings))
    try:
        job = await pool.enqueue_job("release_scheduled", _job_id=f"{settings.redis.prefix}release-test")
        assert job is not None
        options = worker_options(settings) | {"burst": True, "handle_signals": False, "cron_jobs": []}
        worker = Worker(**options)
        await worker.main()
        await worker.close()
        assert await job.result(timeout=5) == {"released": 0}
    finally:
        await pool.aclose()

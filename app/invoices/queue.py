"""Queueing the invoicing job: one job per order, named after it, so duplicates collapse while queued.

Used by the payments part (an order became paid) and the order service (delivered / completed). The job
is registered without a kept result (workers/settings.py), so a later enqueue of the same order is not
swallowed by an old result: it runs and finds the invoice already issued.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from arq.connections import ArqRedis

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.redis import Keys

log = logging.getLogger(__name__)

ISSUE_JOB = "issue_invoice"


def issue_job_id(keys: Keys, order_id: uuid.UUID | str) -> str:
    # Named with the prefix like every other job: arq's job keys are global in Redis.
    return f"{keys.prefix}invoice:{order_id}"


async def enqueue_issue(redis: Redis, keys: Keys, order_id: uuid.UUID | str) -> bool:
    """Queue `issue_invoice(order_id)`; False when that order's job is already queued or running."""
    queue = ArqRedis(redis.connection_pool, default_queue_name=keys.arq_queue())
    job = await queue.enqueue_job(ISSUE_JOB, str(order_id), _job_id=issue_job_id(keys, order_id))
    return job is not None


async def enqueue_issue_quietly(redis: Redis, keys: Keys, order_id: uuid.UUID | str) -> None:
    """For callers whose own change is already done (a transition): a Redis hiccup here must not turn
    their success into an error. The order stays invoiceable; the next payment or a manual run issues it."""
    try:
        await enqueue_issue(redis, keys, order_id)
    except Exception:
        log.exception("could not queue the invoice job", extra={"order_id": str(order_id)})

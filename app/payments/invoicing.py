"""Queueing the invoice of an order that has just become paid (the job itself is `workers/jobs/invoices.py`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from arq.connections import ArqRedis

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.redis import Keys

INVOICE_JOB = "issue_invoice"


def invoice_job_id(keys: Keys, order_id: uuid.UUID | str) -> str:
    # One job id per order, so a second trigger (paid, then delivered) collapses into the first. Named with
    # the prefix like the other jobs: arq's job keys are global in Redis.
    return f"{keys.prefix}invoice:{order_id}"


async def enqueue_invoice(redis: Redis, keys: Keys, order_id: uuid.UUID | str) -> bool:
    """Queue `issue_invoice(order_id)`; False when a job with its id is already queued, running or done."""
    queue = ArqRedis(redis.connection_pool, default_queue_name=keys.arq_queue())
    job = await queue.enqueue_job(INVOICE_JOB, order_id=str(order_id), _job_id=invoice_job_id(keys, order_id))
    return job is not None

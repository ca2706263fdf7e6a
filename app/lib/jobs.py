"""Queueing background jobs by name: the jobs' names, their ids, and the enqueue itself.

A job is implemented in its domain and registered with the worker (workers/settings.py); whoever needs it
run queues it here by name, so the order door can queue an invoice without importing the invoicing domain.
Job ids are deterministic per subject: a second trigger (paid, then handed over) collapses into the job
already queued, and the job itself skips what is already done. Ids carry the key prefix: arq's job keys are
global in Redis, and two shops (or test runs) may share one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arq.connections import ArqRedis

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.redis import Keys

log = logging.getLogger(__name__)

ISSUE_INVOICE = "issue_invoice"
SETTLE_COURIERS = "settle_couriers"
RAISE_LOW_STOCK = "raise_low_stock"


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    job_id: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def invoice(keys: Keys, order_id: uuid.UUID | str) -> Job:
    """The order's invoice: one job id per order (registered without a kept result, so a later trigger is
    not swallowed by an old result: it runs and finds the invoice issued)."""
    return Job(ISSUE_INVOICE, f"{keys.prefix}invoice:{order_id}", {"order_id": str(order_id)})


def low_stock(keys: Keys, branch_id: int) -> Job:
    """Raise the branch's low-stock alerts for movements that crossed a reorder point (app/inventory). One
    id per branch: sales crossing at once collapse into one run, which finds every crossing not alerted."""
    return Job(RAISE_LOW_STOCK, f"{keys.prefix}low-stock:{branch_id}", {"branch_id": branch_id})


async def enqueue(redis: Redis, keys: Keys, job: Job) -> bool:
    """Queue the job; False when a job with its id is already queued, running or done."""
    queue = ArqRedis(redis.connection_pool, default_queue_name=keys.arq_queue())
    queued = await queue.enqueue_job(job.name, _job_id=job.job_id, **job.kwargs)
    return queued is not None


async def enqueue_quietly(redis: Redis, keys: Keys, job: Job) -> None:
    """For callers whose own change is already done: a Redis hiccup here must not turn their success into
    an error. What the job would do stays to be done; the sweep (workers) finds it."""
    try:
        await enqueue(redis, keys, job)
    except Exception:
        log.exception("could not queue a job", extra={"job": job.name, "job_id": job.job_id})

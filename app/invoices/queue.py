"""Queueing the invoicing job: one job per order, named after it, so duplicates collapse while queued.

Used by the payments part (an order became paid) and the order service (delivered / completed). The job
is registered without a kept result (workers/settings.py), so a later enqueue of the same order is not
swallowed by an old result: it runs and finds the invoice already issued.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from app.payments.invoicing import INVOICE_JOB, enqueue_invoice, invoice_job_id

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.redis import Keys

log = logging.getLogger(__name__)

# The payments part queues the job when an order becomes paid; one definition of its name and id serves both.
ISSUE_JOB = INVOICE_JOB
issue_job_id = invoice_job_id
enqueue_issue = enqueue_invoice


async def enqueue_issue_quietly(redis: Redis, keys: Keys, order_id: uuid.UUID | str) -> None:
    """For callers whose own change is already done (a transition): a Redis hiccup here must not turn
    their success into an error. The order stays invoiceable; the next payment or a manual run issues it."""
    try:
        await enqueue_issue(redis, keys, order_id)
    except Exception:
        log.exception("could not queue the invoice job", extra={"order_id": str(order_id)})

"""The Redis side of a payment change: the order hash's payment status and the branch event, after commit."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import msgspec

from app.orders.machine import DEFAULT_STREAM_MAXLEN

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.redis import Keys
    from app.payments.schemas import PaymentChanged

COLLECTED = "payment.collected"
VOIDED = "payment.voided"
REFUNDED = "payment.refunded"
EVENT_TYPES = (COLLECTED, VOIDED, REFUNDED)

_encoder = msgspec.json.Encoder()


@cache
def _source() -> str:
    return resources.files("app.payments").joinpath("lua/payment_status.lua").read_text()


async def announce(
    redis: Redis,
    keys: Keys,
    *,
    branch_id: int,
    event_type: str,
    change: PaymentChanged,
    stream_maxlen: int = DEFAULT_STREAM_MAXLEN,
) -> tuple[bool, str]:
    """Copy the status into the hot hash if `change.seq` is newer, and append the event; returns (whether
    the hash took the status, the event's stream id)."""
    script = redis.register_script(_source())
    applied, stream_id = await script(
        keys=[keys.order(branch_id, change.order_id), keys.events(branch_id)],
        args=[
            change.seq,
            change.payment_status,
            event_type,
            change.order_id,
            _encoder.encode(change),
            stream_maxlen,
        ],
    )
    return bool(int(applied)), stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id)

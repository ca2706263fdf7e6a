"""The Redis side of a payment change: the order hash's payment status and the branch event, after commit.

One script (lua/payment_status.lua) copies the status into the hash when its sequence is newer and appends
the event in the same atomic step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.events import StreamEntry, id_key
from app.events import money as money_events
from app.lib.lua import Script

if TYPE_CHECKING:
    from app.events import EventBus, EventType
    from app.lib.lua import LuaScripts
    from app.lib.redis import Keys

PAYMENT_STATUS = Script("app.payments", "payment_status")

COLLECTED = money_events.PAYMENT_COLLECTED
VOIDED = money_events.PAYMENT_VOIDED
REFUNDED = money_events.PAYMENT_REFUNDED


async def announce(
    keys: Keys,
    lua: LuaScripts,
    bus: EventBus,
    *,
    branch_id: int,
    event: EventType[money_events.PaymentChanged],
    change: money_events.PaymentChanged,
) -> tuple[bool, StreamEntry]:
    """Copy the status into the hot hash if `change.seq` is newer, and append the event; returns (whether
    the hash took the status, the appended entry)."""
    data = bus.encode(event, change)
    applied, raw_id = await lua[PAYMENT_STATUS](
        keys=[keys.order(branch_id, change.order_id), bus.stream(branch_id)],
        args=[change.seq, change.payment_status, event.name, change.order_id, data, bus.maxlen],
    )
    stream_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
    entry = StreamEntry(
        id=stream_id,
        branch_id=branch_id,
        type=event.name,
        order_id=change.order_id,
        version=None,
        ts_ms=id_key(stream_id)[0],
        raw_data=data,
    )
    return bool(int(applied)), entry

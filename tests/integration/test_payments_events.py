"""Who sees payment events: the staff boards (kanban, POS) in full; never the kitchen, the TV or a courier."""

from __future__ import annotations

from typing import Any

import msgspec


async def test_an_older_sequence_never_overwrites_a_newer_status(runtime: Any, clean_state: None) -> None:
    """Two tills' announcements may reach Redis out of order: the status follows the highest seq, and both
    events are appended."""
    import json

    from app.events import PaymentChanged
    from app.events.stream import read_after
    from app.payments import hot

    key = runtime.keys.order(3, "o1")
    await runtime.redis.hset(
        key,
        mapping={
            "state": "received",
            "payment_status": "unpaid",
            "payment_seq": "0",
            "card": '{"token":12,"payment_status":"unpaid"}',
        },
    )

    def change(seq: int, status: str) -> PaymentChanged:
        return PaymentChanged(
            order_id="o1",
            payment_id=f"p{seq}",
            method="card",
            amount="5.00",
            payment_status=status,
            paid_total="5.00",
            balance="5.03",
            seq=seq,
            token=12,
        )

    newer = await hot.announce(
        runtime.keys, runtime.lua, runtime.bus, branch_id=3, event=hot.COLLECTED, change=change(2, "paid")
    )
    older = await hot.announce(
        runtime.keys,
        runtime.lua,
        runtime.bus,
        branch_id=3,
        event=hot.COLLECTED,
        change=change(1, "partially_paid"),
    )
    assert (newer[0], older[0]) == (True, False)
    status, seq, card = await runtime.redis.hmget(key, ["payment_status", "payment_seq", "card"])
    assert (status, seq) == (b"paid", b"2")
    assert json.loads(card) == {"token": 12, "payment_status": "paid"}
    entries = await read_after(runtime.redis, runtime.keys, 3, "0-0")
    assert [(e.type, e.data()["seq"], e.version) for e in entries] == [
        ("payment.collected", 2, None),
        ("payment.collected", 1, None),
    ]
    # An order whose hash is gone still gets its event, and no hash is made up.
    gone = await hot.announce(
        runtime.keys,
        runtime.lua,
        runtime.bus,
        branch_id=3,
        event=hot.VOIDED,
        change=msgspec.structs.replace(change(3, "unpaid"), order_id="o2"),
    )
    assert gone[0] is False
    assert not await runtime.redis.exists(runtime.keys.order(3, "o2"))

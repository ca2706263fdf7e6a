"""Who sees payment events: the staff boards (kanban, POS) in full; never the kitchen, the TV or a courier."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from app.payments import hot
from realtime.projection import COURIER, KANBAN, KDS, POS, QUEUE, Route, project

EVENT_TYPES = (hot.COLLECTED.name, hot.VOIDED.name, hot.REFUNDED.name)
PAYMENT = {
    "order_id": "o1",
    "payment_id": "p1",
    "method": "cash",
    "amount": "10.03",
    "payment_status": "paid",
    "paid_total": "10.03",
    "balance": "0.00",
    "seq": 1,
    "token": 12,
    "rounding": "0.02",
    "change_due": "9.95",
    "actor": 4,
}
# Fields a projection might pick up by name if a payment event ever carried them.
TEMPTING: dict[str, Any] = {
    "channel": "pickup",
    "courier_id": 5,
    "station_code": "grill",
    "rush": True,
    "to": "paid",
}


def test_event_types_are_the_three_of_the_contract() -> None:
    assert set(EVENT_TYPES) == {"payment.collected", "payment.voided", "payment.refunded"}


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("namespace", [KANBAN, POS])
def test_staff_boards_get_payment_events_unchanged(namespace: str, event_type: str) -> None:
    assert project(namespace, event_type, 3, PAYMENT) == [Route(("branch:3",), None)]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("namespace", [KDS, QUEUE, COURIER])
def test_kitchen_tv_and_couriers_never_get_payment_events(namespace: str, event_type: str) -> None:
    assert project(namespace, event_type, 3, PAYMENT) == []
    # Not even when the data carries the fields their projections route on.
    assert project(namespace, event_type, 3, PAYMENT | TEMPTING) == []


async def test_an_older_sequence_never_overwrites_a_newer_status(runtime: Any, clean_state: None) -> None:
    """Two tills' announcements may reach Redis out of order: the status follows the highest seq, and both
    events are appended."""
    import json

    from app.events import PaymentChanged
    from app.events.stream import read_after

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


async def test_the_manual_provider_captures_at_once() -> None:
    import uuid
    from decimal import Decimal

    from app.payments.providers import PROVIDERS, PaymentRequest, ProviderError, provider_for

    provider = provider_for("card")
    assert provider is PROVIDERS["manual"]
    request = PaymentRequest(
        payment_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        branch_id=1,
        method="card",
        amount=Decimal("5.00"),
        currency="EGP",
        reference="T1",
    )
    started = await provider.start(request)
    assert (started.status, started.redirect_url) == ("captured", None)
    with pytest.raises(ProviderError):
        await provider.handle_webhook(b"{}", {})
    assert (
        await provider.refund(payment=request, provider_ref=None, refund_id=uuid.uuid4(), amount=Decimal(1))
    ).provider_ref is None

"""The pure parts of realtime: projection per audience, the wire format, resume-point rules.

No services needed; they sit beside the socket tests because they pin the same contract.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from socketio import packet as sio_packet

from app.events import StreamEntry
from realtime import _wire
from realtime.projection import COURIER, KANBAN, KDS, NAMESPACES, POS, QUEUE, Route, project
from realtime.replay import gap_reason, normalise_id
from tests.support.projection import KDS_FORBIDDEN, QUEUE_FORBIDDEN, keys_in

ORDER_CREATED = {
    "order_id": "o1",
    "branch_id": 3,
    "channel": "pickup",
    "state": "received",
    "version": 1,
    "token": 12,
    "table_label": None,
    "note": "Sam Secret",
    "payment_status": "paid",
    "totals": {"subtotal": "10", "tax": "1.4", "delivery_charge": "0", "total": "11.4"},
    "customer": {"id": 1, "name": "Sam", "phone": "+20 1"},
    "delivery": None,
    "lines": [{"line_no": 1, "name": "Tea", "qty": "1", "unit": "piece", "note": "", "line_total": "10"}],
    "created_at": "2026-01-01T00:00:00Z",
}
TICKET = {
    "ticket_id": "t1",
    "order_id": "o1",
    "station_code": "grill",
    "token": 12,
    "channel": "pickup",
    "table_label": None,
    "rush": True,
    "items": [{"line_no": 1, "name": "Tea", "qty": "1", "unit": "piece", "note": "hot", "line_total": "10"}],
    "note": "",
    "customer": {"phone": "+20 1"},
}
STATE_CHANGED = {
    "order_id": "o1",
    "from": "ready",
    "to": "out_for_delivery",
    "version": 4,
    "channel": "delivery",
    "token": None,
    "actor": "mia",
    "courier_id": 5,
    "settle_mode": "now",
}


@pytest.mark.parametrize("namespace", [KANBAN, POS])
def test_boards_get_every_event_unchanged(namespace: str) -> None:
    for event_type in ("order.created", "payment.collected", "something.new"):
        assert project(namespace, event_type, 3, ORDER_CREATED) == [Route(("branch:3",), None)]


def test_queue_gets_token_fields_for_token_channels_only() -> None:
    (route,) = project(QUEUE, "order.created", 3, ORDER_CREATED)
    assert route == Route(
        ("branch:3",), {"order_id": "o1", "token": 12, "state": "received", "channel": "pickup"}
    )
    assert project(QUEUE, "order.created", 3, {**ORDER_CREATED, "channel": "delivery"}) == []
    assert project(QUEUE, "order.state_changed", 3, STATE_CHANGED) == []
    assert project(QUEUE, "token.called", 3, {"order_id": "o1", "token": 12, "customer": "x"}) == [
        Route(("branch:3",), {"order_id": "o1", "token": 12})
    ]
    # Allow-listed names must stay scalars: a nested object cannot ride along under `token`.
    (sneaky,) = project(QUEUE, "token.called", 3, {"order_id": "o1", "token": {"name": "Sam"}})
    assert sneaky.data == {"order_id": "o1"}
    for event_type in ("ticket.created", "payment.collected", "order.updated", "alert.raised", "unknown"):
        assert project(QUEUE, event_type, 3, ORDER_CREATED) == []


def test_kds_gets_tickets_by_station_and_stripped_order_changes() -> None:
    (ticket,) = project(KDS, "ticket.created", 3, TICKET)
    assert ticket.rooms == ("station:3:grill",)
    assert ticket.data is not None
    assert ticket.data["items"] == [{"line_no": 1, "name": "Tea", "qty": "1", "unit": "piece", "note": "hot"}]
    assert not set(keys_in(ticket.data)) & KDS_FORBIDDEN
    (change,) = project(KDS, "order.state_changed", 3, STATE_CHANGED)
    assert change == Route(
        ("kds:3",),
        {
            "order_id": "o1",
            "from": "ready",
            "to": "out_for_delivery",
            "version": 4,
            "channel": "delivery",
            "token": None,
        },
    )
    assert project(KDS, "ticket.bumped", 3, {"ticket_id": "t1"}) == []  # no station, no room
    for event_type in ("order.created", "payment.collected", "token.called", "unknown"):
        assert project(KDS, event_type, 3, ORDER_CREATED) == []


def test_a_menu_change_reaches_tills_boards_and_every_kitchen_screen_only() -> None:
    change = {"kind": "availability", "product_ids": ["17"], "available": False}
    for namespace in (KANBAN, POS):
        assert project(namespace, "catalog.changed", 3, change) == [Route(("branch:3",), None)]
    assert project(KDS, "catalog.changed", 3, change) == [Route(("kds:3",), None)]
    assert project(QUEUE, "catalog.changed", 3, change) == []
    assert project(COURIER, "catalog.changed", 3, {**change, "courier_id": 5}) == []


def test_courier_gets_only_events_naming_a_courier() -> None:
    (route,) = project(COURIER, "order.state_changed", 3, STATE_CHANGED)
    assert route.rooms == ("courier:5",)
    assert route.data is not None
    assert "actor" not in route.data
    assert route.data["settle_mode"] == "now"
    assert project(COURIER, "order.state_changed", 3, {**STATE_CHANGED, "courier_id": None}) == []
    assert project(COURIER, "order.created", 3, {**ORDER_CREATED, "courier_id": 5}) == []
    assert project(
        COURIER, "courier.assigned", 3, {"order_id": "o1", "courier_id": "6", "previous_courier_id": 5}
    ) == [Route(("courier:6", "courier:5"), None)]
    assert project(COURIER, "courier.assigned", 3, {"order_id": "o1", "courier_id": True}) == []


def test_no_projection_leaks_customer_data_to_the_tv_or_kitchen() -> None:
    samples = {"order.created": ORDER_CREATED, "ticket.created": TICKET, "order.state_changed": STATE_CHANGED}
    for event_type, data in samples.items():
        for namespace, forbidden in ((QUEUE, QUEUE_FORBIDDEN), (KDS, KDS_FORBIDDEN)):
            for route in project(namespace, event_type, 3, data):
                assert route.data is not None, (namespace, event_type)
                assert not set(keys_in(route.data)) & forbidden, (namespace, event_type, route.data)
    assert set(NAMESPACES) == {KANBAN, POS, KDS, QUEUE, COURIER}


def _entry(data: dict[str, Any], *, raw: bytes | None = None) -> StreamEntry:
    return StreamEntry(
        id="1700000000000-3",
        branch_id=3,
        type="order.created",
        order_id="o1",
        version=1,
        ts_ms=1700000000000,
        raw_data=raw if raw is not None else json.dumps(data).encode(),
    )


def test_the_wire_text_is_what_python_socketio_would_send() -> None:
    # cjson's escaped slash and a non-ASCII name: the stream's bytes are spliced in verbatim and still decode.
    raw = '{"note":"a\\/b","name":"Café","n":1}'.encode()
    entry = _entry({}, raw=raw)
    body = _wire.envelope_json(entry, None)
    text = _wire.event_text("/kanban", entry.type, body)
    decoded = sio_packet.Packet(encoded_packet=text)
    assert decoded.packet_type == sio_packet.EVENT
    assert decoded.namespace == "/kanban"
    assert decoded.data == [
        "order.created",
        {
            "id": "1700000000000-3",
            "type": "order.created",
            "branch_id": 3,
            "ts": "2023-11-14T22:13:20.000+00:00",
            "data": {"note": "a/b", "name": "Café", "n": 1},
        },
    ]
    assert msgspec.json.decode(body) == msgspec.json.decode(msgspec.json.encode(entry.envelope()))
    packet = _wire.event_packet("/queue", "x", _wire.envelope_json(entry, {"token": 1}))
    assert packet.encode().startswith('42/queue,["x",{"id":"1700000000000-3"')
    assert packet.encode() is packet.encode()  # encoded once, shared by every socket's writer


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0-0", "0-0"),
        ("1700000000000-7", "1700000000000-7"),
        ("1700000000000", "1700000000000-0"),
        ("-1", None),
        ("1-", None),
        ("a-1", None),
        (17, None),
        (None, None),
        ("18446744073709551616-0", None),
    ],
)
def test_resume_points_are_stream_ids(value: Any, expected: str | None) -> None:
    assert normalise_id(value) == expected


REDIS7 = {"length": 2, "last-generated-id": b"50-0", "max-deleted-entry-id": b"0-0", "entries-added": 5}
REDIS6 = {"length": 2, "last-generated-id": b"50-0"}


@pytest.mark.parametrize(
    ("after", "info", "reason"),
    [
        ("0-0", None, None),
        ("10-0", None, "stream_reset"),
        ("60-0", {**REDIS6, "first-entry": (b"40-0", {})}, "unknown_id"),
        ("40-0", {**REDIS6, "first-entry": (b"40-0", {})}, None),
        ("45-0", {**REDIS6, "first-entry": (b"40-0", {})}, None),
        ("39-0", {**REDIS6, "first-entry": (b"40-0", {})}, "trimmed"),
        ("0-0", {**REDIS6, "first-entry": (b"40-0", {})}, None),  # Redis 6 cannot tell: the brief's rule
        ("0-0", {**REDIS7, "first-entry": (b"40-0", {})}, "trimmed"),  # Redis 7 knows 3 entries went
        ("0-0", {**REDIS7, "entries-added": 2, "first-entry": (b"40-0", {})}, None),  # nothing ever removed
        # Nothing ever removed, yet an id before the first entry: the stream restarted after a loss.
        ("39-0", {**REDIS7, "entries-added": 2, "first-entry": (b"40-0", {})}, "stream_reset"),
        (
            "45-0",
            {**REDIS7, "max-deleted-entry-id": b"46-0", "first-entry": (b"40-0", {})},
            "trimmed",
        ),  # XDEL
        ("50-0", {**REDIS6, "length": 0, "first-entry": None}, None),
        ("45-0", {**REDIS6, "length": 0, "first-entry": None}, "trimmed"),
    ],
)
def test_when_a_resume_point_needs_a_resync(
    after: str, info: dict[str, Any] | None, reason: str | None
) -> None:
    assert gap_reason(after, info) == reason

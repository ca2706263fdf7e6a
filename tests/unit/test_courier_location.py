"""Who the projection gives `courier.updated` and the alerts to: the board only (a delivery's progress also
reaches its courier)."""

from __future__ import annotations

from realtime.projection import COURIER, KANBAN, KDS, POS, QUEUE, Route, project

LOCATION = {"courier_id": 5, "lat": 30.1, "lng": 31.2, "at": "2026-01-01T12:00:00+00:00"}


DELIVERY = {"delivery_id": "d1", "order_id": "o1", "courier_id": 5, "state": "accepted"}


def test_a_location_is_for_the_kanban_only() -> None:
    assert project(KANBAN, "courier.updated", 3, LOCATION) == [Route(("branch:3",), None)]
    for namespace in (POS, KDS, QUEUE, COURIER):
        assert project(namespace, "courier.updated", 3, LOCATION) == [], namespace
    # A delivery's progress under the same event name still reaches its courier.
    assert project(COURIER, "courier.updated", 3, DELIVERY) == [Route(("courier:5",), None)]
    assert project(POS, "courier.updated", 3, DELIVERY) == [Route(("branch:3",), None)]


def test_alerts_are_for_the_kanban_only() -> None:
    raised = {
        "alert_id": 1,
        "order_id": "o1",
        "kind": "state_overdue",
        "state": "ready",
        "message": "m",
        "token": 4,
    }
    for event_type in ("alert.raised", "alert.acknowledged"):
        assert project(KANBAN, event_type, 3, raised) == [Route(("branch:3",), None)]
        for namespace in (POS, KDS, QUEUE, COURIER):
            assert project(namespace, event_type, 3, {**raised, "courier_id": 5, "channel": "pickup"}) == []

"""Kitchen rules without a kitchen: who sees ticket events, and the order move the tickets call for."""

from __future__ import annotations


def test_projection_of_kitchen_events() -> None:
    from realtime.projection import KANBAN, KDS, QUEUE, Route, project
    from tests.support.projection import KDS_FORBIDDEN, QUEUE_FORBIDDEN, keys_in

    ticket = {
        "ticket_id": "t1",
        "order_id": "o1",
        "station_code": "grill",
        "token": 12,
        "channel": "pickup",
        "table_label": None,
        "rush": True,
        "items": [{"line_no": 1, "name": "Tea", "qty": "1", "unit": "piece", "note": "hot"}],
        "note": "",
        "state": "bumped",
        "created_ms": 1,
        "started_ms": 2,
        "bumped_ms": 3,
        "at": 3,
        "actor": 9,
        "customer": {"phone": "+20 1"},
    }
    for event_type in ("ticket.started", "ticket.bumped", "ticket.recalled"):
        (route,) = project(KDS, event_type, 3, ticket)
        # The station and the branch's kitchen room (the expo); a socket in both gets it once.
        assert route.rooms == ("station:3:grill", "kds:3")
        assert route.data is not None
        assert {k: v for k, v in route.data.items() if k != "items"} == {
            k: v for k, v in ticket.items() if k not in ("items", "actor", "customer")
        }
        assert not set(keys_in(route.data)) & KDS_FORBIDDEN
        assert project(QUEUE, event_type, 3, ticket) == []
        assert project(KANBAN, event_type, 3, ticket) == [Route(("branch:3",), None)]
    (created,) = project(KDS, "ticket.created", 3, ticket)
    assert created.rooms == ("station:3:grill",)

    rush = {
        "order_id": "o1",
        "rush": True,
        "token": 12,
        "channel": "pickup",
        "ticket_ids": ["t1", 5],
        "actor": 9,
    }
    assert project(KDS, "order.updated", 3, rush) == [
        Route(("kds:3",), {"order_id": "o1", "token": 12, "rush": True, "ticket_ids": ["t1"]})
    ]
    assert project(QUEUE, "order.updated", 3, rush) == [
        Route(("branch:3",), {"order_id": "o1", "token": 12, "channel": "pickup", "rush": True})
    ]
    # Another kind of order.updated (no boolean rush) is nobody's business on the TV or in the kitchen.
    assert project(QUEUE, "order.updated", 3, {**rush, "rush": "yes"}) == []
    assert project(KDS, "order.updated", 3, {"order_id": "o1", "note": "x"}) == []
    assert project(QUEUE, "order.updated", 3, {**rush, "channel": "delivery"}) == []

    called = {"order_id": "o1", "token": 12, "channel": "pickup", "actor": 9, "customer": {"name": "Sam"}}
    (route,) = project(QUEUE, "token.called", 3, called)
    assert route.data == {"order_id": "o1", "token": 12, "channel": "pickup"}
    assert not set(keys_in(route.data)) & QUEUE_FORBIDDEN
    assert project(KDS, "token.called", 3, called) == []


def test_kitchen_target_never_steps_an_order_back_except_on_recall() -> None:
    from app.kitchen.flows import kitchen_target

    assert kitchen_target("received", ["queued", "queued"], recalled=False) is None
    assert kitchen_target("received", ["started", "queued"], recalled=False) == "preparing"
    assert kitchen_target("received", ["bumped", "queued"], recalled=False) == "preparing"
    assert kitchen_target("received", ["bumped", "bumped"], recalled=False) == "ready"
    assert kitchen_target("preparing", ["bumped", "bumped"], recalled=False) == "ready"
    # A late "work begun" after a concurrent bump made the order ready must not reopen it.
    assert kitchen_target("ready", ["started", "bumped"], recalled=False) is None
    assert kitchen_target("ready", ["started", "bumped"], recalled=True) == "preparing"
    for closed in ("cancelled", "completed", "out_for_delivery", "scheduled"):
        assert kitchen_target(closed, ["bumped"], recalled=False) is None
        assert kitchen_target(closed, ["started"], recalled=True) is None
    assert kitchen_target("received", [], recalled=False) is None

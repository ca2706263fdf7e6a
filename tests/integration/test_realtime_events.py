"""Live events over Socket.IO against real uvicorn processes: envelopes, per-audience projection, scale-out.

Events are made the way the order service makes them (the Lua state machine appending to the branch
stream); each web process's bridge reads the stream and feeds its sockets. Negative checks ("the courier
never sees another's order") are event-driven: a later event the client *should* get acts as a barrier,
and stream order guarantees anything forbidden would have arrived before it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.factory import Factory
from tests.support.live import LiveServer, start_live_server
from tests.support.projection import (
    COURIER_ORDER_FORBIDDEN,
    ENVELOPE_KEYS,
    KDS_FORBIDDEN,
    QUEUE_FORBIDDEN,
    keys_in,
)
from tests.support.realtime import make_shop, move, new_order
from tests.support.sockets import LiveClient, connect


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


# --------------------------------------------------------------------------- tests


async def test_kanban_gets_full_envelopes_in_stream_order(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    kanban = await connect(clients, live_server, "/kanban", "mia")

    order_id, created_ids = await new_order(runtime, branch, stations=("grill", "bar"))
    changed_id = await move(runtime, branch, order_id, "preparing")

    got = await kanban.events_until(changed_id)
    assert [e["id"] for e in got] == [*created_ids, changed_id]
    assert [e["type"] for e in got] == [
        "order.created",
        "ticket.created",
        "ticket.created",
        "order.state_changed",
    ]
    for envelope in got:
        assert set(envelope) == ENVELOPE_KEYS
        assert envelope["branch_id"] == branch
    created, changed = got[0], got[-1]
    # Managers see everything: the full order, customer and money included.
    assert created["data"]["order_id"] == order_id
    assert created["data"]["totals"]["total"] == "273.60"
    assert created["data"]["customer"]["name"] == "Sam Secret"
    assert {t["data"]["station_code"] for t in got[1:3]} == {"grill", "bar"}
    assert changed["data"]["order_id"] == order_id
    assert changed["data"]["from"] == "received"
    assert changed["data"]["to"] == "preparing"
    assert changed["data"]["version"] == 2
    assert changed["data"]["token"] == 7


async def test_pos_gets_its_branch_only(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    pos = await connect(clients, live_server, "/pos", "cass")
    other_board = await connect(clients, live_server, "/kanban", "otto")

    await new_order(runtime, shop["other"], stations=())
    _, ids = await new_order(runtime, shop["branch"], stations=())

    # The first event the till sees is its own branch's: the other branch's order never reached it.
    first = await pos.next_event()
    assert (first["id"], first["branch_id"]) == (ids[0], shop["branch"])
    assert first["data"]["payment_status"] == "unpaid"
    seen = await other_board.next_event()
    assert seen["branch_id"] == shop["other"]


async def test_queue_sees_tokens_and_states_only(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    tv = await connect(clients, live_server, "/queue", "cass", {"branch_id": branch})

    # A delivery order never reaches the TV; the counter order after it does.
    delivery_id, _ = await new_order(runtime, branch, channel="delivery", token=None)
    await move(runtime, branch, delivery_id, "preparing")
    order_id, ids = await new_order(runtime, branch, channel="counter", token=42, stations=("grill", "bar"))
    ready_id = await move(runtime, branch, order_id, "ready")

    created = await tv.next_event()
    assert created["id"] == ids[0]
    assert created["type"] == "order.created"
    assert created["data"] == {"order_id": order_id, "token": 42, "state": "received", "channel": "counter"}
    ready = await tv.next_event()  # ticket events are the kitchen's business, not the TV's
    assert ready["id"] == ready_id
    assert ready["data"] == {
        "order_id": order_id,
        "token": 42,
        "from": "received",
        "to": "ready",
        "channel": "counter",
    }
    for envelope in (created, ready):
        assert set(envelope) == ENVELOPE_KEYS
        assert not set(keys_in(envelope)) & QUEUE_FORBIDDEN, envelope


async def test_kds_sees_its_station_tickets_and_stripped_order_changes(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    grill = await connect(clients, live_server, "/kds", "kit", {"station": "grill", "branch_id": branch})
    expo = await connect(clients, live_server, "/kds", "kit")

    order_id, ids = await new_order(runtime, branch, stations=("bar", "grill"))
    cancelled = await move(runtime, branch, order_id, "cancelled", reason="customer left")

    ticket = await grill.next_event()
    assert ticket["type"] == "ticket.created"
    assert ticket["id"] == ids[2]  # the bar ticket (ids[1]) went to the bar's room only
    assert ticket["data"]["station_code"] == "grill"
    assert ticket["data"]["items"] == [
        {
            "line_no": 2,
            "name": "Secret Burger 2",
            "qty": "1",
            "unit": "piece",
            "note": "allergic, call Sam on +20 100 555 0101",
        }
    ]
    change = await grill.next_event()
    assert change["id"] == cancelled
    assert change["data"] == {
        "order_id": order_id,
        "from": "received",
        "to": "cancelled",
        "version": 2,
        "channel": "counter",
        "token": 7,
    }
    expo_got = await expo.events_until(cancelled)
    assert [e["id"] for e in expo_got] == [ids[1], ids[2], cancelled]
    for envelope in [ticket, change, *expo_got]:
        assert not set(keys_in(envelope)) & KDS_FORBIDDEN, envelope


async def test_courier_sees_only_their_own_deliveries(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    cody = await connect(clients, live_server, "/courier", "cody")
    cleo = await connect(clients, live_server, "/courier", "cleo")
    watcher = await connect(clients, live_server, "/courier", "mia", {"courier_id": shop["cleo"]})

    first, _ = await new_order(runtime, branch, channel="delivery", token=None)
    second, _ = await new_order(runtime, branch, channel="delivery", token=None)
    to_cody = await move(
        runtime, branch, first, "out_for_delivery", courier_id=shop["cody"], settle_mode="later"
    )
    to_cleo = await move(
        runtime, branch, second, "out_for_delivery", courier_id=shop["cleo"], settle_mode="now"
    )
    delivered = await move(runtime, branch, first, "delivered", courier_id=shop["cody"])

    got = await cody.events_until(delivered)
    assert [e["id"] for e in got] == [to_cody, delivered]
    assert got[0]["data"] == {
        "order_id": first,
        "from": "received",
        "to": "out_for_delivery",
        "version": 2,
        "channel": "delivery",
        "token": None,
        "courier_id": shop["cody"],
        "settle_mode": "later",
    }
    # Cleo's first event is her own dispatch: none of Cody's (made before it) reached her.
    for client in (cleo, watcher):
        event = await client.next_event()
        assert event["id"] == to_cleo
        assert event["data"]["courier_id"] == shop["cleo"]
    for envelope in got:
        assert not set(keys_in(envelope)) & COURIER_ORDER_FORBIDDEN, envelope


async def test_an_event_reaches_clients_of_every_web_process(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient], tmp_path: Path
) -> None:
    second = start_live_server(tmp_path)
    try:
        branch = shop["branch"]
        on_a = await connect(clients, live_server, "/kanban", "mia")
        on_b = await connect(clients, second, "/kanban", "mia")
        tv_b = await connect(clients, second, "/queue", "cass")

        order_id, _ = await new_order(runtime, branch, stations=())
        changed = await move(runtime, branch, order_id, "ready")

        for client in (on_a, on_b):
            got = await client.events_until(changed)
            assert [e["type"] for e in got] == ["order.created", "order.state_changed"]
        assert (await tv_b.events_until(changed))[-1]["data"]["to"] == "ready"
    finally:
        for client in clients:
            await client.disconnect()
        clients.clear()
        second.stop()


async def test_unknown_event_types_reach_boards_but_not_the_tv_or_kitchen(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    from tests.support.streams import append

    branch = shop["branch"]
    kanban = await connect(clients, live_server, "/kanban", "mia")
    tv = await connect(clients, live_server, "/queue", "cass")
    expo = await connect(clients, live_server, "/kds", "kit")

    alert = await append(
        runtime.redis,
        runtime.keys,
        branch,
        type="alert.raised",
        data={"kind": "late_order", "detail": "Sam Secret waits", "amount": "12.00"},
        maxlen=1000,
    )
    order_id, ids = await new_order(runtime, branch, stations=("grill",))

    assert (await kanban.next_event())["id"] == alert
    assert (await tv.next_event())["id"] == ids[0]
    assert (await expo.next_event())["id"] == ids[1]
    assert order_id

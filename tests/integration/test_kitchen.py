"""The kitchen over HTTP: ticket moves, the automatic order moves they cause, rush, calling a token, and
the station / expo snapshots, against real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import select

from app import events as ev
from app.db.models import AuditLog, KitchenTicket, Order
from app.events import StreamEntry
from app.events.stream import last_id, read_after
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.kitchen import make_shop, new_order, ticket_of


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


async def act(client: httpx.AsyncClient, ticket_id: str, action: str) -> httpx.Response:
    return await client.post(f"/api/v1/tickets/{ticket_id}/{action}")


async def events_after(runtime: Any, branch_id: int, after: str) -> list[StreamEntry]:
    return await read_after(runtime.redis, runtime.keys, branch_id, after)


async def ticket_row(runtime: Any, ticket_id: str) -> KitchenTicket:
    async with runtime.sessionmaker() as session:
        row = await session.get(KitchenTicket, uuid.UUID(ticket_id))
        assert row is not None
        return row


def at(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


# --------------------------------------------------------------------------- ticket moves


async def test_start_and_bump_move_the_order_to_preparing_then_ready(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    order = await new_order(client, shop)
    grill, bar = ticket_of(order, "grill"), ticket_of(order, "bar")
    mark = await last_id(runtime.redis, runtime.keys, branch)

    await login(client, "cook")
    started = await act(client, grill, "start")
    assert started.status_code == 200, started.text
    body = started.json()
    assert (body["ticket_id"], body["order_id"], body["station_code"]) == (grill, order["id"], "grill")
    assert (body["state"], body["changed"], body["order_state"]) == ("started", True, "preparing")
    assert body["bumped_ms"] is None

    stream = await events_after(runtime, branch, mark)
    assert [e.type for e in stream] == ["ticket.started", "order.state_changed"]
    assert stream[0].id == body["event_id"]
    ticket_event = msgspec.json.decode(stream[0].raw_data, type=ev.TicketChanged)
    assert (ticket_event.ticket_id, ticket_event.order_id, ticket_event.station_code) == (
        grill,
        order["id"],
        "grill",
    )
    assert (ticket_event.state, ticket_event.token, ticket_event.rush) == ("started", order["token"], False)
    assert ticket_event.started_ms == body["started_ms"] == ticket_event.at
    assert ticket_event.actor == shop["cook"]
    assert [(i.name, i.note) for i in ticket_event.items] == [("Burger", "burger note")]
    assert stream[0].order_id == order["id"] and stream[0].version is None
    moved = msgspec.json.decode(stream[1].raw_data, type=ev.StateChanged)
    assert (moved.from_state, moved.to, moved.version) == ("received", "preparing", 2)
    assert (moved.actor, moved.reason) == (shop["cook"], "kitchen started")

    row = await ticket_row(runtime, grill)
    assert (row.state, row.started_at, row.bumped_at) == ("started", at(body["started_ms"]), None)

    # Bumping one of two tickets leaves the order preparing; a second tap is a no-op.
    bumped = await act(client, grill, "bump")
    assert bumped.json()["state"] == "bumped" and bumped.json()["order_state"] == "preparing"
    mark = await last_id(runtime.redis, runtime.keys, branch)
    again = await act(client, grill, "bump")
    assert again.status_code == 200
    assert again.json() | {"changed": True, "event_id": bumped.json()["event_id"]} == bumped.json()
    assert again.json()["changed"] is False and again.json()["event_id"] is None
    assert await events_after(runtime, branch, mark) == []

    # The bar ticket goes straight from queued to bumped; with every ticket bumped the order is ready.
    last = await act(client, bar, "bump")
    assert last.json()["order_state"] == "ready"
    stream = await events_after(runtime, branch, mark)
    assert [e.type for e in stream] == ["ticket.bumped", "order.state_changed"]
    bar_event = msgspec.json.decode(stream[0].raw_data, type=ev.TicketChanged)
    assert (bar_event.state, bar_event.started_ms, bar_event.bumped_ms) == ("bumped", None, bar_event.at)
    ready = msgspec.json.decode(stream[1].raw_data, type=ev.StateChanged)
    assert (ready.from_state, ready.to, ready.version, ready.reason) == (
        "preparing",
        "ready",
        3,
        "all tickets bumped",
    )

    # The order read lists its tickets from PostgreSQL, written in the same requests.
    await login(client, "boss")
    read = (await client.get(f"/api/v1/orders/{order['id']}")).json()
    assert read["state"] == "ready"
    assert {t["station_code"]: t["state"] for t in read["tickets"]} == {"grill": "bumped", "bar": "bumped"}
    row = await ticket_row(runtime, bar)
    assert (row.state, row.started_at, row.bumped_at) == ("bumped", None, at(last.json()["bumped_ms"]))
    async with runtime.sessionmaker() as session:
        audited = (
            await session.scalars(select(AuditLog.action).where(AuditLog.entity_type == "kitchen_ticket"))
        ).all()
    assert sorted(audited) == ["ticket.bumped", "ticket.bumped", "ticket.started"]

    # Neither ticket is on its station any more.
    for station in ("grill", "bar"):
        snapshot = (await client.get(f"/api/v1/kds/{branch}/{station}")).json()
        assert snapshot["tickets"] == []


async def test_recall_after_ready_reopens_the_order(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    order = await new_order(client, shop)
    grill, bar = ticket_of(order, "grill"), ticket_of(order, "bar")
    await login(client, "cook")
    assert (await act(client, grill, "recall")).status_code == 409  # queued: nothing to recall
    started = (await act(client, grill, "start")).json()
    await act(client, grill, "bump")
    assert (await act(client, bar, "bump")).json()["order_state"] == "ready"

    recent = await client.get(f"/api/v1/kds/{branch}/grill/recent")
    assert recent.status_code == 200
    assert [t["ticket_id"] for t in recent.json()["tickets"]] == [grill]
    assert recent.json()["tickets"][0]["state"] == "bumped"
    assert recent.json()["tickets"][0]["items"][0]["name"] == "Burger"

    mark = await last_id(runtime.redis, runtime.keys, branch)
    recalled = await act(client, grill, "recall")
    assert recalled.status_code == 200, recalled.text
    assert recalled.json()["state"] == "started" and recalled.json()["order_state"] == "preparing"
    # Its timer keeps counting from its first start.
    assert recalled.json()["started_ms"] == started["started_ms"]
    stream = await events_after(runtime, branch, mark)
    assert [e.type for e in stream] == ["ticket.recalled", "order.state_changed"]
    event = msgspec.json.decode(stream[0].raw_data, type=ev.TicketChanged)
    assert (event.state, event.bumped_ms, event.items[0].name) == ("started", None, "Burger")
    reopened = msgspec.json.decode(stream[1].raw_data, type=ev.StateChanged)
    assert (reopened.from_state, reopened.to, reopened.correction) == ("ready", "preparing", True)
    assert reopened.reason == "ticket recalled"

    # Back on the grill screen, gone from the recall list, and the row agrees.
    snapshot = (await client.get(f"/api/v1/kds/{branch}/grill")).json()
    assert [(t["ticket_id"], t["state"]) for t in snapshot["tickets"]] == [(grill, "started")]
    assert (await client.get(f"/api/v1/kds/{branch}/grill/recent")).json()["tickets"] == []
    row = await ticket_row(runtime, grill)
    assert (row.state, row.bumped_at) == ("started", None)

    conflict = await act(client, grill, "recall")
    assert conflict.status_code == 409
    assert conflict.json()["reason"] == "not_bumped" and conflict.json()["state"] == "started"
    # Bumped again: ready again.
    assert (await act(client, grill, "bump")).json()["order_state"] == "ready"


async def test_concurrent_bumps_of_the_last_tickets_make_the_order_ready_once(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    order = await new_order(client, shop)
    mark = await last_id(runtime.redis, runtime.keys, branch)
    await login(client, "cook")
    replies = await asyncio.gather(*(act(client, t["id"], "bump") for t in order["tickets"]))
    assert [r.status_code for r in replies] == [200, 200]
    stream = await events_after(runtime, branch, mark)
    changes = [
        msgspec.json.decode(e.raw_data, type=ev.StateChanged)
        for e in stream
        if e.type == "order.state_changed"
    ]
    # Whatever the interleaving, the order ends ready and never steps back.
    assert changes[-1].to == "ready"
    assert all(c.to != "preparing" or c.from_state == "received" for c in changes)
    await login(client, "boss")
    assert (await client.get(f"/api/v1/orders/{order['id']}")).json()["state"] == "ready"


async def test_ticket_moves_refused(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    order = await new_order(client, shop)
    grill = ticket_of(order, "grill")
    foreign = ticket_of(await new_order(client, shop, branch="other"), "grill")

    # The cashier is logged in: the kitchen's verbs are not theirs.
    assert (await act(client, grill, "start")).status_code == 403
    await login(client, "rider")
    assert (await act(client, grill, "bump")).status_code == 403

    await login(client, "cook")
    unknown = await act(client, str(uuid.uuid4()), "start")
    assert unknown.status_code == 404
    assert (await act(client, foreign, "start")).status_code == 404  # another branch's ticket
    for malformed in ("not-a-uuid", "1234", "%00"):
        response = await client.post(f"/api/v1/tickets/{malformed}/start")
        assert 400 <= response.status_code < 500, (malformed, response.status_code)
    assert (await client.post(f"/api/v1/tickets/{grill}/eat")).status_code in (404, 405)
    no_csrf = await client.post(f"/api/v1/tickets/{grill}/start", headers={"X-CSRF-Token": ""})
    assert no_csrf.status_code == 403

    await login(client, "stranger")  # kitchen and manager, of the other branch only
    assert (await act(client, grill, "start")).status_code == 404
    await login(client, "root")  # admins see every branch
    assert (await act(client, foreign, "start")).json()["state"] == "started"

    await login(client, "cook")
    await act(client, grill, "bump")
    bumped = await act(client, grill, "start")
    assert bumped.status_code == 409 and bumped.json()["reason"] == "bumped"


async def test_a_cancelled_orders_tickets_leave_the_kitchen(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    order = await new_order(client, shop)
    grill, bar = ticket_of(order, "grill"), ticket_of(order, "bar")
    await login(client, "boss")
    cancel = await client.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "cancelled", "reason": "customer left"}
    )
    assert cancel.status_code == 200

    closed = await act(client, grill, "start")
    assert closed.status_code == 409
    assert (closed.json()["reason"], closed.json()["order_state"]) == ("order_closed", "cancelled")
    # Bumping still clears a ticket off a screen that missed the cancel; the order stays cancelled.
    cleared = await act(client, bar, "bump")
    assert (cleared.json()["state"], cleared.json()["order_state"]) == ("bumped", "cancelled")
    assert (await act(client, bar, "recall")).json()["reason"] == "order_closed"
    # The grill snapshot drops the cancelled order's ticket, and takes it out of the station set.
    snapshot = (await client.get(f"/api/v1/kds/{branch}/grill")).json()
    assert snapshot["tickets"] == []
    assert await runtime.redis.zcard(runtime.keys.station_tickets(branch, "grill")) == 0
    expo = (await client.get(f"/api/v1/kds/{branch}/expo")).json()
    assert expo["orders"] == []


# --------------------------------------------------------------------------- snapshots and rush


async def test_station_snapshot_puts_rush_first_then_oldest(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    first = await new_order(client, shop, products=("burger",))
    second = await new_order(client, shop, products=("burger", "cola"), channel="dine_in", table_label="T9")
    third = await new_order(client, shop, products=("burger",))
    grill_ids = [ticket_of(o, "grill") for o in (first, second, third)]

    await login(client, "cook")
    snapshot = await client.get(f"/api/v1/kds/{branch}/grill")
    assert snapshot.status_code == 200
    body = snapshot.json()
    assert body["stream_id"] == await last_id(runtime.redis, runtime.keys, branch)
    assert (body["station"], body["name"], body["warn_after_seconds"], body["late_after_seconds"]) == (
        "grill",
        "Grill",
        240,
        480,
    )
    assert [t["ticket_id"] for t in body["tickets"]] == grill_ids
    dine_in = body["tickets"][1]
    assert (dine_in["token"], dine_in["channel"], dine_in["table_label"]) == (
        second["token"],
        "dine_in",
        "T9",
    )
    assert dine_in["items"] == [
        {"line_no": 1, "name": "Burger", "qty": "1", "unit": "piece", "note": "burger note"}
    ]
    assert (dine_in["state"], dine_in["rush"], dine_in["started_ms"]) == ("queued", False, None)
    assert dine_in["created_ms"] <= body["tickets"][2]["created_ms"]
    assert "total" not in dine_in and "customer" not in dine_in

    # A cook may not rush an order; the cashier may.
    assert (await client.post(f"/api/v1/orders/{second['id']}/rush", json={"rush": True})).status_code == 403
    await login(client, "cashier")
    mark = await last_id(runtime.redis, runtime.keys, branch)
    rushed = await client.post(f"/api/v1/orders/{second['id']}/rush", json={"rush": True})
    assert rushed.status_code == 200, rushed.text
    assert rushed.json()["changed"] is True and rushed.json()["rush"] is True
    (event,) = await events_after(runtime, branch, mark)
    assert (event.type, event.id, event.version) == ("order.updated", rushed.json()["event_id"], None)
    data = msgspec.json.decode(event.raw_data, type=ev.RushChanged)
    assert (data.order_id, data.rush, data.token, data.channel) == (
        second["id"],
        True,
        second["token"],
        "dine_in",
    )
    assert sorted(data.ticket_ids) == sorted(t["id"] for t in second["tickets"])
    again = await client.post(f"/api/v1/orders/{second['id']}/rush", json={"rush": True})
    assert again.json()["changed"] is False and again.json()["event_id"] is None

    await login(client, "cook")
    body = (await client.get(f"/api/v1/kds/{branch}/grill")).json()
    assert [t["ticket_id"] for t in body["tickets"]] == [grill_ids[1], grill_ids[0], grill_ids[2]]
    assert [t["rush"] for t in body["tickets"]] == [True, False, False]
    bar = (await client.get(f"/api/v1/kds/{branch}/bar")).json()["tickets"]
    assert [(t["order_id"], t["rush"]) for t in bar] == [(second["id"], True)]
    # Events of a rush ticket say so.
    started = await act(client, grill_ids[1], "start")
    (ticket_event,) = [e for e in await events_after(runtime, branch, event.id) if e.type == "ticket.started"]
    assert msgspec.json.decode(ticket_event.raw_data, type=ev.TicketChanged).rush is True
    assert started.json()["state"] == "started"

    async with runtime.sessionmaker() as session:
        order_row = await session.get(Order, uuid.UUID(second["id"]))
        assert order_row is not None and order_row.rush is True
        flags = (
            await session.scalars(select(KitchenTicket.rush).where(KitchenTicket.order_id == order_row.id))
        ).all()
        assert list(flags) == [True, True]
        audited = (await session.scalars(select(AuditLog.data).where(AuditLog.action == "order.rush"))).all()
        assert audited == [{"rush": True, "was": False}]

    # Back in line, where its age puts it.
    await login(client, "boss")
    assert (await client.post(f"/api/v1/orders/{second['id']}/rush", json={"rush": False})).json()["changed"]
    body = (await client.get(f"/api/v1/kds/{branch}/grill")).json()
    assert [t["ticket_id"] for t in body["tickets"]] == grill_ids


async def test_rush_refusals(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    order = await new_order(client, shop)
    url = f"/api/v1/orders/{order['id']}/rush"
    for body in ({}, {"rush": "yes"}, {"rush": True, "extra": 1}, []):
        response = await client.post(url, json=body)
        assert response.status_code == 400, (body, response.text)
    assert "rush" in (await client.post(url, json={"rush": "yes"})).text
    assert (await client.post(f"/api/v1/orders/{uuid.uuid4()}/rush", json={"rush": True})).status_code == 404
    assert (await client.post("/api/v1/orders/nope/rush", json={"rush": True})).status_code in (400, 404)
    await login(client, "ocashier")
    assert (await client.post(url, json={"rush": True})).status_code == 404
    await login(client, "boss")
    await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "cancelled", "reason": "gone"})
    closed = await client.post(url, json={"rush": True})
    assert closed.status_code == 409 and closed.json()["state"] == "cancelled"


async def test_expo_snapshot_lists_open_orders_with_their_tickets(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    first = await new_order(client, shop, channel="dine_in", table_label="T2")
    second = await new_order(client, shop, products=("cola",))
    delivery = await new_order(client, shop, products=("burger",), channel="delivery")
    gone = await new_order(client, shop, products=("burger",))
    await new_order(client, shop, branch="other")
    await login(client, "boss")
    await client.post(f"/api/v1/orders/{gone['id']}/transitions", json={"to": "cancelled", "reason": "gone"})
    await client.post(f"/api/v1/orders/{second['id']}/rush", json={"rush": True})
    await login(client, "cook")
    await act(client, ticket_of(first, "grill"), "start")
    await act(client, ticket_of(second, "bar"), "bump")

    response = await client.get(f"/api/v1/kds/{branch}/expo")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stream_id"] == await last_id(runtime.redis, runtime.keys, branch)
    orders = {o["order_id"]: o for o in body["orders"]}
    assert [o["order_id"] for o in body["orders"]] == [second["id"], first["id"], delivery["id"]]
    assert orders[first["id"]] | {"created_ms": 0, "entered_ms": 0} == {
        "order_id": first["id"],
        "state": "preparing",
        "version": 2,
        "channel": "dine_in",
        "token": first["token"],
        "table_label": "T2",
        "rush": False,
        "created_ms": 0,
        "entered_ms": 0,
        "tickets": [
            {"ticket_id": ticket_of(first, "bar"), "station_code": "bar", "state": "queued"},
            {"ticket_id": ticket_of(first, "grill"), "station_code": "grill", "state": "started"},
        ],
    }
    assert (orders[second["id"]]["state"], orders[second["id"]]["rush"]) == ("ready", True)
    assert orders[second["id"]]["tickets"] == [
        {"ticket_id": ticket_of(second, "bar"), "station_code": "bar", "state": "bumped"}
    ]
    assert orders[delivery["id"]]["channel"] == "delivery"
    assert orders[delivery["id"]]["token"] == delivery["token"] is not None


async def test_snapshots_are_branch_scoped_and_validated(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    branch, other = shop["branch"], shop["other"]
    await login(client, "cook")
    assert (await client.get(f"/api/v1/kds/{other}/grill")).status_code == 404
    assert (await client.get(f"/api/v1/kds/{other}/expo")).status_code == 404
    assert (await client.get(f"/api/v1/kds/{other}/grill/recent")).status_code == 404
    assert (await client.get(f"/api/v1/kds/{branch}/fryer")).status_code == 404
    assert (await client.get(f"/api/v1/kds/{branch}/{'x' * 200}")).status_code in (400, 404)
    assert (await client.get(f"/api/v1/kds/{2**70}/grill")).status_code in (400, 404)
    assert (await client.get(f"/api/v1/kds/{branch}/grill/recent?limit=0")).status_code == 400
    assert (await client.get(f"/api/v1/kds/{branch}/grill/recent?limit=abc")).status_code == 400
    await login(client, "root")
    assert (await client.get(f"/api/v1/kds/{2**70}/grill")).status_code in (400, 404)
    assert (await client.get(f"/api/v1/kds/{999999}/expo")).json()["orders"] == []
    await login(client, "cashier")
    assert (await client.get(f"/api/v1/kds/{branch}/grill")).status_code == 403


# --------------------------------------------------------------------------- calling a token


async def test_call_a_ready_orders_token(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"]
    order = await new_order(client, shop, products=("cola",))
    url = f"/api/v1/orders/{order['id']}/call"
    early = await client.post(url)
    assert early.status_code == 409 and early.json()["state"] == "received"

    await login(client, "cook")
    await act(client, ticket_of(order, "bar"), "bump")
    mark = await last_id(runtime.redis, runtime.keys, branch)
    called = await client.post(url)
    assert called.status_code == 200, called.text
    assert called.json() == {
        "order_id": order["id"],
        "token": order["token"],
        "event_id": called.json()["event_id"],
    }
    (event,) = await events_after(runtime, branch, mark)
    assert (event.type, event.id, event.order_id) == ("token.called", called.json()["event_id"], order["id"])
    data = msgspec.json.decode(event.raw_data, type=ev.TokenCalled)
    assert (data.order_id, data.token, data.channel) == (order["id"], order["token"], "counter")
    # Calling again is what a pass does when nobody comes: another event.
    await login(client, "cashier")
    assert (await client.post(url)).json()["event_id"] != called.json()["event_id"]

    await login(client, "rider")
    assert (await client.post(url)).status_code == 403
    await login(client, "ocashier")
    assert (await client.post(url)).status_code == 404

    delivery = await new_order(client, shop, products=("burger",), channel="delivery")
    # Its token is its reference, but a delivery's customer is not in the shop: nothing to call on the TV.
    no_call = await client.post(f"/api/v1/orders/{delivery['id']}/call")
    assert no_call.status_code == 422 and no_call.json()["field"] == "token"


async def test_a_managers_move_to_preparing_starts_the_orders_tickets(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    """The board's drag to Preparing means the kitchen is on it: the station screens must say so too."""
    branch = shop["branch"]
    order = await new_order(client, shop)
    await login(client, "boss")
    mark = await last_id(runtime.redis, runtime.keys, branch)

    moved = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "preparing"})
    assert moved.status_code == 200, moved.text
    stream = await events_after(runtime, branch, mark)
    # The move first, then each ticket as if a cook had tapped Start (the same script and events).
    assert [(e.type, e.data().get("station_code")) for e in stream] == [
        ("order.state_changed", None),
        ("ticket.started", "bar"),
        ("ticket.started", "grill"),
    ]
    for station in ("grill", "bar"):
        row = await ticket_row(runtime, ticket_of(order, station))
        assert row.state == "started" and row.started_at is not None
        hot = await runtime.redis.hget(runtime.keys.ticket(branch, ticket_of(order, station)), "state")
        assert hot == b"started"
    async with runtime.sessionmaker() as session:
        audited = (
            await session.scalars(select(AuditLog).where(AuditLog.entity_id == ticket_of(order, "grill")))
        ).all()
    assert [(a.action, a.data["reason"]) for a in audited] == [("ticket.started", "order moved to preparing")]
    assert audited[0].actor_user_id not in (None, shop["cook"])
    # Still the kitchen's to finish: the order is ready when both are bumped.
    await login(client, "cook")
    for station in ("grill", "bar"):
        assert (await act(client, ticket_of(order, station), "bump")).status_code == 200
    assert (await client.get(f"/api/v1/orders/{order['id']}")).json()["state"] == "ready"

    # Put back from ready by the manager (every ticket bumped): the tickets come back to the stations.
    await login(client, "boss")
    back = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "preparing"})
    assert back.status_code == 200, back.text
    for station in ("grill", "bar"):
        assert (await ticket_row(runtime, ticket_of(order, station))).state == "started"
    snapshot = (await client.get(f"/api/v1/kds/{branch}/grill")).json()
    assert ticket_of(order, "grill") in {t["ticket_id"] for t in snapshot["tickets"]}


# --------------------------------------------------------------------------- what each audience sees

"""`passline rebuild` restores the hot state of open orders from PostgreSQL after Redis lost it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.order_rows import make_order, move, product


async def _lose_redis(runtime: Any) -> None:
    """What a Redis restart without persistence does to this run's keys (never FLUSHDB: the Redis is shared)."""
    keys = [key async for key in runtime.redis.scan_iter(match=f"{runtime.keys.prefix}*", count=1000)]
    if keys:
        await runtime.redis.unlink(*keys)


async def _hash(runtime: Any, key: str) -> dict[str, str]:
    raw = await runtime.redis.hgetall(key)
    return {k.decode(): v.decode() for k, v in raw.items()}


async def _members(runtime: Any, key: str) -> list[str]:
    return [m.decode() for m in await runtime.redis.zrange(key, 0, -1)]


async def _courier(session: Any, branch_id: int) -> int:
    from app.db.models import Courier

    courier = Courier(branch_id=branch_id, name="Cora")
    session.add(courier)
    await session.commit()
    return int(courier.id)


async def _customer(session: Any, name: str) -> Any:
    from app.db.models import Customer

    customer = Customer(name=name)
    session.add(customer)
    await session.commit()
    return customer


@pytest.fixture
async def shop(db_session: Any, factory: Any) -> dict[str, Any]:
    branch = await factory.branch()
    grill = await product(db_session, name="Burger", station="grill")
    bar = await product(db_session, name="Lemonade", station="bar")
    await factory.commit()
    return {"branch": branch, "grill": grill, "bar": bar}


async def test_rebuild_restores_open_orders_and_transitions_continue(
    runtime: Any, db_session: Any, shop: dict[str, Any]
) -> None:
    from app.orders import MoveRefusedError
    from app.orders.persister import persist_once
    from app.orders.rebuild import rebuild
    from tests.support.moves import door_move

    keys, branch = runtime.keys, shop["branch"]
    dana = await _customer(db_session, "Dana")
    at_table = await make_order(
        db_session, runtime, branch=branch, products=[shop["grill"], shop["bar"]], table_label="T4", token=7
    )
    await move(runtime, at_table, "preparing")
    rider = await _courier(db_session, branch.id)
    delivery = await make_order(
        db_session,
        runtime,
        branch=branch,
        products=[shop["grill"]],
        channel="delivery",
        token=None,
        customer=dana,
    )
    await move(runtime, delivery, "out_for_delivery", courier_id=rider, settle_mode="later")
    finished = await make_order(db_session, runtime, branch=branch, products=[shop["bar"]], token=8)
    await move(runtime, finished, "cancelled", reason="customer left")
    # The kitchen bumped the bar ticket of the table order.
    await db_session.execute(
        text(
            "UPDATE kitchen_tickets SET state = 'bumped', bumped_at = now() WHERE order_id = :o AND station_code = 'bar'"
        ),
        {"o": at_table.id},
    )
    await db_session.commit()
    assert await persist_once(runtime, consumer="p", block_ms=None) > 0
    before = await _hash(runtime, keys.order(branch.id, str(at_table.id)))

    await _lose_redis(runtime)
    report = await rebuild(runtime)
    assert (report.branches, report.orders_restored, report.orders_refreshed, report.orders_kept) == (
        1,
        2,
        0,
        0,
    )
    assert (report.tickets_restored, report.tickets_kept) == (3, 0)

    table_hash = await _hash(runtime, keys.order(branch.id, str(at_table.id)))
    for field in ("order_id", "state", "version", "channel", "token", "payment_status", "branch_id"):
        assert table_hash[field] == before[field], field
    assert (table_hash["state"], table_hash["version"]) == ("preparing", "2")
    card = json.loads(table_hash["card"])
    assert card["token"] == 7 and card["table_label"] == "T4" and card["total"] == "22.80"
    assert card["channel"] == "counter" and card["payment_status"] == "unpaid"
    assert dt.datetime.fromisoformat(card["created_at"]).tzinfo is not None
    assert "customer_name" not in card and "courier_id" not in table_hash

    delivery_hash = await _hash(runtime, keys.order(branch.id, str(delivery.id)))
    assert (delivery_hash["state"], delivery_hash["version"]) == ("out_for_delivery", "2")
    assert delivery_hash["courier_id"] == str(rider) and delivery_hash["token"] == ""
    delivery_card = json.loads(delivery_hash["card"])
    assert delivery_card["customer_name"] == "Dana" and delivery_card["courier_id"] == rider
    assert delivery_card["token"] is None

    # Kanban columns, scored by when the order entered its state (the persisted updated_at).
    assert await _members(runtime, keys.state_index(branch.id, "preparing")) == [str(at_table.id)]
    assert await _members(runtime, keys.state_index(branch.id, "out_for_delivery")) == [str(delivery.id)]
    assert await _members(runtime, keys.state_index(branch.id, "received")) == []
    updated = await db_session.scalar(text("SELECT updated_at FROM orders WHERE id = :o"), {"o": at_table.id})
    score = await runtime.redis.zscore(keys.state_index(branch.id, "preparing"), str(at_table.id))
    assert int(score) == int(updated.timestamp() * 1000)
    # Finished orders stay out of the hot state.
    assert not await runtime.redis.exists(keys.order(branch.id, str(finished.id)))

    # Tickets: the bumped one keeps its hash (expo, recall) but is off its station's queue.
    tickets = {
        row.station_code: row
        for row in await db_session.execute(
            text("SELECT id, order_id, station_code, state FROM kitchen_tickets WHERE order_id IN (:a, :b)"),
            {"a": at_table.id, "b": delivery.id},
        )
    }
    grill_queue = await _members(runtime, keys.station_tickets(branch.id, "grill"))
    assert len(grill_queue) == 2
    assert await _members(runtime, keys.station_tickets(branch.id, "bar")) == []
    bar_ticket = await _hash(runtime, keys.ticket(branch.id, str(tickets["bar"].id)))
    assert bar_ticket["state"] == "bumped" and bar_ticket["order_id"] == str(at_table.id)
    bar_data = json.loads(bar_ticket["data"])
    assert bar_data["station_code"] == "bar" and bar_data["token"] == 7 and bar_data["note"] == "no onions"
    assert bar_data["items"] == [{"line_no": 2, "name": "Lemonade", "qty": "2", "unit": "piece", "note": ""}]

    # The branch is followed again, its stream has the persister group, and nothing was announced.
    assert str(branch.id).encode() in await runtime.redis.smembers(keys.event_branches())
    groups = await runtime.redis.xinfo_groups(keys.events(branch.id))
    assert [g["name"] for g in groups] == [keys.persister_group().encode()]
    assert await runtime.redis.xlen(keys.events(branch.id)) == 0

    # The state machine carries on from the restored version.
    with pytest.raises(MoveRefusedError) as stale:
        await door_move(runtime, branch.id, at_table.id, "ready", expected_version=1)
    assert (stale.value.reply.outcome, stale.value.reply.detail) == ("conflict", "stale_version")
    moved = await door_move(runtime, branch.id, at_table.id, "ready", expected_version=2)
    assert moved.version == 3
    assert await persist_once(runtime, consumer="p", block_ms=None) == 1
    version = await db_session.scalar(text("SELECT version FROM orders WHERE id = :o"), {"o": at_table.id})
    assert version == 3

    # Twice is harmless: same hashes, tickets kept as the kitchen has them.
    first = await _hash(runtime, keys.order(branch.id, str(at_table.id)))
    again = await rebuild(runtime)
    assert (again.orders_restored, again.orders_refreshed, again.orders_kept) == (0, 2, 0)
    assert (again.tickets_restored, again.tickets_kept) == (0, 3)
    assert await _hash(runtime, keys.order(branch.id, str(at_table.id))) == first
    assert await _members(runtime, keys.state_index(branch.id, "ready")) == [str(at_table.id)]
    assert await _members(runtime, keys.state_index(branch.id, "preparing")) == []
    assert await runtime.redis.xlen(keys.events(branch.id)) == 1


async def test_rebuild_never_overwrites_a_newer_redis_version(
    runtime: Any, db_session: Any, shop: dict[str, Any]
) -> None:
    from app.orders.rebuild import rebuild

    keys, branch = runtime.keys, shop["branch"]
    order = await make_order(db_session, runtime, branch=branch, products=[shop["grill"]])
    # Moved in Redis, not yet in PostgreSQL (neither the journal nor the persister got to it): the row
    # still says received, version 1, and no stored event says otherwise.
    await move(runtime, order, "preparing")
    await db_session.execute(text("DELETE FROM order_events WHERE order_id = :o"), {"o": order.id})
    await db_session.execute(
        text("UPDATE orders SET state = 'received', version = 1 WHERE id = :o"), {"o": order.id}
    )
    await db_session.commit()
    report = await rebuild(runtime)
    assert (report.orders_restored, report.orders_refreshed, report.orders_kept) == (0, 0, 1)
    hot = await _hash(runtime, keys.order(branch.id, str(order.id)))
    assert (hot["state"], hot["version"]) == ("preparing", "2")
    assert await _members(runtime, keys.state_index(branch.id, "preparing")) == [str(order.id)]
    assert await _members(runtime, keys.state_index(branch.id, "received")) == []


async def test_scheduled_orders_come_back_without_their_tickets(
    runtime: Any, db_session: Any, shop: dict[str, Any]
) -> None:
    from app.orders.rebuild import rebuild

    keys, branch = runtime.keys, shop["branch"]
    order = await make_order(
        db_session,
        runtime,
        branch=branch,
        products=[shop["grill"]],
        state="scheduled",
        token=None,
        announce=False,
    )
    report = await rebuild(runtime)
    assert (report.orders_restored, report.tickets_restored) == (1, 0)
    assert await _members(runtime, keys.state_index(branch.id, "scheduled")) == [str(order.id)]
    assert await _members(runtime, keys.station_tickets(branch.id, "grill")) == []


async def test_the_rebuild_command_prints_its_counts(
    runtime: Any, db_session: Any, shop: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    order = await make_order(
        db_session, runtime, branch=shop["branch"], products=[shop["grill"], shop["bar"]]
    )
    await _lose_redis(runtime)
    # The command runs its own event loop, as from a shell.
    assert await asyncio.to_thread(main, ["rebuild"]) == 0
    out = capsys.readouterr().out
    assert "orders restored:   1" in out
    assert "tickets restored:  2" in out
    assert await runtime.redis.exists(runtime.keys.order(shop["branch"].id, str(order.id))) == 1


async def test_rebuilt_state_matches_what_the_order_service_wrote(
    client: httpx.AsyncClient, runtime: Any, factory: Factory
) -> None:
    """Hash, card, board and tickets come back as the service made them (only the Redis-clock stamps
    `created_ms`/`updated_ms` are PostgreSQL's instead)."""
    from app.orders.rebuild import rebuild

    branch = await factory.branch(code="RB", name="Rebuild")
    burger = await factory.product("Burger", price="57.00", station="grill")
    cola = await factory.product("Cola", price="10.00", station="drinks")
    cheese = await factory.product("Cheese", price="180.00", station="cold", base_unit="kg")
    territory = await factory.territory()
    customer = await factory.customer("Dina Customer", phone="+201000000001")
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.commit()
    await login(client, "boss")
    bodies = [
        {"channel": "dine_in", "table_label": "T9", "lines": [{"product_id": burger.id, "qty": "2"}]},
        {
            "channel": "delivery",
            "customer_id": customer.id,
            "delivery": {"address": "3 Nile St", "territory_id": territory.id},
            "lines": [
                {"product_id": cheese.id, "qty": "0.25"},
                {"product_id": cola.id, "qty": "3", "note": "cold"},
            ],
        },
    ]
    orders = []
    for body in bodies:
        response = await client.post(
            "/api/v1/orders", json={"id": str(uuid.uuid4()), "branch_id": branch.id, **body}
        )
        assert response.status_code == 201, response.text
        orders.append(response.json())
    keys = runtime.keys
    hashes = [keys.order(branch.id, o["id"]) for o in orders]
    hashes += [keys.ticket(branch.id, t["id"]) for o in orders for t in o["tickets"]]
    before = {key: await _hash(runtime, key) for key in hashes}
    board = (await client.get(f"/api/v1/branches/{branch.id}/board")).json()

    await _lose_redis(runtime)
    report = await rebuild(runtime)
    assert (report.orders_restored, report.tickets_restored) == (2, 3)
    stamps = {"created_ms", "updated_ms"}
    for key, fields in before.items():
        after = await _hash(runtime, key)
        assert {k: v for k, v in after.items() if k not in stamps} == {
            k: v for k, v in fields.items() if k not in stamps
        }, key
    # Sessions lived in Redis too: sign in again.
    await login(client, "boss")
    rebuilt = (await client.get(f"/api/v1/branches/{branch.id}/board")).json()
    assert len(board["columns"]["received"]) == 2
    assert [_card(c) for c in rebuilt["columns"]["received"]] == [
        _card(c) for c in board["columns"]["received"]
    ]


def _card(card: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in card.items() if k != "entered_ms"}


async def test_rebuilt_tickets_keep_their_kitchen_timers_and_bumped_ones_expire(
    client: httpx.AsyncClient, runtime: Any, factory: Factory
) -> None:
    """A started ticket comes back started at the same moment (the station's timer and colours depend on
    it), a bumped one comes back bumped, for the recall drawer, and goes a day later like a live one."""
    from app.orders.rebuild import rebuild

    branch = await factory.branch(code="RT", name="Rebuild Timers")
    burger = await factory.product("Burger", price="57.00", station="grill")
    cola = await factory.product("Cola", price="10.00", station="drinks")
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.commit()
    await login(client, "boss")
    response = await client.post(
        "/api/v1/orders",
        json={
            "id": str(uuid.uuid4()),
            "branch_id": branch.id,
            "channel": "counter",
            "lines": [{"product_id": burger.id, "qty": "1"}, {"product_id": cola.id, "qty": "1"}],
        },
    )
    assert response.status_code == 201, response.text
    tickets = {t["station_code"]: t["id"] for t in response.json()["tickets"]}
    assert (await client.post(f"/api/v1/tickets/{tickets['grill']}/start")).status_code == 200
    assert (await client.post(f"/api/v1/tickets/{tickets['drinks']}/bump")).status_code == 200
    grill_key = runtime.keys.ticket(branch.id, tickets["grill"])
    drinks_key = runtime.keys.ticket(branch.id, tickets["drinks"])
    started_before = int((await _hash(runtime, grill_key))["started_ms"])
    bumped_before = int((await _hash(runtime, drinks_key))["bumped_ms"])
    assert 0 < await runtime.redis.ttl(drinks_key) <= 86400  # a bumped ticket does not live forever
    assert await runtime.redis.ttl(grill_key) == -1

    # Ticket moves are mirrored to PostgreSQL in their own request, so nothing needs to catch up.
    await _lose_redis(runtime)
    report = await rebuild(runtime)
    assert report.tickets_restored == 2

    grill, drinks = await _hash(runtime, grill_key), await _hash(runtime, drinks_key)
    assert grill["state"] == "started"
    assert abs(int(grill["started_ms"]) - started_before) < 1000
    assert drinks["state"] == "bumped"
    assert abs(int(drinks["bumped_ms"]) - bumped_before) < 1000
    assert 0 < await runtime.redis.ttl(drinks_key) <= 86400
    assert await runtime.redis.ttl(grill_key) == -1
    assert await _members(runtime, runtime.keys.station_tickets(branch.id, "grill")) == [tickets["grill"]]
    assert await _members(runtime, runtime.keys.station_tickets(branch.id, "drinks")) == []

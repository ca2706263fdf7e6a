"""Road moves PostgreSQL committed but Redis never saw (a process gone between the two), and the cash a
courier brings back becoming the order's payment.

A crash between the commit and the Redis move is reproduced by writing exactly what the dispatch (or the
finish) commits, with no move after it; the repair job then has to make the two agree.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.dispatch.flows import DispatchFlows
from app.dispatch.repair import RoadRepair
from app.events import id_key
from app.lib.deps import provide_services
from app.lib.redis import hmget
from tests.support.auth import login
from tests.support.dispatch import dispatch, ledger_rows, make_shop, new_order, stream
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


D = Decimal


async def repair(runtime: Any) -> dict[str, int]:
    async with provide_services(runtime) as scope:
        return await scope.get(RoadRepair).repair_road(grace_seconds=0)


async def committed_dispatch(runtime: Any, order_id: str, courier: Any, *, settled: bool = False) -> str:
    """The rows a settle-later dispatch commits before its Redis move: a delivery and its transactions."""
    delivery_id = str(uuid.uuid4())
    async with runtime.sessionmaker() as session:
        await session.execute(
            text(
                "INSERT INTO deliveries (id, order_id, branch_id, courier_id, settle_mode, state, "
                "amount_to_collect, courier_fee, created_at) "
                "SELECT :id, o.id, o.branch_id, :courier, 'later', 'assigned', 134, 15, now() - interval '1 minute' "
                "FROM orders o WHERE o.id = :order"
            ),
            {"id": delivery_id, "order": order_id, "courier": courier.id},
        )
        await session.execute(
            text(
                "INSERT INTO courier_transactions (courier_id, branch_id, delivery_id, order_id, kind, amount) "
                "SELECT d.courier_id, d.branch_id, d.id, d.order_id, k.kind, k.amount FROM deliveries d, "
                "(VALUES ('collection', 134), ('fee', 15)) AS k(kind, amount) WHERE d.id = :id"
            ),
            {"id": delivery_id},
        )
        await session.commit()
    return delivery_id


async def live(runtime: Any, shop: dict[str, Any], order_id: str) -> tuple[str, int]:
    state, version = await hmget(
        runtime.redis, runtime.keys.order(shop["branch"].id, order_id), "state", "version"
    )
    assert state is not None and version is not None
    return state.decode(), int(version)


async def test_a_dispatch_committed_but_never_moved_is_moved_and_announced(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await committed_dispatch(runtime, order["id"], shop["rider"])
    assert await live(runtime, shop, order["id"]) == ("received", 1)
    # Nobody can dispatch it again meanwhile: PostgreSQL already has it on the road.
    again = await dispatch(client, order["id"], shop["rider2"], "later")
    assert again.status_code == 409

    assert await repair(runtime) == {"moved": 1, "undone": 0, "finished": 0}
    assert await live(runtime, shop, order["id"]) == ("out_for_delivery", 2)
    events = [e for e in await stream(runtime, shop) if e.order_id == order["id"]]
    assert [e.type for e in events][-2:] == ["order.state_changed", "courier.assigned"]
    assert events[-1].data()["courier_id"] == shop["rider"].id
    rows = await ledger_rows(runtime, order["id"])
    assert rows["order"] == ("out_for_delivery", 2, shop["rider"].id)
    # Nothing left to repair.
    assert await repair(runtime) == {"moved": 0, "undone": 0, "finished": 0}


async def test_a_dispatch_of_an_order_cancelled_meanwhile_is_undone_with_its_money(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await committed_dispatch(runtime, order["id"], shop["rider"])
    # A cancel does not take the road lock: it can slip between the commit and the move.
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "customer left"})
    assert cancelled.status_code == 200, cancelled.text

    assert await repair(runtime) == {"moved": 0, "undone": 1, "finished": 0}
    assert (await live(runtime, shop, order["id"]))[0] == "cancelled"
    rows = await ledger_rows(runtime, order["id"])
    [(_, state, *_rest)] = rows["deliveries"]
    assert state == "returned"
    # Both transactions squared by a settlement that moved no cash: the courier's balance is as before.
    assert rows["transactions"] == [
        ("collection", D("134"), "settled", True),
        ("fee", D("15"), "settled", True),
    ]
    assert rows["cash"] == []
    owed = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/balance")).json()
    assert (D(owed["owes_branch"]), D(owed["branch_owes"])) == (D(0), D(0))
    async with runtime.sessionmaker() as session:
        undone = await session.scalar(
            text("SELECT count(*) FROM audit_log WHERE action = 'order.dispatch_undone'")
        )
    assert undone == 1
    assert [e.type for e in await stream(runtime, shop) if e.type == "courier.assigned"] == []


async def test_a_finish_committed_but_never_moved_is_moved(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await dispatch(client, order["id"], shop["rider"], "later")).status_code == 200
    async with runtime.sessionmaker() as session:
        await session.execute(
            text(
                "UPDATE deliveries SET state = 'returned', return_reason = 'nobody home', "
                "returned_at = now() - interval '1 minute' WHERE order_id = :id"
            ),
            {"id": order["id"]},
        )
        await session.commit()
    # The courier's page cannot finish it twice meanwhile.
    twice = await client.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "returned", "reason": "again"}
    )
    assert twice.status_code == 409
    assert await repair(runtime) == {"moved": 0, "undone": 0, "finished": 1}
    assert await live(runtime, shop, order["id"]) == ("returned", 3)
    [changed] = [
        e
        for e in await stream(runtime, shop)
        if e.type == "order.state_changed" and e.data()["to"] == "returned"
    ]
    assert changed.data()["reason"] == "nobody home"


# --------------------------------------------------------------------------- cash on delivery


async def payments_of(runtime: Any, order_id: str) -> list[Any]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT method, amount, status, created_by FROM payments WHERE order_id = :id"),
            {"id": order_id},
        )
        return list(rows.all())


async def order_money(runtime: Any, order_id: str) -> tuple[Any, ...]:
    async with runtime.sessionmaker() as session:
        row = await session.execute(
            text("SELECT paid_total, payment_status, payment_seq FROM orders WHERE id = :id"),
            {"id": order_id},
        )
        return tuple(row.one())


async def test_cash_collected_on_delivery_pays_the_order(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await dispatch(client, order["id"], shop["rider"], "later")).status_code == 200
    await login(client, "rider")
    # A manager's move (or the courier's own) records the payment by the courier's user.
    done = await client.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "delivered", "cash_collected": "134.00"}
    )
    assert done.status_code == 200, done.text
    rider_user = shop["rider"].user_id
    # (Cash above the balance needs the courier's choice, tip or payment: tests/integration/test_courier_cash.py.)
    assert await payments_of(runtime, order["id"]) == [("cash_on_delivery", D("134"), "captured", rider_user)]
    assert await order_money(runtime, order["id"]) == (D("134"), "paid", 1)
    await login(client, "boss")
    shown = (await client.get(f"/api/v1/orders/{order['id']}")).json()
    assert (shown["payment_status"], D(shown["paid_total"]), D(shown["balance"])) == ("paid", D("134"), D(0))
    [payment] = shown["payments"]
    assert (payment["method"], D(payment["amount"]), payment["created_by"]) == (
        "cash_on_delivery",
        D("134"),
        rider_user,
    )
    [collected] = [e for e in await stream(runtime, shop) if e.type == "payment.collected"]
    data = collected.data()
    assert (data["method"], data["amount"], data["payment_status"], data["balance"], data["seq"]) == (
        "cash_on_delivery",
        "134.00",
        "paid",
        "0.00",
        1,
    )
    # It comes after the move it pays for.
    moved = [e for e in await stream(runtime, shop) if e.type == "order.state_changed"][-1]
    assert moved.id == done.json()["event_id"] and id_key(moved.id) < id_key(collected.id)
    [status] = await hmget(
        runtime.redis, runtime.keys.order(shop["branch"].id, order["id"]), "payment_status"
    )
    assert status == b"paid"
    async with runtime.sessionmaker() as session:
        audited = await session.scalar(
            text("SELECT data->>'method' FROM audit_log WHERE action = 'payment.collect'")
        )
    assert audited == "cash_on_delivery"
    queued = await runtime.redis.exists(f"arq:job:{runtime.keys.prefix}invoice:{order['id']}")
    assert queued == 1


async def test_short_cash_part_pays_and_a_paid_order_takes_no_payment(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    short = await new_order(client, shop)
    await dispatch(client, short["id"], shop["rider"], "later")
    response = await client.post(
        f"/api/v1/orders/{short['id']}/transitions", json={"to": "delivered", "cash_collected": "100"}
    )
    assert response.status_code == 200
    assert await order_money(runtime, short["id"]) == (D("100"), "partially_paid", 1)

    partner = await new_order(client, shop, channel="partner")
    await dispatch(client, partner["id"], shop["rider"], "later")
    assert (
        await client.post(f"/api/v1/orders/{partner['id']}/transitions", json={"to": "delivered"})
    ).status_code == 200
    # The partner collects from its customer: nothing was collected here, nothing is paid.
    assert await payments_of(runtime, partner["id"]) == []
    returned = await new_order(client, shop)
    await dispatch(client, returned["id"], shop["rider"], "later")
    assert (
        await client.post(
            f"/api/v1/orders/{returned['id']}/transitions", json={"to": "returned", "reason": "closed"}
        )
    ).status_code == 200
    assert await payments_of(runtime, returned["id"]) == []
    assert len([e for e in await stream(runtime, shop) if e.type == "payment.collected"]) == 1


async def test_undoing_a_settled_dispatch_gives_the_cash_back(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    """Settled at dispatch, the courier prepaid the net into the till; an undo hands it back."""
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await dispatch(client, order["id"], shop["rider"], "now")).status_code == 200
    [(delivery_id, *_)] = (await ledger_rows(runtime, order["id"]))["deliveries"]
    async with provide_services(runtime) as scope:
        flows = scope.get(DispatchFlows)
        await flows.undo_dispatch([delivery_id], why="test", actor=None)
        # A second undo finds nothing on the road: nothing more moves.
        await flows.undo_dispatch([delivery_id], why="test", actor=None)
    rows = await ledger_rows(runtime, order["id"])
    assert rows["cash"] == [D("119"), D("-119")]
    assert rows["settlements"] == [("dispatch", D("119"), 2), ("dispatch", D("-119"), 0)]
    owed = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/balance")).json()
    assert (D(owed["owes_branch"]), D(owed["branch_owes"])) == (D(0), D(0))

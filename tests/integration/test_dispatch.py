"""Dispatch (DESIGN §6): the settlement preview, every cash case to the cent, trips, races, and the road back.

Money is checked as exact Decimals. The shop: a 100.00 burger at 14 % tax (prices exclude tax) is 114.00;
the near territory charges the customer 20.00 and pays the courier 15.00 (a delivery order: 134.00, net
119.00); the far one charges 5.00 and pays 150.00 (119.00, net -31.00: the branch owes the courier).
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select, text

from app import events as ev
from tests.support.auth import login
from tests.support.dispatch import (
    balance,
    dispatch,
    ledger_rows,
    make_shop,
    money_of,
    new_order,
    set_payment,
    stream,
)
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


D = Decimal


async def preview(client: httpx.AsyncClient, order_id: str, courier: Any, mode: str) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/orders/{order_id}/settlement-preview",
        params={"courier_id": courier.id, "settle_mode": mode},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


# --------------------------------------------------------------------------- the cases of DESIGN §6


async def test_unpaid_settle_now_courier_prepays_the_net(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert D(order["totals"]["total"]) == D("134.00")
    shown = await preview(client, order["id"], shop["rider"], "now")
    assert money_of(shown, "amount_to_collect", "courier_fee", "net") == (
        D("134.00"),
        D("15.00"),
        D("119.00"),
    )
    assert shown["owed_by"] == "courier" and shown["settle_mode"] == "now"
    assert shown["amount_to_collect"] == "134.00"  # at the currency's decimals, as a string

    moved = await dispatch(client, order["id"], shop["rider"], "now", expected_version=1)
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "out_for_delivery" and moved.json()["version"] == 2

    rows = await ledger_rows(runtime, order["id"])
    [(_, state, mode, collect, fee, cash, courier_id)] = rows["deliveries"]
    assert (state, mode, collect, fee, cash, courier_id) == (
        "assigned",
        "now",
        D("134"),
        D("15"),
        None,
        shop["rider"].id,
    )
    assert rows["transactions"] == [
        ("collection", D("134"), "settled", True),
        ("fee", D("15"), "settled", True),
    ]
    assert rows["settlements"] == [("dispatch", D("119"), 2)]
    assert rows["cash"] == [D("119")]
    # The event is in PostgreSQL with the move, not only in Redis.
    assert rows["order"] == ("out_for_delivery", 2, shop["rider"].id)
    assert (await balance(client, shop["rider"]))["net"] == "0.00"


async def test_unpaid_settle_now_with_a_fee_above_the_total_branch_pays(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, territory="far")
    assert D(order["totals"]["total"]) == D("119.00")
    shown = await preview(client, order["id"], shop["rider"], "now")
    assert money_of(shown, "amount_to_collect", "courier_fee", "net") == (
        D("119.00"),
        D("150.00"),
        D("-31.00"),
    )
    assert shown["owed_by"] == "branch"
    assert (await dispatch(client, order["id"], shop["rider"], "now")).status_code == 200
    rows = await ledger_rows(runtime, order["id"])
    assert rows["settlements"] == [("dispatch", D("-31"), 2)]
    assert rows["cash"] == [D("-31")]


async def test_unpaid_settle_later_leaves_collection_and_fee_open(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    first = await new_order(client, shop)
    second = await new_order(client, shop, territory="far")
    assert (await dispatch(client, first["id"], shop["rider"], "later")).status_code == 200
    assert (await dispatch(client, second["id"], shop["rider"], "later")).status_code == 200
    rows = await ledger_rows(runtime, first["id"])
    assert rows["transactions"] == [("collection", D("134"), "open", False), ("fee", D("15"), "open", False)]
    assert rows["settlements"] == [] and rows["cash"] == []
    owed = await balance(client, shop["rider"])
    # 134 + 119 collected, 15 + 150 earned.
    assert money_of(owed, "owes_branch", "branch_owes", "net") == (D("253.00"), D("165.00"), D("88.00"))
    assert owed["owed_by"] == "courier"
    assert owed["open_transactions"] == 4 and owed["active_deliveries"] == 2
    assert owed["fees_earned_today"] == "165.00" and owed["cash_in_hand_today"] == "0.00"


async def test_paid_settle_now_branch_pays_the_fee(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await set_payment(runtime, order["id"], "paid")
    shown = await preview(client, order["id"], shop["rider"], "now")
    assert money_of(shown, "amount_to_collect", "courier_fee", "net") == (D("0.00"), D("15.00"), D("-15.00"))
    assert shown["owed_by"] == "branch"
    assert (await dispatch(client, order["id"], shop["rider"], "now")).status_code == 200
    rows = await ledger_rows(runtime, order["id"])
    assert rows["transactions"] == [("fee", D("15"), "settled", True)]
    assert rows["settlements"] == [("dispatch", D("-15"), 1)]
    assert rows["cash"] == [D("-15")]


async def test_paid_settle_later_opens_the_fee_only(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await set_payment(runtime, order["id"], "paid")
    assert (await dispatch(client, order["id"], shop["rider"], "later")).status_code == 200
    rows = await ledger_rows(runtime, order["id"])
    assert rows["transactions"] == [("fee", D("15"), "open", False)]
    assert rows["cash"] == []
    owed = await balance(client, shop["rider"])
    assert money_of(owed, "owes_branch", "branch_owes", "net") == (D("0.00"), D("15.00"), D("-15.00"))
    assert owed["owed_by"] == "branch"


async def test_partner_order_collects_nothing_fee_applies(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, channel="partner")
    # A partner order carries no delivery charge of ours, and the partner collects its total.
    assert D(order["totals"]["total"]) == D("114.00")
    shown = await preview(client, order["id"], shop["rider"], "later")
    assert money_of(shown, "amount_to_collect", "courier_fee", "net") == (D("0.00"), D("15.00"), D("-15.00"))
    assert (await dispatch(client, order["id"], shop["rider"], "now")).status_code == 200
    rows = await ledger_rows(runtime, order["id"])
    assert rows["transactions"] == [("fee", D("15"), "settled", True)]
    assert rows["cash"] == [D("-15")]


async def test_partially_paid_collects_the_outstanding_rest(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    async with runtime.sessionmaker() as session:
        await session.execute(
            text(
                "INSERT INTO payments (id, order_id, branch_id, method, amount) "
                "VALUES (:id, :order, :branch, 'card', 34.50)"
            ),
            {"id": uuid.uuid4(), "order": order["id"], "branch": shop["branch"].id},
        )
        await session.commit()
    await set_payment(runtime, order["id"], "partially_paid")
    shown = await preview(client, order["id"], shop["rider"], "later")
    assert money_of(shown, "amount_to_collect", "courier_fee", "net") == (D("99.50"), D("15.00"), D("84.50"))


async def test_pickup_and_counter_orders_never_dispatch(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    for channel in ("pickup", "counter"):
        order = await new_order(client, shop, channel=channel)
        response = await dispatch(client, order["id"], shop["rider"], "now")
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "to"
        shown = await client.get(
            f"/api/v1/orders/{order['id']}/settlement-preview", params={"settle_mode": "now"}
        )
        assert shown.status_code == 422
        rows = await ledger_rows(runtime, order["id"])
        assert rows["deliveries"] == [] and rows["transactions"] == [] and rows["cash"] == []


# --------------------------------------------------------------------------- bad input and access


async def test_courier_of_another_branch_or_inactive_is_422(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    for courier in (shop["foreign"], shop["idle"]):
        response = await dispatch(client, order["id"], courier, "now")
        assert response.status_code == 422 and response.json()["field"] == "courier_id"
        shown = await client.get(
            f"/api/v1/orders/{order['id']}/settlement-preview",
            params={"courier_id": courier.id, "settle_mode": "now"},
        )
        assert shown.status_code == 422 and shown.json()["field"] == "courier_id"
    assert (await ledger_rows(runtime, order["id"]))["deliveries"] == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"settle_mode": "whenever"}, 400),
        ({}, 400),
        ({"settle_mode": "now", "courier_id": "x"}, 400),
        ({"settle_mode": "now", "courier_id": str(2**70)}, 400),
        ({"settle_mode": "now", "courier_id": "999999"}, 422),
    ],
)
async def test_bad_preview_queries(
    client: httpx.AsyncClient, shop: dict[str, Any], params: dict[str, str], status: int
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    response = await client.get(f"/api/v1/orders/{order['id']}/settlement-preview", params=params)
    assert response.status_code == status, response.text


async def test_preview_and_dispatch_access(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await login(client, "stranger")
    assert (await preview_status(client, order["id"], shop["rider"])) == 404
    assert (await dispatch(client, order["id"], shop["rider"], "now")).status_code == 404
    await login(client, "cashier")
    assert (await preview_status(client, order["id"], shop["rider"])) == 403
    assert (await dispatch(client, order["id"], shop["rider"], "now")).status_code == 403
    await login(client, "rider")
    assert (await dispatch(client, order["id"], shop["rider"], "now")).status_code == 403
    assert (await preview_status(client, str(uuid.uuid4()), shop["rider"])) == 403


async def preview_status(client: httpx.AsyncClient, order_id: str, courier: Any) -> int:
    response = await client.get(
        f"/api/v1/orders/{order_id}/settlement-preview",
        params={"courier_id": courier.id, "settle_mode": "now"},
    )
    return response.status_code


# --------------------------------------------------------------------------- races and retries


async def test_two_managers_dispatch_one_order_exactly_one_wins(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    from app.main import create_app

    await login(client, "boss")
    order = await new_order(client, shop)
    # A second manager with their own session cookie on the same app.
    transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=("127.0.0.1", 40001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await login(other, "boss2")
        results = await asyncio.gather(
            dispatch(client, order["id"], shop["rider"], "now"),
            dispatch(other, order["id"], shop["rider2"], "later"),
        )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    winner = next(r for r in results if r.status_code == 200)
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["state"] == "out_for_delivery" and loser.json()["version"] == 2
    rows = await ledger_rows(runtime, order["id"])
    assert len(rows["deliveries"]) == 1
    mode = rows["deliveries"][0][2]
    # Only the winner's money was written.
    if mode == "now":
        assert rows["transactions"] == [
            ("collection", D("134"), "settled", True),
            ("fee", D("15"), "settled", True),
        ]
        assert rows["cash"] == [D("119")]
    else:
        assert rows["transactions"] == [
            ("collection", D("134"), "open", False),
            ("fee", D("15"), "open", False),
        ]
        assert rows["cash"] == []
    assigned = [e for e in await stream(runtime, shop) if e.type == "courier.assigned"]
    assert len(assigned) == 1 and winner.json()["version"] == 2


async def test_many_concurrent_dispatches_one_delivery(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    results = await asyncio.gather(
        *(dispatch(client, order["id"], courier, "later") for courier in [shop["rider"], shop["rider2"]] * 4)
    )
    assert sorted(r.status_code for r in results) == [200] + [409] * 7
    rows = await ledger_rows(runtime, order["id"])
    assert len(rows["deliveries"]) == 1 and len(rows["transactions"]) == 2


async def test_a_refused_move_writes_nothing(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    stale = await dispatch(client, order["id"], shop["rider"], "now", expected_version=7)
    assert stale.status_code == 409
    assert stale.json()["reason"] == "stale_version" and stale.json()["version"] == 1
    rows = await ledger_rows(runtime, order["id"])
    assert rows["deliveries"] == [] and rows["transactions"] == [] and rows["cash"] == []
    assert rows["settlements"] == []
    async with runtime.sessionmaker() as session:
        audited = await session.scalar(
            text("SELECT count(*) FROM audit_log WHERE action = 'order.dispatched'")
        )
    assert audited == 0
    assert [
        e.type for e in await stream(runtime, shop) if e.type.startswith(("courier.", "settlement."))
    ] == []


# --------------------------------------------------------------------------- events


async def test_dispatch_events_in_the_stream(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    moved = (await dispatch(client, order["id"], shop["rider"], "now")).json()
    events = await stream(runtime, shop)
    types = [e.type for e in events]
    at = types.index("order.state_changed")
    assert types[at:] == ["order.state_changed", "courier.assigned", "settlement.completed"]
    assert events[at].id == moved["event_id"]
    changed = msgspec.json.decode(events[at].raw_data, type=ev.StateChanged)
    assert (changed.to, changed.courier_id, changed.settle_mode) == (
        "out_for_delivery",
        shop["rider"].id,
        "now",
    )
    assigned = msgspec.json.decode(events[at + 1].raw_data, type=ev.CourierAssigned)
    assert assigned.order_id == order["id"] and assigned.courier_id == shop["rider"].id
    assert (assigned.amount_to_collect, assigned.courier_fee, assigned.settle_mode) == (
        "134.00",
        "15.00",
        "now",
    )
    assert assigned.address == "3 Nile St, Zamalek" and assigned.trip_id is None
    assert (assigned.customer_name, assigned.customer_phone) == ("Nadia", "+201001234567")
    assert assigned.version == 2 and events[at + 1].order_id == order["id"]
    settled = msgspec.json.decode(events[at + 2].raw_data, type=ev.SettlementCompleted)
    assert (settled.kind, settled.net, settled.owed_by, settled.collections, settled.fees) == (
        "dispatch",
        "119.00",
        "courier",
        "134.00",
        "15.00",
    )
    assert settled.courier_id == shop["rider"].id and settled.order_id == order["id"]
    # The board's snapshot shows the courier on the card.
    board = (await client.get(f"/api/v1/branches/{shop['branch'].id}/board")).json()
    [card] = board["columns"]["out_for_delivery"]
    assert card["card"]["courier_id"] == shop["rider"].id


# --------------------------------------------------------------------------- trips


async def test_trip_dispatches_several_orders_each_settling_on_its_own(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    unpaid = await new_order(client, shop)
    paid = await new_order(client, shop, territory="far")
    await set_payment(runtime, paid["id"], "paid")
    trip_id = str(uuid.uuid4())
    body = {
        "order_ids": [unpaid["id"], paid["id"]],
        "courier_id": shop["rider"].id,
        "settle_mode": "now",
        "trip_id": trip_id,
    }
    response = await client.post("/api/v1/dispatch", json=body)
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["trip_id"] == trip_id and out["replayed"] is False
    by_order = {o["order_id"]: o for o in out["orders"]}
    assert money_of(by_order[unpaid["id"]], "amount_to_collect", "courier_fee", "net") == (
        D("134.00"),
        D("15.00"),
        D("119.00"),
    )
    assert money_of(by_order[paid["id"]], "amount_to_collect", "courier_fee", "net") == (
        D("0.00"),
        D("150.00"),
        D("-150.00"),
    )
    assert money_of(out, "amount_to_collect", "courier_fee", "net") == (D("134.00"), D("165.00"), D("-31.00"))
    assert out["owed_by"] == "branch"
    assert {o["state"] for o in out["orders"]} == {"out_for_delivery"}
    assert (await ledger_rows(runtime, unpaid["id"]))["cash"] == [D("119")]
    assert (await ledger_rows(runtime, paid["id"]))["cash"] == [D("-150")]
    assigned = [
        msgspec.json.decode(e.raw_data, type=ev.CourierAssigned)
        for e in await stream(runtime, shop)
        if e.type == "courier.assigned"
    ]
    assert {a.trip_id for a in assigned} == {trip_id} and len(assigned) == 2

    again = await client.post("/api/v1/dispatch", json=body)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert {o["delivery_id"] for o in again.json()["orders"]} == {o["delivery_id"] for o in out["orders"]}
    reused = await client.post("/api/v1/dispatch", json=body | {"courier_id": shop["rider2"].id})
    assert reused.status_code == 409


async def test_a_trip_is_all_or_nothing(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    delivery = await new_order(client, shop)
    pickup = await new_order(client, shop, channel="pickup")
    body = {
        "order_ids": [delivery["id"], pickup["id"]],
        "courier_id": shop["rider"].id,
        "settle_mode": "later",
        "trip_id": str(uuid.uuid4()),
    }
    response = await client.post("/api/v1/dispatch", json=body)
    assert response.status_code == 422 and response.json()["field"] == "order_ids"
    # One order already on the road: the other must not go either.
    second = await new_order(client, shop)
    assert (await dispatch(client, second["id"], shop["rider2"], "later")).status_code == 200
    response = await client.post(
        "/api/v1/dispatch", json=body | {"order_ids": [delivery["id"], second["id"]]}
    )
    assert response.status_code == 409
    # An order the Redis step refuses (cancelled meanwhile) stops the whole trip before anything moves.
    cancelled = await new_order(client, shop)
    await client.post(
        f"/api/v1/orders/{cancelled['id']}/transitions", json={"to": "cancelled", "reason": "customer left"}
    )
    response = await client.post(
        "/api/v1/dispatch", json=body | {"order_ids": [delivery["id"], cancelled["id"]]}
    )
    assert response.status_code == 409 and response.json()["reason"] == "illegal"
    rows = await ledger_rows(runtime, delivery["id"])
    assert rows["deliveries"] == [] and rows["transactions"] == []
    assert rows["order"][0] == "received"
    detail = (await client.get(f"/api/v1/orders/{delivery['id']}")).json()
    assert detail["state"] == "received" and detail["version"] == 1
    async with runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(text("trips"))) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"order_ids": [], "courier_id": 1, "settle_mode": "now", "trip_id": str(uuid.uuid4())},
        {"order_ids": ["nope"], "courier_id": 1, "settle_mode": "now", "trip_id": str(uuid.uuid4())},
        {
            "order_ids": [str(uuid.uuid4())],
            "courier_id": 1,
            "settle_mode": "soon",
            "trip_id": str(uuid.uuid4()),
        },
        {"order_ids": [str(uuid.uuid4())], "courier_id": 1, "settle_mode": "now"},
        {
            "order_ids": [str(uuid.uuid4())] * 51,
            "courier_id": 1,
            "settle_mode": "now",
            "trip_id": str(uuid.uuid4()),
        },
    ],
)
async def test_bad_trip_bodies(client: httpx.AsyncClient, shop: dict[str, Any], body: dict[str, Any]) -> None:
    await login(client, "boss")
    assert (await client.post("/api/v1/dispatch", json=body)).status_code == 400


async def test_trip_with_a_repeated_order_is_422(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    body = {
        "order_ids": [order["id"], order["id"]],
        "courier_id": shop["rider"].id,
        "settle_mode": "now",
        "trip_id": str(uuid.uuid4()),
    }
    response = await client.post("/api/v1/dispatch", json=body)
    assert response.status_code == 422 and response.json()["field"] == "order_ids"


# --------------------------------------------------------------------------- off the road


async def test_courier_accepts_and_delivers_with_the_cash_taken(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await dispatch(client, order["id"], shop["rider"], "later")).status_code == 200
    await login(client, "rider")
    [mine] = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/deliveries")).json()
    assert mine["order_id"] == order["id"] and mine["state"] == "assigned"
    assert (mine["amount_to_collect"], mine["customer_phone"], mine["address"]) == (
        "134.00",
        "+201001234567",
        "3 Nile St, Zamalek",
    )
    accepted = await client.post(f"/api/v1/deliveries/{mine['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    event = [e for e in await stream(runtime, shop) if e.type == "courier.updated"]
    assert len(event) == 1 and event[0].id == accepted.json()["event_id"]
    assert msgspec.json.decode(event[0].raw_data, type=ev.DeliveryChanged).state == "accepted"
    again = await client.post(f"/api/v1/deliveries/{mine['id']}/accept")
    assert again.status_code == 200 and again.json()["event_id"] is None

    for bad in ("-1", "abc", "1.234", "NaN", "1e30"):
        refused = await client.post(
            f"/api/v1/deliveries/{mine['id']}/delivered", json={"cash_collected": bad}
        )
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["field"] == "cash_collected"
    done = await client.post(f"/api/v1/deliveries/{mine['id']}/delivered", json={"cash_collected": "130.5"})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "delivered" and done.json()["cash_collected"] == "130.50"
    owed = await balance(client, shop["rider"])
    # A short collection: the charge stays, a shortfall of 3.50 squares it to the cash the rider holds.
    assert money_of(owed, "owes_branch", "branch_owes", "cash_in_hand", "cash_in_hand_today") == (
        D("130.50"),
        D("15.00"),
        D("130.50"),
        D("130.50"),
    )
    assert owed["active_deliveries"] == 0
    async with runtime.sessionmaker() as session:
        difference = await session.scalar(
            text("SELECT data->>'difference' FROM audit_log WHERE action = 'delivery.delivered'")
        )
    assert D(difference) == D("-3.5")
    finished = await client.post(f"/api/v1/deliveries/{mine['id']}/delivered", json={})
    assert finished.status_code == 409


async def test_delivered_by_transition_defaults_cash_to_the_amount(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await dispatch(client, order["id"], shop["rider"], "now")
    wrong = await client.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "delivered", "cash_collected": "-5"}
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "cash_collected"
    misplaced = await client.post(
        f"/api/v1/orders/{order['id']}/transitions",
        json={"to": "returned", "reason": "x", "cash_collected": "5"},
    )
    assert misplaced.status_code == 422 and misplaced.json()["field"] == "cash_collected"
    done = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "delivered"})
    assert done.status_code == 200 and done.json()["state"] == "delivered"
    rows = await ledger_rows(runtime, order["id"])
    assert rows["deliveries"][0][1] == "delivered" and rows["deliveries"][0][5] == D("134")
    assert rows["order"][:2] == ("delivered", 3)


async def test_returned_settle_later_voids_the_collection_keeps_the_fee(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await dispatch(client, order["id"], shop["rider"], "later")
    no_reason = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "returned"})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    back = await client.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "returned", "reason": "nobody home"}
    )
    assert back.status_code == 200, back.text
    rows = await ledger_rows(runtime, order["id"])
    assert rows["deliveries"][0][1] == "returned"
    assert rows["transactions"] == [
        ("collection", D("134"), "settled", True),
        ("fee", D("15"), "open", False),
    ]
    assert rows["settlements"] == [("dispatch", D("0"), 1)]
    assert rows["cash"] == []
    owed = await balance(client, shop["rider"])
    assert money_of(owed, "owes_branch", "branch_owes", "net") == (D("0.00"), D("15.00"), D("-15.00"))
    # Back to ready and out again with another courier: a new delivery, charged afresh.
    assert (
        await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "ready"})
    ).status_code == 200
    assert (await dispatch(client, order["id"], shop["rider2"], "later")).status_code == 200
    rows = await ledger_rows(runtime, order["id"])
    assert [d[1] for d in rows["deliveries"]] == ["returned", "assigned"]
    assert rows["order"][2] == shop["rider2"].id


async def test_returned_settle_now_hands_the_prepaid_collection_back(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await dispatch(client, order["id"], shop["rider"], "now")
    await login(client, "rider")
    [mine] = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/deliveries")).json()
    with_cash = await client.post(
        f"/api/v1/deliveries/{mine['id']}/returned", json={"reason": "wrong address", "cash_collected": "1"}
    )
    assert with_cash.status_code == 422 and with_cash.json()["field"] == "cash_collected"
    back = await client.post(f"/api/v1/deliveries/{mine['id']}/returned", json={"reason": "wrong address"})
    assert back.status_code == 200 and back.json()["return_reason"] == "wrong address"
    rows = await ledger_rows(runtime, order["id"])
    assert rows["settlements"] == [("dispatch", D("119"), 2), ("dispatch", D("-134"), 0)]
    # +119 at dispatch, -134 back: the branch paid the courier's fee of 15 for the ride.
    assert rows["cash"] == [D("119"), D("-134")]
    assert sum(rows["cash"]) == D("-15")
    settled = [
        msgspec.json.decode(e.raw_data, type=ev.SettlementCompleted)
        for e in await stream(runtime, shop)
        if e.type == "settlement.completed"
    ]
    assert [(s.net, s.owed_by) for s in settled] == [("119.00", "courier"), ("-134.00", "branch")]


async def test_a_courier_sees_and_moves_only_their_own_delivery(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await dispatch(client, order["id"], shop["rider"], "later")
    [delivery] = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/deliveries")).json()
    await login(client, "rider2")
    assert (await client.get(f"/api/v1/deliveries/{delivery['id']}")).status_code == 404
    assert (await client.post(f"/api/v1/deliveries/{delivery['id']}/accept")).status_code == 404
    assert (await client.post(f"/api/v1/deliveries/{delivery['id']}/delivered", json={})).status_code == 404
    assert (await client.get(f"/api/v1/couriers/{shop['rider'].id}/deliveries")).status_code == 404
    assert (await client.get(f"/api/v1/couriers/{shop['rider'].id}/balance")).status_code == 404
    assert (
        await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "delivered"})
    ).status_code == 404
    assert (await client.get(f"/api/v1/deliveries/{uuid.uuid4()}")).status_code == 404
    await login(client, "rider")
    assert (await client.get(f"/api/v1/deliveries/{delivery['id']}")).status_code == 200
    await login(client, "stranger")
    assert (await client.get(f"/api/v1/deliveries/{delivery['id']}")).status_code == 404
    await login(client, "cashier")
    assert (await client.get(f"/api/v1/deliveries/{delivery['id']}")).status_code == 403


# --------------------------------------------------------------------------- the persister's twin write


async def test_returned_after_the_courier_settled_hands_the_collection_back(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await dispatch(client, order["id"], shop["rider"], "later")
    settled = await client.post(
        f"/api/v1/couriers/{shop['rider'].id}/settlements", json={"id": str(uuid.uuid4())}
    )
    assert settled.status_code == 201 and settled.json()["net"] == "119.00"
    back = await client.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "returned", "reason": "refused at the door"}
    )
    assert back.status_code == 200
    rows = await ledger_rows(runtime, order["id"])
    assert rows["settlements"][-1] == ("dispatch", D("-134"), 0)
    assert rows["cash"] == [D("-134")]
    assert (await balance(client, shop["rider"]))["net"] == "0.00"

"""Card actions over HTTP: cancel (with the money decided) and transfer to another branch."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import select, text

from app import events as ev
from app.events.stream import read_after
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    from sqlalchemy import delete

    from app.db.models import ProductPrice

    branch = await factory.branch(code="AA", name="Downtown")
    target = await factory.branch(code="BB", name="Uptown")
    hidden = await factory.branch(code="CC", name="Faraway")
    # The same burger costs more at the target: a transferred order is re-priced there.
    burger = await factory.product("Burger", price="50.00", branch_prices={target.id: "55.00"})
    # Sold downtown only: no all-branch price, one for the origin branch.
    koshari = await factory.product("Koshari", price="30.00")
    await factory.session.execute(delete(ProductPrice).where(ProductPrice.product_id == koshari.id))
    factory.session.add(
        ProductPrice(
            product_id=koshari.id,
            price_list="counter",
            unit="piece",
            price=Decimal("30.00"),
            branch_id=branch.id,
        )
    )
    territory = await factory.territory()
    rider = await factory.user("rider", roles=("courier",), branches=(branch,))
    courier = await factory.courier(branch, user=rider)
    await factory.user("boss", roles=("manager",), branches=(branch, target))
    await factory.user("local", roles=("manager",), branches=(branch,))
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("stranger", roles=("manager",), branches=(hidden,))
    await factory.commit()
    return {
        "branch": branch,
        "target": target,
        "hidden": hidden,
        "burger": burger,
        "koshari": koshari,
        "territory": territory,
        "courier": courier,
    }


async def new_order(
    client: httpx.AsyncClient, shop: dict[str, Any], *, channel: str = "counter", product: str = "burger"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": channel,
        "lines": [{"product_id": shop[product].id, "qty": "2", "note": "no onions"}],
        "note": "ring twice",
    }
    if channel == "delivery":
        body["delivery"] = {"address": "3 Nile St", "territory_id": shop["territory"].id}
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def move(client: httpx.AsyncClient, order_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/orders/{order_id}/transitions", json=body)


async def cancel(client: httpx.AsyncClient, order_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/orders/{order_id}/cancel", json=body)


async def transfer(client: httpx.AsyncClient, order_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/orders/{order_id}/transfer", json=body)


async def mark_paid(runtime: Any, order: dict[str, Any], status: str = "paid") -> None:
    """What the payments part will do when money is taken: the row and the hot hash say so."""
    async with runtime.engine.begin() as conn:
        await conn.execute(
            text("UPDATE orders SET payment_status = :status WHERE id = :id"),
            {"status": status, "id": order["id"]},
        )
    await runtime.redis.hset(runtime.keys.order(order["branch_id"], order["id"]), "payment_status", status)


async def audit_rows(runtime: Any, action: str, entity_id: str) -> list[dict[str, Any]]:
    from app.db.models import AuditLog

    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditLog)
            .where(AuditLog.action == action, AuditLog.entity_id == entity_id)
            .order_by(AuditLog.id)
        )
        return [dict(row.data) | {"_branch_id": row.branch_id, "_actor": row.actor_user_id} for row in rows]


async def stream(runtime: Any, branch_id: int) -> list[Any]:
    return await read_after(runtime.redis, runtime.keys, branch_id, "0-0")


# --------------------------------------------------------------------------- cancel


async def test_cancel_is_refused_once_out_for_delivery_and_allowed_after_a_return(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, channel="delivery")
    dispatched = await move(
        client, order["id"], to="out_for_delivery", courier_id=shop["courier"].id, settle_mode="later"
    )
    assert dispatched.status_code == 200, dispatched.text
    refused = await cancel(client, order["id"], reason="customer changed their mind")
    assert refused.status_code == 409, refused.text
    assert (refused.json()["reason"], refused.json()["state"]) == ("illegal", "out_for_delivery")
    # The generic transition endpoint answers the same: the table itself has no such move.
    generic = await move(client, order["id"], to="cancelled", reason="customer changed their mind")
    assert generic.status_code == 409 and generic.json()["reason"] == "illegal"
    returned = await move(client, order["id"], to="returned", reason="nobody home")
    assert returned.status_code == 200, returned.text
    given_up = await cancel(client, order["id"], reason="nobody home twice")
    assert given_up.status_code == 200, given_up.text
    assert (given_up.json()["from"], given_up.json()["state"]) == ("returned", "cancelled")


async def test_cancel_unpaid_order_is_audited_and_needs_no_decision(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    response = await cancel(client, order["id"], reason="customer left", expected_version=1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "cancelled" and body["version"] == 2
    assert body["refund"] is None and body["payment_status"] == "unpaid" and body["decision_event_id"] is None
    last = (await stream(runtime, shop["branch"].id))[-1]
    assert last.id == body["event_id"] and last.type == "order.state_changed"
    changed = msgspec.json.decode(last.raw_data, type=ev.StateChanged)
    assert (changed.to, changed.reason) == ("cancelled", "customer left")
    (row,) = await audit_rows(runtime, "order.cancel", order["id"])
    assert row["reason"] == "customer left" and row["from"] == "received" and "refund" not in row
    again = await cancel(client, order["id"], reason="customer left")
    assert again.status_code == 409 and again.json()["state"] == "cancelled"


@pytest.mark.parametrize("status", ["paid", "partially_paid"])
async def test_paid_order_needs_a_refund_decision(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, status: str
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await mark_paid(runtime, order, status)
    undecided = await cancel(client, order["id"], reason="burnt")
    assert undecided.status_code == 409, undecided.text
    assert undecided.json()["detail"].startswith(f"{status}: decide whether to refund")
    assert undecided.json()["reason"] == "refund_decision"
    assert (undecided.json()["state"], undecided.json()["version"]) == ("received", 1)
    # No back door: the generic endpoint cannot carry the decision, so it refuses as well.
    generic = await move(client, order["id"], to="cancelled", reason="burnt")
    assert generic.status_code == 409 and generic.json()["reason"] == "refund_decision"

    decided = await cancel(client, order["id"], reason="burnt", refund=True)
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert (body["state"], body["refund"], body["payment_status"]) == ("cancelled", True, status)
    events = await stream(runtime, shop["branch"].id)
    assert [e.id for e in events[-2:]] == [body["event_id"], body["decision_event_id"]]
    decision = events[-1]
    assert decision.type == "order.updated" and decision.order_id == order["id"]
    assert msgspec.json.decode(decision.raw_data, type=ev.CancelDecided) == ev.CancelDecided(
        order_id=order["id"],
        state="cancelled",
        reason="burnt",
        payment_status=status,
        refund=True,
        actor=decision.data()["actor"],
    )
    (row,) = await audit_rows(runtime, "order.cancel", order["id"])
    assert (row["refund"], row["payment_status"], row["reason"]) == (True, status, "burnt")


async def test_keeping_the_money_is_a_decision_too(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await mark_paid(runtime, order)
    kept = await cancel(client, order["id"], reason="no-show, prepaid", refund=False)
    assert kept.status_code == 200, kept.text
    assert kept.json()["refund"] is False
    (row,) = await audit_rows(runtime, "order.cancel", order["id"])
    assert row["refund"] is False


async def test_refund_without_money_taken_is_422(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    response = await cancel(client, order["id"], reason="customer left", refund=True)
    assert response.status_code == 422 and response.json()["field"] == "refund"


async def test_cancel_is_for_managers_of_the_branch(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop)
    assert (await cancel(client, order["id"], reason="customer left")).status_code == 403
    assert (await move(client, order["id"], to="cancelled", reason="customer left")).status_code == 403
    await login(client, "stranger")
    assert (await cancel(client, order["id"], reason="customer left")).status_code == 404
    await login(client, "boss")
    assert (await cancel(client, str(uuid.uuid4()), reason="who?")).status_code == 404


async def test_stale_expected_version_is_409(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await move(client, order["id"], to="preparing")).status_code == 200
    stale = await cancel(client, order["id"], reason="customer left", expected_version=1)
    assert stale.status_code == 409
    assert (stale.json()["reason"], stale.json()["state"], stale.json()["version"]) == (
        "stale_version",
        "preparing",
        2,
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": ""},
        {"reason": "x", "refund": "yes"},
        {"reason": "x", "expected_version": -1},
        {"reason": "x", "mood": "sad"},
    ],
)
async def test_bad_cancel_bodies_are_4xx(client: httpx.AsyncClient, shop: dict[str, Any], body: Any) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    response = await client.post(f"/api/v1/orders/{order['id']}/cancel", json=body)
    assert response.status_code == 400, response.text


# --------------------------------------------------------------------------- transfer


async def test_transfer_cancels_the_original_and_creates_a_repriced_tokened_copy(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, channel="pickup")
    assert order["token"] == 1 and order["totals"]["total"] == "114.00"
    response = await transfer(client, order["id"], branch_id=shop["target"].id, expected_version=1)
    assert response.status_code == 201, response.text
    body = response.json()
    new_id = body["new_order_id"]
    assert new_id != order["id"] and body["order_id"] == order["id"]
    assert body["branch_id"] == shop["target"].id
    # The target's first token of the day, and its own price (55 + 14 % tax, twice).
    assert body["token"] == 1 and body["order"]["token"] == 1
    assert body["order"]["totals"]["total"] == "125.40"
    assert body["order"]["lines"][0]["note"] == "no onions" and body["order"]["note"] == "ring twice"
    assert (body["cancelled"]["from"], body["cancelled"]["state"]) == ("received", "cancelled")

    original = (await client.get(f"/api/v1/orders/{order['id']}")).json()
    assert original["state"] == "cancelled"
    copy = (await client.get(f"/api/v1/orders/{new_id}")).json()
    assert (copy["branch_id"], copy["state"], copy["channel"]) == (shop["target"].id, "received", "pickup")
    board = (await client.get(f"/api/v1/branches/{shop['target'].id}/board")).json()
    assert [c["order_id"] for c in board["columns"]["received"]] == [new_id]

    # Both events name the other side.
    source_events = await stream(runtime, shop["branch"].id)
    cancelled, decision = source_events[-2:]
    state_changed = msgspec.json.decode(cancelled.raw_data, type=ev.StateChanged)
    assert (state_changed.to, state_changed.reason) == ("cancelled", "transferred to Uptown")
    link = msgspec.json.decode(decision.raw_data, type=ev.CancelDecided)
    assert (link.transferred_to, link.transferred_to_branch) == (new_id, shop["target"].id)
    target_events = await stream(runtime, shop["target"].id)
    assert [e.type for e in target_events] == ["order.created", "ticket.created"]
    created = msgspec.json.decode(target_events[0].raw_data, type=ev.OrderCreated)
    assert (created.order_id, created.token, created.transferred_from) == (new_id, 1, order["id"])
    assert created.transferred_from_branch == shop["branch"].id

    # And so does the audit log.
    (outgoing,) = await audit_rows(runtime, "order.transfer", order["id"])
    assert (outgoing["to_order"], outgoing["to_branch"]) == (new_id, shop["target"].id)
    (incoming,) = await audit_rows(runtime, "order.transfer", new_id)
    assert (incoming["from_order"], incoming["from_branch"]) == (order["id"], shop["branch"].id)
    assert (incoming["total_before"], incoming["total"]) == ("114.00", "125.40")
    (cancel_row,) = await audit_rows(runtime, "order.cancel", order["id"])
    assert cancel_row["transferred_to"] == new_id

    # An ordinary order.created carries no transfer fields at all.
    plain = await new_order(client, shop)
    last_created = [e for e in await stream(runtime, shop["branch"].id) if e.type == "order.created"][-1]
    assert last_created.order_id == plain["id"]
    assert "transferred_from" not in last_created.data()


async def test_transfer_only_before_the_kitchen_starts(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await move(client, order["id"], to="preparing")).status_code == 200
    started = await transfer(client, order["id"], branch_id=shop["target"].id)
    assert started.status_code == 409, started.text
    assert (started.json()["reason"], started.json()["state"]) == ("started", "preparing")
    cancelled = await new_order(client, shop)
    assert (await cancel(client, cancelled["id"], reason="gone")).status_code == 200
    closed = await transfer(client, cancelled["id"], branch_id=shop["target"].id)
    assert closed.status_code == 409 and closed.json()["state"] == "cancelled"
    fresh = await new_order(client, shop)
    stale = await transfer(client, fresh["id"], branch_id=shop["target"].id, expected_version=7)
    assert stale.status_code == 409 and stale.json()["reason"] == "stale_version"


async def test_transfer_target_must_be_another_visible_branch(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "local")
    order = await new_order(client, shop)
    # "local" manages the origin only: the target is no branch of theirs.
    not_theirs = await transfer(client, order["id"], branch_id=shop["target"].id)
    assert not_theirs.status_code == 422 and not_theirs.json()["field"] == "branch_id"
    await login(client, "boss")
    for branch_id in (shop["hidden"].id, shop["branch"].id, 999_999):
        refused = await transfer(client, order["id"], branch_id=branch_id)
        assert refused.status_code == 422, (branch_id, refused.text)
        assert refused.json()["field"] == "branch_id"
    # The order itself must be visible: another branch's order is a 404.
    await login(client, "stranger")
    assert (await transfer(client, order["id"], branch_id=shop["hidden"].id)).status_code == 404
    await login(client, "cashier")
    assert (await transfer(client, order["id"], branch_id=shop["target"].id)).status_code == 403
    # Nothing was touched by any of these.
    await login(client, "boss")
    assert (await client.get(f"/api/v1/orders/{order['id']}")).json()["state"] == "received"
    assert await stream(runtime, shop["target"].id) == []


async def test_transfer_refused_when_the_target_does_not_sell_an_item(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, product="koshari")
    response = await transfer(client, order["id"], branch_id=shop["target"].id)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "branch_id" and "Uptown" in response.json()["detail"]
    assert (await client.get(f"/api/v1/orders/{order['id']}")).json()["state"] == "received"


async def test_transfer_refused_when_money_was_taken(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    await mark_paid(runtime, order)
    response = await transfer(client, order["id"], branch_id=shop["target"].id)
    assert response.status_code == 409 and response.json()["reason"] == "paid"


async def test_transfer_of_a_delivery_keeps_its_address_and_gets_the_targets_token(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, channel="delivery")
    response = await transfer(client, order["id"], branch_id=shop["target"].id)
    assert response.status_code == 201, response.text
    copy = response.json()["order"]
    assert copy["token"] == 1  # the target branch's first number of the day
    assert copy["delivery"]["address"] == "3 Nile St"
    assert copy["delivery"]["territory_id"] == shop["territory"].id
    assert copy["totals"]["delivery_charge"] == "20.00"

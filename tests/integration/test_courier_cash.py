"""The cash a courier reports on delivery: a typing slip is refused, cash above the amount to collect needs a
choice (a tip the courier keeps, or the customer's payment to the shop, each capped), cash below it is a
short collection squared in the courier's ledger, and what the courier holds for the branch is one figure.
Cash on a partner order is booked like any cash on delivery (and settled), unless the platform prepaid it.

The shop (tests/support/dispatch.py): a burger at 100.00 + 14 % tax + 20.00 delivery = 134.00 to collect,
a courier fee of 15.00.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.support.auth import login
from tests.support.dispatch import balance, dispatch, make_shop, money_of, new_order
from tests.support.factory import Factory

D = Decimal


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


async def on_the_road(
    client: httpx.AsyncClient, shop: dict[str, Any], *, mode: str = "later", channel: str = "delivery"
) -> tuple[dict[str, Any], str]:
    """(order, delivery id) of an order dispatched to the rider, signed in as the rider afterwards."""
    await login(client, "boss")
    order = await new_order(client, shop, channel=channel)
    assert (await dispatch(client, order["id"], shop["rider"], mode)).status_code == 200
    await login(client, "rider")
    [mine] = [
        d
        for d in (await client.get(f"/api/v1/couriers/{shop['rider'].id}/deliveries")).json()
        if d["order_id"] == order["id"]
    ]
    return order, str(mine["id"])


async def delivered(client: httpx.AsyncClient, delivery_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/deliveries/{delivery_id}/delivered", json=body)


async def open_rows(runtime: Any, order_id: str) -> list[tuple[str, Decimal]]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT kind, amount FROM courier_transactions WHERE order_id = :id AND status = 'open' "
                "ORDER BY id"
            ),
            {"id": order_id},
        )
        return [(kind, D(amount)) for kind, amount in rows]


async def order_money(client: httpx.AsyncClient, order_id: str) -> tuple[str, Decimal, Decimal]:
    await login(client, "boss")
    shown = (await client.get(f"/api/v1/orders/{order_id}")).json()
    return shown["payment_status"], D(shown["paid_total"]), D(shown["balance"])


def held(owed: dict[str, Any]) -> tuple[Decimal, ...]:
    return money_of(owed, "cash_in_hand", "owes_branch", "branch_owes", "to_collect", "tips_today")


async def test_a_typing_slip_is_refused_naming_the_field_and_nothing_changes(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    order, delivery_id = await on_the_road(client, shop)
    for cash in ("99999", "268.01"):  # the cap: 134.00 to collect plus a tip up to the 134.00 order
        refused = await delivered(client, delivery_id, cash_collected=cash, extra="tip")
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "cash_collected" and "at most 268.00" in refused.json()["detail"]
    for cash in ("-1", "abc", "1.234"):
        refused = await delivered(client, delivery_id, cash_collected=cash)
        assert refused.status_code == 422 and refused.json()["field"] == "cash_collected"
    # Above the amount without saying what the extra is.
    unsaid = await delivered(client, delivery_id, cash_collected="140.00")
    assert unsaid.status_code == 422, unsaid.text
    assert unsaid.json()["field"] == "extra" and "6.00 is above the 134.00" in unsaid.json()["detail"]
    # A choice for cash that is not above the amount is a mistake too.
    needless = await delivered(client, delivery_id, cash_collected="134.00", extra="tip")
    assert needless.status_code == 422 and needless.json()["field"] == "extra"
    # The shop's share cannot exceed what is left to pay.
    too_much = await delivered(client, delivery_id, cash_collected="140.00", extra="overpay")
    assert too_much.status_code == 422 and "only 134.00 is left to pay" in too_much.json()["detail"]

    assert held(await balance(client, shop["rider"])) == (D(0), D("134.00"), D("15.00"), D("134.00"), D(0))
    assert await order_money(client, order["id"]) == ("unpaid", D(0), D("134.00"))


async def test_a_tip_is_the_couriers_and_cash_in_hand_is_what_they_hold_for_the_branch(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    order, delivery_id = await on_the_road(client, shop)
    done = await delivered(client, delivery_id, cash_collected="150.00", extra="tip")
    assert done.status_code == 200, done.text
    assert (done.json()["cash_collected"], done.json()["tip"]) == ("150.00", "16.00")
    owed = await balance(client, shop["rider"])
    assert held(owed) == (D("134.00"), D("134.00"), D("15.00"), D(0), D("16.00"))
    assert D(owed["cash_in_hand_today"]) == D("134.00")
    assert await open_rows(runtime, order["id"]) == [("collection", D("134")), ("fee", D("15"))]
    assert await order_money(client, order["id"]) == ("paid", D("134"), D(0))


async def test_a_short_collection_is_recorded_as_such_and_the_order_still_owes_the_rest(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    order, delivery_id = await on_the_road(client, shop)
    done = await delivered(client, delivery_id, cash_collected="100.00")
    assert done.status_code == 200, done.text
    assert await open_rows(runtime, order["id"]) == [
        ("collection", D("134")),
        ("fee", D("15")),
        ("shortfall", D("34")),
    ]
    assert held(await balance(client, shop["rider"])) == (D("100.00"), D("100.00"), D("15.00"), D(0), D(0))
    assert await order_money(client, order["id"]) == ("partially_paid", D("100"), D("34.00"))
    async with runtime.sessionmaker() as session:
        difference = await session.scalar(
            text("SELECT data->>'difference' FROM audit_log WHERE action = 'delivery.delivered'")
        )
    assert D(difference) == D("-34")

    # Settling squares it: the rider hands over the 100.00 they hold, less their 15.00 fee.
    await login(client, "boss")
    preview = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/settlements/preview")).json()
    assert money_of(preview, "collections", "fees", "shortfalls", "net") == (
        D("134.00"),
        D("15.00"),
        D("34.00"),
        D("85.00"),
    )
    settled = await client.post(
        f"/api/v1/couriers/{shop['rider'].id}/settlements", json={"id": str(uuid.uuid4())}
    )
    assert settled.status_code == 201, settled.text
    assert money_of(settled.json(), "net", "shortfalls") == (D("85.00"), D("34.00"))
    assert held(await balance(client, shop["rider"])) == (D(0), D(0), D(0), D(0), D(0))


async def test_settled_at_dispatch_then_short_the_branch_owes_the_courier_back(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    _, delivery_id = await on_the_road(client, shop, mode="now")
    assert (await delivered(client, delivery_id, cash_collected="100.00")).status_code == 200
    # The rider prepaid 134.00 at dispatch and took 100.00 at the door: they hold none of the branch's
    # cash, and the branch owes them the 34.00.
    assert held(await balance(client, shop["rider"])) == (D(0), D(0), D("34.00"), D(0), D(0))


async def test_cash_on_a_partner_order_is_booked_to_the_courier_and_settled(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    order, delivery_id = await on_the_road(client, shop, channel="partner")
    [mine] = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/deliveries")).json()
    # A partner order has no delivery charge of ours: 114.00, and nothing for the rider to collect.
    assert (mine["amount_to_collect"], mine["order_total"]) == ("0.00", "114.00")
    # Nothing to collect: cash handed over is either the customer paying the shop, or a tip.
    unsaid = await delivered(client, delivery_id, cash_collected="114.00")
    assert unsaid.status_code == 422 and unsaid.json()["field"] == "extra"
    done = await delivered(client, delivery_id, cash_collected="114.00", extra="overpay")
    assert done.status_code == 200, done.text
    assert await open_rows(runtime, order["id"]) == [("fee", D("15")), ("collection", D("114"))]
    assert held(await balance(client, shop["rider"])) == (D("114.00"), D("114.00"), D("15.00"), D(0), D(0))
    assert await order_money(client, order["id"]) == ("paid", D("114"), D(0))

    settled = await client.post(
        f"/api/v1/couriers/{shop['rider'].id}/settlements", json={"id": str(uuid.uuid4())}
    )
    assert settled.status_code == 201, settled.text
    assert money_of(settled.json(), "collections", "fees", "net") == (D("114.00"), D("15.00"), D("99.00"))
    async with runtime.sessionmaker() as session:
        till = await session.scalar(
            text("SELECT amount FROM branch_cash_movements WHERE settlement_id = :id"),
            {"id": settled.json()["id"]},
        )
    assert D(till) == D("99")


async def test_cash_on_a_partner_order_the_platform_prepaid_can_only_be_a_tip(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, channel="partner")
    paid = await client.post(
        f"/api/v1/orders/{order['id']}/payments",
        json={
            "id": str(uuid.uuid4()),
            "method": "bank_transfer",
            "amount": "114.00",
            "reference": "PLATFORM-9",
        },
    )
    assert paid.status_code == 201, paid.text
    assert (await dispatch(client, order["id"], shop["rider"], "later")).status_code == 200
    await login(client, "rider")
    [mine] = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/deliveries")).json()
    refused = await delivered(client, mine["id"], cash_collected="114.00", extra="overpay")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "cash_collected" and "platform prepaid" in refused.json()["detail"]
    tipped = await delivered(client, mine["id"], cash_collected="10.00", extra="tip")
    assert tipped.status_code == 200, tipped.text
    assert held(await balance(client, shop["rider"])) == (D(0), D(0), D("15.00"), D(0), D("10.00"))
    assert await order_money(client, order["id"]) == ("paid", D("114"), D(0))

"""Cancel with "Refund the payment": the money goes back through the payments part, in the cancel's own
unit of work — cash out of the drawer of the till that took it (its Z report shows it), card through its
provider, on account back onto the customer's balance — audited and announced as `payment.refunded`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.payments import providers
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.payments import (
    FakeGateway,
    get_order,
    hot_payment,
    new_order,
    pay,
    payment_events,
    payments_shop,
    pos_profile,
    set_till,
)


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    shop = await payments_shop(factory)
    shop["till"] = await pos_profile(factory, shop["branch"], code="till1")
    return shop


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway()
    saved = (dict(providers.PROVIDERS), dict(providers.METHOD_PROVIDERS))
    providers.register(fake, methods=("wallet",))
    yield fake
    providers.PROVIDERS.clear()
    providers.PROVIDERS.update(saved[0])
    providers.METHOD_PROVIDERS.clear()
    providers.METHOD_PROVIDERS.update(saved[1])


async def open_shift(client: httpx.AsyncClient, till: Any, opening: str = "100.00") -> str:
    response = await client.post(
        "/api/v1/shifts", json={"id": str(uuid.uuid4()), "pos_profile_id": till.id, "opening_cash": opening}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def cancel(client: httpx.AsyncClient, order_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/orders/{order_id}/cancel", json=body)


async def audit_of(runtime: Any, action: str, entity_id: str) -> list[dict[str, Any]]:
    from app.db.models import AuditLog

    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditLog).where(AuditLog.action == action, AuditLog.entity_id == entity_id)
        )
        return [dict(r.data) for r in rows]


async def test_a_cash_sale_cancelled_with_refund_comes_out_of_the_drawer(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    shift_id = await open_shift(client, shop["till"])
    order = await new_order(client, shop, product="round")  # 10.00
    await set_till(runtime, order["id"], shop["till"].id)
    paid = await pay(client, order["id"], method="cash", amount="10.00", tendered="20.00")
    assert paid.status_code == 201, paid.text
    before = (await client.get(f"/api/v1/shifts/{shift_id}/summary")).json()["cash"]["expected"]
    assert before == "110.00"

    await login(client, "boss")
    response = await cancel(client, order["id"], reason="customer walked out", refund=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["state"], body["refund"], body["refunded"]) == ("cancelled", True, "10.00")
    [made] = body["refunds"]
    assert (made["method"], made["amount"], made["status"], made["shift_id"]) == (
        "cash",
        "10.00",
        "refunded",
        shift_id,
    )

    now = await get_order(client, order["id"])
    assert (now["payment_status"], now["paid_total"]) == ("refunded", "0.00")
    [payment] = now["payments"]
    assert payment["status"] == "refunded" and payment["refunds"][0]["amount"] == "10.00"
    # The drawer paid it out: the till expects what it held before the sale.
    summary = (await client.get(f"/api/v1/shifts/{shift_id}/summary")).json()
    assert (summary["cash"]["refunded"], summary["cash"]["expected"]) == ("10.00", "100.00")
    report = (await client.get(f"/api/v1/shifts/{shift_id}/report", params={"format": "json"})).json()
    cash = next(m for m in report["summary"]["methods"] if m["method"] == "cash")
    assert (cash["refunds"], cash["refunded"]) == (1, "10.00")

    events = await payment_events(runtime, shop["branch"].id, order["id"])
    assert [kind for kind, _ in events] == ["payment.collected", "payment.refunded"]
    assert (events[-1][1]["amount"], events[-1][1]["payment_status"]) == ("10.00", "refunded")
    assert (await hot_payment(runtime, shop["branch"].id, order["id"]))[0] == "refunded"
    [cancel_audit] = await audit_of(runtime, "order.cancel", order["id"])
    assert cancel_audit["refund"] is True and cancel_audit["refunds"][0]["status"] == "refunded"
    [refund_audit] = await audit_of(runtime, "payment.refund", made["refund_id"])
    assert (refund_audit["amount"], refund_audit["shift_id"]) == ("10.00", shift_id)


async def test_split_payment_goes_back_last_tender_first_and_on_account_to_the_balance(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    await open_shift(client, shop["till"])
    # 30.09: 20.00 on the customer's account, then 10.09 by card.
    order = await new_order(client, shop, product="meal", customer=shop["regular"])
    await set_till(runtime, order["id"], shop["till"].id)
    assert (await pay(client, order["id"], method="on_account", amount="20.00")).status_code == 201
    assert (await pay(client, order["id"], method="card", amount="10.09", reference="T-1")).status_code == 201
    statement = (await client.get(f"/api/v1/customers/{shop['regular'].id}/statement")).json()
    assert statement["closing_balance"] == "20.00"

    await login(client, "boss")
    # Keep 5.00 as a cancellation fee: 25.09 goes back, the card's 10.09 first, then 15.00 of the account.
    response = await cancel(client, order["id"], reason="too late", refund=True, refund_amount="25.09")
    assert response.status_code == 200, response.text
    refunds = {r["method"]: r["amount"] for r in response.json()["refunds"]}
    assert refunds == {"card": "10.09", "on_account": "15.00"}
    assert response.json()["refunded"] == "25.09"
    now = await get_order(client, order["id"])
    assert (now["payment_status"], now["paid_total"]) == ("partially_paid", "5.00")
    statement = (await client.get(f"/api/v1/customers/{shop['regular'].id}/statement")).json()
    assert statement["closing_balance"] == "5.00"


@pytest.mark.parametrize(
    ("amount", "problem"), [("10.01", "above what was paid"), ("-1", "above zero"), ("lots", "amount")]
)
async def test_a_refund_above_what_was_paid_is_422_and_nothing_moves(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, amount: str, problem: str
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, product="round")
    assert (await pay(client, order["id"], method="card", amount="10.00", reference="T")).status_code == 201
    response = await cancel(client, order["id"], reason="x", refund=True, refund_amount=amount)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "refund_amount" and problem in response.json()["detail"]
    now = await get_order(client, order["id"])
    assert (now["state"], now["payment_status"]) == ("received", "paid")
    # An amount without refund: true is a contradiction, not a silent no-op.
    keep = await cancel(client, order["id"], reason="x", refund=False, refund_amount="1.00")
    assert keep.status_code == 422 and keep.json()["field"] == "refund_amount"


async def test_a_gateway_refusing_leaves_the_order_cancelled_with_the_refund_reported_failed(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, gateway: FakeGateway
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, product="round")
    started = await pay(client, order["id"], method="wallet", amount="10.00")
    assert started.status_code == 201, started.text
    from app.payments.services import PaymentService

    # Captured by the gateway's webhook (signed notice), as test_payments_gateway does it.
    async with runtime.sessionmaker() as session:
        from app.lib.deps import Scope

        scope = Scope(runtime, session)
        body, headers = gateway.notice(started.json()["payment"]["id"], "succeeded")
        await scope.get(PaymentService).webhook(provider="fakepay", body=body, headers=headers)
    gateway.refuse_refunds = True
    response = await cancel(client, order["id"], reason="duplicate order", refund=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "cancelled" and body["refunded"] == "0.00"
    [failed] = body["refunds"]
    assert failed["status"] == "failed" and "refused" in failed["detail"]
    now = await get_order(client, order["id"])
    assert (now["state"], now["payment_status"]) == ("cancelled", "paid")
    [cancel_audit] = await audit_of(runtime, "order.cancel", order["id"])
    assert cancel_audit["refunds"][0]["status"] == "failed"

    # The manager repeats it once the gateway takes refunds again: the payment's own refund.
    gateway.refuse_refunds = False
    again = await client.post(
        f"/api/v1/payments/{started.json()['payment']['id']}/refund",
        json={"id": str(uuid.uuid4()), "reason": "duplicate order"},
    )
    assert again.status_code == 201, again.text
    assert gateway.refunds and (await get_order(client, order["id"]))["payment_status"] == "refunded"

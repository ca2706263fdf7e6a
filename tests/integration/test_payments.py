"""Payments over HTTP: split tenders, cash rounding and change, idempotency, concurrency, voids, refunds,
the hot state and events, the invoice job, and the bad input of issue #5."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import select, text

from app.events import PaymentChanged
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.payments import (
    get_order,
    hot_payment,
    invoice_queued,
    new_order,
    pay,
    payment_events,
    payments_shop,
    refund,
    void,
)


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await payments_shop(factory)


async def audit_actions(runtime: Any, entity_id: str) -> list[str]:
    from app.db.models import AuditLog

    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditLog.action).where(AuditLog.entity_id == entity_id).order_by(AuditLog.id)
        )
        return list(rows)


# --------------------------------------------------------------------------- split payments


async def test_split_cash_card_wallet_sum_exactly_to_the_total(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="meal")
    assert order["totals"]["total"] == "30.09"
    assert (order["paid_total"], order["balance"], order["payments"], order["invoice"]) == (
        "0.00",
        "30.09",
        [],
        None,
    )
    branch_id = shop["branch"].id

    card = await pay(client, order["id"], method="card", amount="10.00", reference="TERM-1 4242")
    assert card.status_code == 201, card.text
    assert card.json()["order"] == {
        "id": order["id"],
        "payment_status": "partially_paid",
        "total": "30.09",
        "paid_total": "10.00",
        "balance": "20.09",
        "payment_seq": 1,
    }
    assert await hot_payment(runtime, branch_id, order["id"]) == ("partially_paid", "1", "partially_paid")
    assert not await invoice_queued(runtime, order["id"])

    wallet = await pay(client, order["id"], method="wallet", amount="10.00", reference="W-77")
    assert wallet.status_code == 201, wallet.text
    # The last 10.09 in cash: 10.10 with the 0.05 step, from a 20 note.
    cash = await pay(client, order["id"], method="cash", amount="10.09", tendered="20.00")
    assert cash.status_code == 201, cash.text
    payment = cash.json()["payment"]
    assert (payment["amount"], payment["rounding"], payment["tendered"], payment["change_due"]) == (
        "10.09",
        "0.01",
        "20.00",
        "9.90",
    )
    assert cash.json()["order"]["payment_status"] == "paid"
    assert cash.json()["order"]["balance"] == "0.00"

    read = await get_order(client, order["id"])
    assert (read["payment_status"], read["paid_total"], read["balance"]) == ("paid", "30.09", "0.00")
    assert [p["method"] for p in read["payments"]] == ["card", "wallet", "cash"]
    assert sum(Decimal(p["amount"]) for p in read["payments"]) == Decimal(read["totals"]["total"])
    assert read["payments"][0]["reference"] == "TERM-1 4242"
    assert read["invoice"] is None

    assert await hot_payment(runtime, branch_id, order["id"]) == ("paid", "3", "paid")
    events = await payment_events(runtime, branch_id, order["id"])
    assert [t for t, _ in events] == ["payment.collected"] * 3
    last = msgspec.convert(events[-1][1], PaymentChanged)
    assert (last.seq, last.payment_status, last.paid_total, last.balance, last.amount, last.method) == (
        3,
        "paid",
        "30.09",
        "0.00",
        "10.09",
        "cash",
    )
    assert last.token == order["token"] and last.change_due == "9.90" and last.rounding == "0.01"
    # The order's version did not move: payment status is orthogonal to its state.
    assert read["version"] == 1
    assert await invoice_queued(runtime, order["id"])
    for p in read["payments"]:
        assert await audit_actions(runtime, p["id"]) == ["payment.collect"]


async def test_cash_rounding_up_and_down_and_change(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    # 10.03 rounds up to 10.05: the customer hands 20 and gets 9.95 back; 0.02 is the rounding.
    order = await new_order(client, shop, product="coffee")
    response = await pay(client, order["id"], method="cash", amount="10.05", tendered="20.00")
    assert response.status_code == 201, response.text
    payment = response.json()["payment"]
    assert (payment["amount"], payment["rounding"], payment["tendered"], payment["change_due"]) == (
        "10.03",
        "0.02",
        "20.00",
        "9.95",
    )
    assert response.json()["order"]["payment_status"] == "paid"

    # 10.02 rounds down to 10.00: exact cash settles it; the rounding is -0.02.
    order = await new_order(client, shop, product="tea")
    response = await pay(client, order["id"], method="cash", amount="10.00")
    assert response.status_code == 201, response.text
    payment = response.json()["payment"]
    assert (payment["amount"], payment["rounding"], payment["change_due"]) == ("10.02", "-0.02", None)
    assert response.json()["order"] == response.json()["order"] | {
        "payment_status": "paid",
        "balance": "0.00",
    }

    # A cash amount above what is due, without `tendered`, is the money handed over.
    order = await new_order(client, shop, product="coffee")
    response = await pay(client, order["id"], method="cash", amount="50")
    assert response.status_code == 201, response.text
    payment = response.json()["payment"]
    assert (payment["amount"], payment["tendered"], payment["change_due"]) == ("10.03", "50.00", "39.95")

    # Part-paying in cash does not round: 5.00 of 10.03, the rest by card.
    order = await new_order(client, shop, product="coffee")
    part = await pay(client, order["id"], method="cash", amount="5.00", tendered="5.00")
    assert part.json()["payment"]["rounding"] == "0.00"
    assert part.json()["order"]["balance"] == "5.03"
    rest = await pay(client, order["id"], method="card", amount="5.03")
    assert rest.json()["order"]["payment_status"] == "paid"


async def test_no_cash_rounding_when_the_branch_has_none(factory: Factory, client: httpx.AsyncClient) -> None:
    shop = await payments_shop(factory, cash_rounding="0")
    await login(client, "cashier")
    order = await new_order(client, shop, product="coffee")
    response = await pay(client, order["id"], method="cash", amount="10.03", tendered="10.05")
    payment = response.json()["payment"]
    assert (payment["amount"], payment["rounding"], payment["change_due"]) == ("10.03", "0.00", "0.02")


async def test_non_cash_overpay_is_422_and_cash_may_overpay(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="coffee")
    for method in ("card", "wallet", "bank_transfer"):
        response = await pay(client, order["id"], method=method, amount="10.04")
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "amount"
        assert "10.03" in response.json()["detail"]
    assert (await pay(client, order["id"], method="card", amount="10.03")).status_code == 201
    # Nothing is left: any further tender is refused, cash included.
    for method in ("card", "cash"):
        response = await pay(client, order["id"], method=method, amount="1.00")
        assert response.status_code == 422 and response.json()["field"] == "amount"


# --------------------------------------------------------------------------- idempotency and concurrency


async def test_a_replayed_payment_is_the_same_payment(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="coffee")
    payment_id = str(uuid.uuid4())
    first = await pay(client, order["id"], id=payment_id, method="cash", amount="10.05", tendered="20.00")
    assert first.status_code == 201, first.text
    # Equal numbers written differently are the same request.
    again = await pay(client, order["id"], id=payment_id, method="cash", amount="10.050", tendered=20)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    changed = await pay(client, order["id"], id=payment_id, method="cash", amount="10.05", tendered="50.00")
    assert changed.status_code == 409 and changed.json()["reason"] == "id_reused"
    other = await new_order(client, shop, product="coffee")
    elsewhere = await pay(client, other["id"], id=payment_id, method="cash", amount="10.05", tendered="20.00")
    assert elsewhere.status_code == 409
    # One payment, one event, one audit row.
    assert len(await payment_events(runtime, shop["branch"].id, order["id"])) == 1
    assert await audit_actions(runtime, payment_id) == ["payment.collect"]
    assert len((await get_order(client, order["id"]))["payments"]) == 1
    # Another branch's cashier replaying it learns nothing.
    await login(client, "outsider")
    hidden = await pay(client, order["id"], id=payment_id, method="cash", amount="10.05", tendered="20.00")
    assert hidden.status_code == 404


async def test_concurrent_payments_never_exceed_the_total(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="coffee")  # 10.03
    responses = await asyncio.gather(
        *(pay(client, order["id"], method="card", amount="3.00") for _ in range(8)),
        *(pay(client, order["id"], method="cash", amount="4.00") for _ in range(3)),
    )
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {201, 422}, [r.text for r in responses]
    async with runtime.engine.connect() as conn:
        paid, seq, status = (
            await conn.execute(
                text("SELECT paid_total, payment_seq, payment_status FROM orders WHERE id = :id"),
                {"id": order["id"]},
            )
        ).one()
        captured = (
            await conn.execute(
                text("SELECT coalesce(sum(amount), 0), count(*) FROM payments WHERE order_id = :id"),
                {"id": order["id"]},
            )
        ).one()
    assert paid <= Decimal("10.03")
    assert (captured[0], captured[1]) == (paid, codes.count(201))
    assert seq == codes.count(201)
    # Cash settles whatever is left, so the order ends paid exactly unless no cash got in after the cards.
    assert status in ("paid", "partially_paid")
    assert (await hot_payment(runtime, shop["branch"].id, order["id"]))[1] == str(seq)


async def test_concurrent_replays_of_one_payment_take_it_once(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="coffee")
    payment_id = str(uuid.uuid4())
    responses = await asyncio.gather(
        *(pay(client, order["id"], id=payment_id, method="card", amount="5.00") for _ in range(6))
    )
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
    assert len({r.json()["payment"]["id"] for r in responses}) == 1
    assert (await get_order(client, order["id"]))["paid_total"] == "5.00"


# --------------------------------------------------------------------------- void and refund


async def test_void_by_its_cashier_or_a_manager(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="coffee")
    card = (await pay(client, order["id"], method="card", amount="10.03")).json()["payment"]
    assert (await void(client, card["id"], reason="  ")).status_code == 422

    await login(client, "cashier2")
    refused = await void(client, card["id"])
    assert refused.status_code == 403

    await login(client, "cashier")
    voided = await void(client, card["id"])
    assert voided.status_code == 200, voided.text
    assert voided.json()["payment"]["status"] == "voided"
    assert voided.json()["payment"]["void_reason"] == "keyed twice"
    assert voided.json()["order"] | {"id": None} == {
        "id": None,
        "payment_status": "unpaid",
        "total": "10.03",
        "paid_total": "0.00",
        "balance": "10.03",
        "payment_seq": 2,
    }
    # Voiding again changes nothing and announces nothing.
    assert (await void(client, card["id"])).json()["order"]["payment_seq"] == 2
    events = await payment_events(runtime, shop["branch"].id, order["id"])
    assert [t for t, _ in events] == ["payment.collected", "payment.voided"]
    assert events[1][1]["payment_status"] == "unpaid" and events[1][1]["amount"] == "10.03"
    assert await hot_payment(runtime, shop["branch"].id, order["id"]) == ("unpaid", "2", "unpaid")
    assert await audit_actions(runtime, card["id"]) == ["payment.collect", "payment.void"]

    # A manager voids anyone's.
    second = (await pay(client, order["id"], method="wallet", amount="10.03")).json()["payment"]
    await login(client, "boss")
    assert (await void(client, second["id"])).json()["payment"]["status"] == "voided"
    # Another branch's manager does not see it.
    await login(client, "stranger")
    assert (await void(client, second["id"])).status_code == 404
    assert (await void(client, str(uuid.uuid4()))).status_code == 404


async def test_no_void_once_invoiced_or_refunded(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, product="coffee")
    first = (await pay(client, order["id"], method="card", amount="5.00")).json()["payment"]
    assert (await refund(client, first["id"], amount="1.00")).status_code == 201
    refused = await void(client, first["id"])
    assert refused.status_code == 409 and refused.json()["reason"] == "partially_refunded"

    second = (await pay(client, order["id"], method="card", amount="5.03")).json()["payment"]
    async with runtime.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO invoices (id, branch_id, order_id, series, fiscal_year, number, number_text,"
                " issue_date, seller_name, currency, currency_exponent, prices_include_tax, subtotal,"
                " tax_total, total) VALUES (:id, :b, :o, 'PY', 2026, 1, 'PY-2026-000001', current_date,"
                " 'Payments', 'EGP', 2, true, 8.80, 1.23, 10.03)"
            ),
            {"id": str(uuid.uuid4()), "b": shop["branch"].id, "o": order["id"]},
        )
    refused = await void(client, second["id"])
    assert refused.status_code == 409 and refused.json()["reason"] == "invoiced"
    read = await get_order(client, order["id"])
    assert read["invoice"]["number"] == "PY-2026-000001"


async def test_refunds_are_a_managers_and_move_the_status(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="meal")  # 30.09
    card = (await pay(client, order["id"], method="card", amount="20.00")).json()["payment"]
    cash = (await pay(client, order["id"], method="cash", amount="10.09", tendered="10.10")).json()["payment"]
    assert (await refund(client, card["id"])).status_code == 403

    await login(client, "boss")
    assert (await refund(client, card["id"], reason="")).status_code == 422
    too_much = await refund(client, card["id"], amount="20.01")
    assert too_much.status_code == 422 and too_much.json()["field"] == "amount"

    refund_id = str(uuid.uuid4())
    part = await refund(client, card["id"], id=refund_id, amount="5.00")
    assert part.status_code == 201, part.text
    body = part.json()
    assert body["refund"]["amount"] == "5.00"
    assert (body["payment"]["status"], body["payment"]["refunded_amount"]) == ("partially_refunded", "5.00")
    assert (body["order"]["payment_status"], body["order"]["paid_total"]) == ("partially_paid", "25.09")
    # Replayed: the same refund; changed: 409.
    again = await refund(client, card["id"], id=refund_id, amount="5")
    assert again.status_code == 200 and again.json()["refund"] == body["refund"]
    assert (await refund(client, card["id"], id=refund_id, amount="6.00")).status_code == 409
    assert (await refund(client, cash["id"], id=refund_id, amount="5.00")).status_code == 409

    # The rest of both, with the default amount (everything refundable).
    rest = await refund(client, card["id"])
    assert rest.json()["payment"]["status"] == "refunded"
    assert rest.json()["order"]["payment_status"] == "partially_paid"
    last = await refund(client, cash["id"])
    assert last.json()["order"] | {"id": None} == {
        "id": None,
        "payment_status": "refunded",
        "total": "30.09",
        "paid_total": "0.00",
        "balance": "30.09",
        "payment_seq": 5,
    }
    nothing_left = await refund(client, cash["id"], amount="0.01")
    assert nothing_left.status_code == 409

    read = await get_order(client, order["id"])
    assert [len(p["refunds"]) for p in read["payments"]] == [2, 1]
    events = await payment_events(runtime, shop["branch"].id, order["id"])
    assert [t for t, _ in events] == ["payment.collected"] * 2 + ["payment.refunded"] * 3
    assert events[-1][1]["refund_id"] == last.json()["refund"]["id"]
    assert await hot_payment(runtime, shop["branch"].id, order["id"]) == ("refunded", "5", "refunded")
    assert await audit_actions(runtime, refund_id) == ["payment.refund"]

    await login(client, "stranger")
    assert (await refund(client, card["id"])).status_code == 404


# --------------------------------------------------------------------------- on account


async def test_on_account_needs_a_customer_with_credit(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cashier")
    anonymous = await new_order(client, shop, product="coffee")
    response = await pay(client, anonymous["id"], method="on_account", amount="10.03")
    assert response.status_code == 422 and response.json()["field"] == "method"

    walkin = await new_order(client, shop, product="coffee", customer=shop["walkin"])
    response = await pay(client, walkin["id"], method="on_account", amount="10.03")
    assert response.status_code == 422 and "no account" in response.json()["detail"]

    # Rania's limit is 25.00: two coffees fit (20.06), a third does not (4.94 left).
    for _ in range(2):
        order = await new_order(client, shop, product="coffee", customer=shop["regular"])
        response = await pay(client, order["id"], method="on_account", amount="10.03")
        assert response.status_code == 201, response.text
        assert response.json()["payment"]["customer_id"] == shop["regular"].id
    order = await new_order(client, shop, product="coffee", customer=shop["regular"])
    response = await pay(client, order["id"], method="on_account", amount="10.03")
    assert response.status_code == 422 and "4.94 left" in response.json()["detail"]
    assert (await pay(client, order["id"], method="on_account", amount="4.94")).status_code == 201


# --------------------------------------------------------------------------- the completed guard


async def test_a_paid_order_completes_and_an_unpaid_one_does_not(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop, product="coffee")
    assert (
        await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "ready"})
    ).status_code == 200
    await login(client, "cashier")
    refused = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "completed"})
    assert refused.status_code == 409 and refused.json()["reason"] == "unpaid"
    assert (await pay(client, order["id"], method="card", amount="5.00")).status_code == 201
    refused = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "completed"})
    assert refused.status_code == 409 and refused.json()["reason"] == "unpaid"
    assert (await pay(client, order["id"], method="cash", amount="5.05")).status_code == 201
    done = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "completed"})
    assert done.status_code == 200, done.text


# --------------------------------------------------------------------------- bad input (issue #5)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"method": "card", "amount": "0"}, 422, "amount"),
        ({"method": "card", "amount": "-1.00"}, 422, "amount"),
        ({"method": "card", "amount": "abc"}, 422, "amount"),
        ({"method": "card", "amount": "NaN"}, 422, "amount"),
        ({"method": "card", "amount": "Infinity"}, 422, "amount"),
        ({"method": "card", "amount": "1.001"}, 422, "amount"),
        ({"method": "card", "amount": "1e12"}, 422, "amount"),
        ({"method": "card", "amount": True}, 400, None),
        ({"method": "card", "amount": "10.04"}, 422, "amount"),
        ({"method": "card", "amount": "1.00", "tendered": "5.00"}, 422, "tendered"),
        ({"method": "cash", "amount": "10.05", "tendered": "10.00"}, 422, "tendered"),
        ({"method": "cash", "amount": "1.00", "tendered": "x"}, 422, "tendered"),
        ({"method": "cash", "amount": "1.00", "shift_id": str(uuid.uuid4())}, 422, "shift_id"),
        ({"method": "cheque", "amount": "1.00"}, 400, None),
        ({"method": "card"}, 400, None),
        ({"method": "card", "amount": "1.00", "surprise": 1}, 400, None),
        ({"method": "card", "amount": "1.00", "reference": ""}, 400, None),
        ({"method": "card", "amount": "1.00", "id": "not-a-uuid"}, 400, None),
    ],
)
async def test_bad_payment_bodies(
    client: httpx.AsyncClient, shop: dict[str, Any], body: dict[str, Any], status: int, field: str | None
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="coffee")
    response = await pay(client, order["id"], **body)
    assert response.status_code == status, response.text
    if field is not None:
        assert response.json()["field"] == field
    assert (await get_order(client, order["id"]))["payments"] == []


async def test_payment_refusals_by_order(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    # Another branch's order is a 404, like one that does not exist.
    await login(client, "outsider")
    theirs = await new_order(client, shop, product="coffee", branch=shop["other"])
    await login(client, "cashier")
    assert (await pay(client, theirs["id"], method="card", amount="1.00")).status_code == 404
    assert (await pay(client, str(uuid.uuid4()), method="card", amount="1.00")).status_code == 404
    assert (await client.post("/api/v1/orders/nope/payments", json={})).status_code in (400, 404)

    # A cancelled order takes no money (hot state first; PostgreSQL once the hash is gone).
    await login(client, "boss")
    order = await new_order(client, shop, product="coffee")
    cancelled = await client.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "cancelled", "reason": "left"}
    )
    assert cancelled.status_code == 200, cancelled.text
    response = await pay(client, order["id"], method="card", amount="1.00")
    assert response.status_code == 409 and response.json()["reason"] == "cancelled"
    await runtime.redis.delete(runtime.keys.order(shop["branch"].id, order["id"]))
    async with runtime.engine.begin() as conn:
        await conn.execute(text("UPDATE orders SET state = 'cancelled' WHERE id = :id"), {"id": order["id"]})
    response = await pay(client, order["id"], method="card", amount="1.00")
    assert response.status_code == 409

    # Kitchen staff take no money.
    fresh = await new_order(client, shop, product="coffee")
    await login(client, "cook")
    assert (await pay(client, fresh["id"], method="card", amount="1.00")).status_code == 403

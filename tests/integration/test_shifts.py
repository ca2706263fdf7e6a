"""Shifts and the cash drawer over HTTP: open with a float, cash in/out, expected vs counted with cash
rounding, refunds and voids, the close, the Z report, and the refusals."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.payments import new_order, pay, payments_shop, pos_profile, refund, set_till, void


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    shop = await payments_shop(factory)
    shop["till"] = await pos_profile(factory, shop["branch"], code="till1")
    shop["loose_till"] = await pos_profile(factory, shop["branch"], code="till2", require_shift=False)
    shop["foreign_till"] = await pos_profile(factory, shop["other"], code="far")
    return shop


async def open_shift(
    client: httpx.AsyncClient, till: Any, opening_cash: str = "100.00", **body: Any
) -> httpx.Response:
    body = {"id": str(uuid.uuid4()), "pos_profile_id": till.id, "opening_cash": opening_cash, **body}
    return await client.post("/api/v1/shifts", json=body)


async def move_cash(
    client: httpx.AsyncClient, shift_id: str, kind: str, amount: str, reason: str, **body: Any
) -> httpx.Response:
    body = {"id": str(uuid.uuid4()), "kind": kind, "amount": amount, "reason": reason, **body}
    return await client.post(f"/api/v1/shifts/{shift_id}/cash-movements", json=body)


async def close(
    client: httpx.AsyncClient, shift_id: str, counted: dict[str, Any], note: str = ""
) -> httpx.Response:
    return await client.post(f"/api/v1/shifts/{shift_id}/close", json={"counted": counted, "note": note})


async def till_order(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, product: str
) -> dict[str, Any]:
    order = await new_order(client, shop, product=product)
    await set_till(runtime, order["id"], shop["till"].id)
    return order


async def test_expected_against_counted_with_rounding_refunds_voids_and_movements(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    # No shift yet is an answer, not an error (the till asks at every start).
    none = await client.get(f"/api/v1/pos/profiles/{shop['till'].id}/shift")
    assert (none.status_code, none.json()) == (200, None)
    opened = await open_shift(client, shop["till"], "100.00")
    assert opened.status_code == 201, opened.text
    shift = opened.json()
    shift_id = shift["id"]
    assert (shift["status"], shift["opening_cash"]) == ("open", "100.00")
    current = await client.get(f"/api/v1/pos/profiles/{shop['till'].id}/shift")
    assert current.json()["id"] == shift_id

    # Cash without naming the shift goes to the till's open one: 10.03 paid as 10.05 (+0.02).
    coffee = await till_order(client, shop, runtime, "coffee")
    first = await pay(client, coffee["id"], method="cash", amount="10.05", tendered="20.00")
    assert first.status_code == 201, first.text
    assert first.json()["payment"]["shift_id"] == shift_id
    # 10.02 paid as 10.00 (-0.02).
    tea = await till_order(client, shop, runtime, "tea")
    assert (await pay(client, tea["id"], method="cash", amount="10.00", shift_id=shift_id)).status_code == 201
    # 30.09: 20.00 by card, 10.09 in cash paid as 10.10 (+0.01).
    meal = await till_order(client, shop, runtime, "meal")
    card = await pay(client, meal["id"], method="card", amount="20.00")
    assert card.json()["payment"]["shift_id"] == shift_id  # the till's open shift, whatever the method
    assert (
        await pay(client, meal["id"], method="cash", amount="10.09", tendered="10.10", shift_id=shift_id)
    ).status_code == 201
    # Keyed by mistake and voided: counts nowhere.
    mistake = await till_order(client, shop, runtime, "coffee")
    wrong = await pay(client, mistake["id"], method="cash", amount="10.05", shift_id=shift_id)
    assert (await void(client, wrong.json()["payment"]["id"])).status_code == 200
    # Money back: 5.00 cash from the drawer, 2.00 to the card.
    await login(client, "boss")
    cash_refund = await refund(client, first.json()["payment"]["id"], amount="5.00")
    assert cash_refund.json()["refund"]["shift_id"] == shift_id
    assert (await refund(client, card.json()["payment"]["id"], amount="2.00")).status_code == 201
    await login(client, "cashier")
    assert (await move_cash(client, shift_id, "in", "20.00", "float top-up")).status_code == 201
    assert (await move_cash(client, shift_id, "out", "50.00", "bank drop")).status_code == 201

    summary = (await client.get(f"/api/v1/shifts/{shift_id}/summary")).json()
    # Opening 100, cash taken 10.03, 10.02 and 10.09, rounding +0.02 -0.02 +0.01, refund 5, in 20, out 50.
    assert summary["cash"] == {
        "opening": "100.00",
        "taken": "30.14",
        "rounding": "0.01",
        "refunded": "5.00",
        "cash_in": "20.00",
        "cash_out": "50.00",
        "expected": "95.15",
        "expenses": "0.00",  # petty cash (app/expenses): tests/integration/test_expenses.py
    }
    methods = {m["method"]: m for m in summary["methods"]}
    assert (methods["cash"]["payments"], methods["cash"]["expected"]) == (3, "95.15")
    assert (methods["card"]["payments"], methods["card"]["refunds"], methods["card"]["expected"]) == (
        1,
        1,
        "18.00",
    )
    assert summary["voided"] == 1 and summary["counts"] == [] and summary["difference"] is None

    # The drawer holds 95.10: 0.05 short; the card terminal agrees.
    closed = await close(client, shift_id, {"cash": "95.10", "card": "18.00"}, note="a coin under the till")
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["shift"]["status"] == "closed" and body["shift"]["closing_note"] == "a coin under the till"
    assert body["counts"] == [
        {"method": "cash", "expected": "95.15", "counted": "95.10", "difference": "-0.05"},
        {"method": "card", "expected": "18.00", "counted": "18.00", "difference": "0.00"},
    ]
    assert body["difference"] == "-0.05"
    # Closing again with the same counts is the same answer; other counts are a conflict.
    assert (await close(client, shift_id, {"cash": "95.1", "card": "18"})).json() == body
    assert (await close(client, shift_id, {"cash": "95.15"})).status_code == 409
    assert (await move_cash(client, shift_id, "in", "1.00", "late")).status_code == 409
    assert (await client.get(f"/api/v1/pos/profiles/{shop['till'].id}/shift")).json() is None

    report = await client.get(f"/api/v1/shifts/{shift_id}/report", params={"format": "json"})
    assert report.status_code == 200
    assert report.json()["summary"] == body
    assert report.json()["till_name"] == "Till1"
    html = await client.get(f"/api/v1/shifts/{shift_id}/report")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    page = html.text
    assert "size: 80mm auto" in page and "Z report" in page
    assert "95.15" in page and "95.10" in page and "Short" in page and "bank drop" in page

    # A sale made offline and replayed after the close still names its (closed) shift.
    late = await till_order(client, shop, runtime, "round")
    replayed = await pay(client, late["id"], method="cash", amount="10.00", shift_id=shift_id)
    assert replayed.status_code == 201, replayed.text
    after = (await client.get(f"/api/v1/shifts/{shift_id}/summary")).json()
    assert after["cash"]["expected"] == "105.15"
    assert after["counts"] == body["counts"]  # what was counted at the close stays as it was

    # The till opens again.
    assert (await open_shift(client, shop["till"], "0")).status_code == 201


async def test_one_open_shift_per_till(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    responses = await asyncio.gather(*(open_shift(client, shop["till"]) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    refused = next(r for r in responses if r.status_code == 409).json()
    winner = next(r for r in responses if r.status_code == 201).json()
    assert refused["reason"] == "shift_open" and refused["shift_id"] == winner["id"]
    # Another till is free.
    assert (await open_shift(client, shop["loose_till"])).status_code == 201


async def test_open_and_movements_are_idempotent(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    shift_id = str(uuid.uuid4())
    first = await open_shift(client, shop["till"], "50.00", id=shift_id)
    assert first.status_code == 201
    again = await open_shift(client, shop["till"], "50", id=shift_id)
    assert again.status_code == 200 and again.json() == first.json()
    assert (await open_shift(client, shop["till"], "60.00", id=shift_id)).status_code == 409

    movement_id = str(uuid.uuid4())
    made = await move_cash(client, shift_id, "out", "10.00", "petty cash: milk", id=movement_id)
    assert made.status_code == 201, made.text
    replay = await move_cash(client, shift_id, "out", "10", "petty cash: milk", id=movement_id)
    assert replay.status_code == 200 and replay.json() == made.json()
    assert (
        await move_cash(client, shift_id, "in", "10.00", "petty cash: milk", id=movement_id)
    ).status_code == 409
    summary = (await client.get(f"/api/v1/shifts/{shift_id}/summary")).json()
    assert summary["cash"]["expected"] == "40.00" and len(summary["movements"]) == 1


async def test_report_escapes_what_people_typed(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    shift_id = (await open_shift(client, shop["till"], "10.00")).json()["id"]
    assert (await move_cash(client, shift_id, "in", "1.00", "<script>alert(1)</script>")).status_code == 201
    page = (await client.get(f"/api/v1/shifts/{shift_id}/report")).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "not closed yet" in page


async def test_a_till_that_needs_a_shift_refuses_cash_without_one(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    order = await till_order(client, shop, runtime, "coffee")
    refused = await pay(client, order["id"], method="cash", amount="10.05")
    assert refused.status_code == 422 and refused.json()["field"] == "shift_id"
    # Card needs no drawer; a till that does not need shifts takes cash without one.
    assert (await pay(client, order["id"], method="card", amount="1.00")).status_code == 201
    loose = await new_order(client, shop, product="coffee")
    await set_till(runtime, loose["id"], shop["loose_till"].id)
    taken = await pay(client, loose["id"], method="cash", amount="10.05")
    assert taken.status_code == 201 and taken.json()["payment"]["shift_id"] is None
    # Another branch's shift is unknown here.
    await login(client, "outsider")
    foreign = (await open_shift(client, shop["foreign_till"])).json()["id"]
    await login(client, "cashier")
    wrong = await pay(client, order["id"], method="cash", amount="9.05", shift_id=foreign)
    assert wrong.status_code == 422 and wrong.json()["field"] == "shift_id"


@pytest.mark.parametrize(
    ("opening", "field"),
    [("-1", "opening_cash"), ("abc", "opening_cash"), ("1.001", "opening_cash"), ("NaN", "opening_cash")],
)
async def test_bad_openings(
    client: httpx.AsyncClient, shop: dict[str, Any], opening: str, field: str
) -> None:
    await login(client, "cashier")
    response = await open_shift(client, shop["till"], opening)
    assert response.status_code == 422 and response.json()["field"] == field


async def test_refusals(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    for till_id in (shop["foreign_till"].id, 999_999):
        response = await client.post(
            "/api/v1/shifts", json={"id": str(uuid.uuid4()), "pos_profile_id": till_id, "opening_cash": "1"}
        )
        assert response.status_code == 422 and response.json()["field"] == "pos_profile_id"
    assert (await client.get(f"/api/v1/pos/profiles/{shop['foreign_till'].id}/shift")).status_code == 404
    shift_id = (await open_shift(client, shop["till"], "30.00")).json()["id"]

    bad_movements = [
        ({"kind": "in", "amount": "5.00", "reason": " "}, 422, "reason"),
        ({"kind": "in", "amount": "0", "reason": "x"}, 422, "amount"),
        ({"kind": "out", "amount": "30.01", "reason": "more than the drawer"}, 422, "amount"),
        ({"kind": "sideways", "amount": "1", "reason": "x"}, 400, None),
    ]
    for body, status, field in bad_movements:
        response = await move_cash(client, shift_id, **body)
        assert response.status_code == status, (body, response.text)
        if field:
            assert response.json()["field"] == field
    bad_closes = [
        ({"card": "1.00"}, "counted.cash"),
        ({"cash": "-1"}, "counted.cash"),
        ({"cash": "1", "cheque": "2"}, "counted.cheque"),
    ]
    for counted, field in bad_closes:
        response = await close(client, shift_id, counted)
        assert response.status_code == 422 and response.json()["field"] == field, response.text
    assert (await client.get(f"/api/v1/shifts/{shift_id}/summary")).json()["shift"]["status"] == "open"

    await login(client, "stranger")
    for response in (
        await client.get(f"/api/v1/shifts/{shift_id}/summary"),
        await client.get(f"/api/v1/shifts/{shift_id}/report"),
        await close(client, shift_id, {"cash": "30.00"}),
        await move_cash(client, shift_id, "in", "1.00", "x"),
        await client.get(f"/api/v1/shifts/{uuid.uuid4()}/summary"),
    ):
        assert response.status_code == 404, response.text
    await login(client, "cook")
    assert (await client.get(f"/api/v1/shifts/{shift_id}/summary")).status_code == 403
    assert Decimal("30.00") == Decimal((await _summary_as(client, shop, shift_id))["cash"]["expected"])


async def _summary_as(client: httpx.AsyncClient, shop: dict[str, Any], shift_id: str) -> dict[str, Any]:
    await login(client, "boss")
    return dict((await client.get(f"/api/v1/shifts/{shift_id}/summary")).json())

"""The customer statement (issue 5 item 4): invoices, payments of every method and refunds in date order,
with the running balance the customer owes on account (on_account charges minus their refunds)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.invoices.services import issue_for_order
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.invoices import order_row, payment, priced, refund

UTC = dt.UTC


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 5, day, hour, 0, tzinfo=UTC)


@pytest.fixture
async def history(factory: Factory, runtime: Any) -> dict[str, Any]:
    from app.db.models import Customer

    home = await factory.branch(code="HOME", timezone="Asia/Dubai")
    away = await factory.branch(code="AWAY")
    never = await factory.branch(code="NVR")
    burger = await factory.product("Burger", price="100.00")
    customer = Customer(name="Karim", company_name="Karim Co", credit_limit=Decimal("500"))
    stranger = Customer(name="Nobody")
    factory.session.add_all([customer, stranger])
    await factory.user("boss", roles=("manager",), branches=(home,))
    await factory.user("till", roles=("cashier",), branches=(home,))
    await factory.user("cook", roles=("kitchen",), branches=(home,))
    await factory.user("nvr", roles=("manager",), branches=(never,))
    await factory.user("root", roles=("admin",))
    await factory.commit()

    async def sale(branch: Any, price: str, when: dt.datetime) -> Any:
        order = await order_row(
            factory.session, branch=branch, customer=customer, lines=[priced(burger, unit_price=price)]
        )
        async with runtime.sessionmaker() as session:
            await issue_for_order(
                session, runtime.redis, runtime.keys, runtime.bus, order_id=order.id, now=when
            )
        return order

    # 2 May: 114.00 by card. 4 May: 57.00 on account. 6 May: 20.00 of it refunded. 8 May: 11.40 in cash.
    # 9 May 21:30 UTC is already 10 May in Dubai. Away branch: 22.80 on account on 5 May.
    first = await sale(home, "100.00", at(2))
    await payment(factory.session, first, method="card", amount="114.00", reference="C-1", at=at(2))
    second = await sale(home, "50.00", at(4))
    charged = await payment(
        factory.session, second, method="on_account", amount="57.00", customer=customer, at=at(4)
    )
    await refund(factory.session, charged, amount="20.00", reason="cold fries", at=at(6))
    third = await sale(home, "10.00", at(8))
    await payment(
        factory.session, third, method="cash", amount="11.40", tendered="20.00", change_due="8.60", at=at(8)
    )
    late = await sale(home, "1.00", at(9, 21))
    await payment(
        factory.session,
        late,
        method="on_account",
        amount="1.14",
        customer=customer,
        at=dt.datetime(2026, 5, 9, 21, 30, tzinfo=UTC),
    )
    await payment(factory.session, late, method="card", amount="9.99", status="voided", at=at(9))
    elsewhere = await sale(away, "20.00", at(5))
    await payment(
        factory.session, elsewhere, method="on_account", amount="22.80", customer=customer, at=at(5)
    )
    await factory.session.commit()
    return {"customer": customer, "stranger": stranger}


async def statement(client: httpx.AsyncClient, customer_id: int, **params: str) -> httpx.Response:
    return await client.get(f"/api/v1/customers/{customer_id}/statement", params=params)


async def test_the_statement_runs_the_on_account_balance_in_date_order(
    client: httpx.AsyncClient, history: dict[str, Any]
) -> None:
    await login(client, "boss")
    response = await statement(client, history["customer"].id)
    assert response.status_code == 200, response.text
    body = response.json()
    rows = [(e["kind"], e["method"], e["amount"], e["account_change"], e["balance"]) for e in body["entries"]]
    assert rows == [
        ("invoice", "invoice", "114.00", "0.00", "0.00"),
        ("payment", "card", "114.00", "0.00", "0.00"),
        ("invoice", "invoice", "57.00", "0.00", "0.00"),
        ("payment", "on_account", "57.00", "57.00", "57.00"),
        ("refund", "on_account", "-20.00", "-20.00", "37.00"),
        ("invoice", "invoice", "11.40", "0.00", "37.00"),
        ("payment", "cash", "11.40", "0.00", "37.00"),
        ("invoice", "invoice", "1.14", "0.00", "37.00"),
        ("payment", "on_account", "1.14", "1.14", "38.14"),
    ]
    assert body["entries"][0]["reference"].startswith("HOME-2026-")
    assert body["entries"][4]["reference"] == "cold fries"
    assert (body["opening_balance"], body["closing_balance"], body["credit_limit"]) == (
        "0.00",
        "38.14",
        "500.00",
    )
    assert body["totals"] == {
        "invoiced": "183.54",
        "paid": "183.54",
        "refunded": "20.00",
        "on_account_charged": "58.14",
        "on_account_refunded": "20.00",
    }


async def test_a_period_starts_from_the_balance_before_it_in_local_dates(
    client: httpx.AsyncClient, history: dict[str, Any]
) -> None:
    await login(client, "till")
    body = (
        await statement(client, history["customer"].id, **{"from": "2026-05-05", "to": "2026-05-09"})
    ).json()
    assert (body["from"], body["to"]) == ("2026-05-05", "2026-05-09")
    assert body["opening_balance"] == "57.00"
    assert [(e["kind"], e["balance"]) for e in body["entries"]] == [
        ("refund", "37.00"),
        ("invoice", "37.00"),
        ("payment", "37.00"),
    ]
    # The 21:30 UTC charge on 9 May is on 10 May in Dubai: after this period.
    assert body["closing_balance"] == "37.00"
    tenth = (await statement(client, history["customer"].id, **{"from": "2026-05-10"})).json()
    assert [e["amount"] for e in tenth["entries"]] == ["1.14", "1.14"]
    assert (tenth["opening_balance"], tenth["closing_balance"]) == ("37.00", "38.14")


async def test_an_admin_sees_every_branch(client: httpx.AsyncClient, history: dict[str, Any]) -> None:
    await login(client, "root")
    body = (await statement(client, history["customer"].id)).json()
    assert len(body["entries"]) == 11
    assert body["closing_balance"] == "60.94"


async def test_only_staff_of_a_branch_where_the_customer_bought_see_it(
    client: httpx.AsyncClient, history: dict[str, Any]
) -> None:
    customer_id = history["customer"].id
    await login(client, "nvr")
    assert (await statement(client, customer_id)).status_code == 404
    await login(client, "cook")
    assert (await statement(client, customer_id)).status_code == 403
    await login(client, "boss")
    assert (await statement(client, history["stranger"].id)).status_code == 404
    assert (await statement(client, 987654)).status_code == 404
    bad = await statement(client, customer_id, **{"from": "2026-05-09", "to": "2026-05-01"})
    assert bad.status_code == 422 and bad.json()["field"] == "from"
    assert (await statement(client, customer_id, **{"from": "yesterday"})).status_code == 400
    assert (await client.get("/api/v1/customers/0/statement")).status_code in (400, 404)

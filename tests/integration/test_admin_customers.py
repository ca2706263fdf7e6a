"""The back office's customer book over HTTP: balances and filters, phones read per the branch's country, edits,
merging duplicates, deleting (anonymised when their orders and invoices keep them), each change audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditLog, Customer, CustomerPhone, Order
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.invoices import order_row, payment, priced, refund

UTC = dt.UTC


@pytest.fixture
async def book(factory: Factory) -> dict[str, Any]:
    cairo = await factory.branch(code="CAI", country="EG")
    london = await factory.branch(code="LDN", country="GB", timezone="Europe/London", currency="GBP")
    burger = await factory.product("Burger", price="100.00")
    karim = Customer(name="Karim", company_name="Karim Co", credit_limit=Decimal("50"))
    nour = Customer(name="Nour", home_branch_id=london.id)
    quiet = Customer(name="Quiet")
    factory.session.add_all([karim, nour, quiet])
    await factory.session.flush()
    factory.session.add(CustomerPhone(customer_id=karim.id, phone="+201005550010", is_primary=True))
    await factory.user("boss", roles=("manager",), branches=(cairo, london))
    await factory.user("cairo_boss", roles=("manager",), branches=(cairo,))
    await factory.user("till", roles=("cashier",), branches=(cairo,))
    await factory.commit()
    sale = await order_row(
        factory.session, branch=cairo, customer=karim, lines=[priced(burger, unit_price="50.00")]
    )
    charged = await payment(factory.session, sale, method="on_account", amount="57.00", customer=karim)
    await refund(factory.session, charged, amount="20.00", reason="cold fries")
    await factory.session.commit()
    return {"cairo": cairo, "london": london, "karim": karim, "nour": nour, "quiet": quiet}


async def rows(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/admin/customers", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_list_shows_balances_and_filters_by_balance_branch_and_last_order(
    client: httpx.AsyncClient, book: dict[str, Any]
) -> None:
    await login(client, "boss")
    everyone = await rows(client)
    assert [(r["name"], r["balance"], r["credit_limit"], r["orders"]) for r in everyone] == [
        ("Karim", "37.00", "50.00", 1),
        ("Nour", "0.00", "0.00", 0),
        ("Quiet", "0.00", "0.00", 0),
    ]
    assert [r["name"] for r in await rows(client, owing="true")] == ["Karim"]
    assert [r["name"] for r in await rows(client, owing="false")] == ["Nour", "Quiet"]
    assert [r["name"] for r in await rows(client, branch_id=book["cairo"].id)] == ["Karim"]
    assert [r["name"] for r in await rows(client, branch_id=book["london"].id)] == ["Nour"]
    today = dt.datetime.now(UTC).date()
    assert [r["name"] for r in await rows(client, ordered_since=str(today))] == ["Karim"]
    assert [r["name"] for r in await rows(client, not_ordered_since=str(today))] == ["Nour", "Quiet"]
    assert [r["name"] for r in await rows(client, q="0100 555 0010")] == ["Karim"]
    page = await client.get("/api/v1/admin/customers", params={"page_size": 2, "page": 2})
    assert [r["name"] for r in page.json()["items"]] == ["Quiet"]
    assert page.json()["total"] == 3


async def test_a_manager_filtering_on_another_branch_gets_a_404(
    client: httpx.AsyncClient, book: dict[str, Any]
) -> None:
    await login(client, "cairo_boss")
    response = await client.get("/api/v1/admin/customers", params={"branch_id": book["london"].id})
    assert response.status_code == 404


async def test_a_local_and_an_international_number_are_one_customer(
    client: httpx.AsyncClient, book: dict[str, Any], db_session: AsyncSession
) -> None:
    await login(client, "boss")
    made = await client.post(
        "/api/v1/admin/customers",
        json={
            "name": "Mona",
            "phones": ["0100 555 0002"],
            "branch_id": book["cairo"].id,
            "credit_limit": "300",
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["phones"] == [{"phone": "+201005550002", "is_primary": True}]
    assert made.json()["credit_limit"] == "300.00"
    again = await client.post(
        "/api/v1/admin/customers", json={"name": "Mona again", "phones": ["+20 100 555 0002"]}
    )
    assert again.status_code == 409
    assert again.json()["extra"]["customer_id"] == made.json()["id"]
    # The same digits typed the local way in London are a British number, which this is not.
    london = await client.post(
        "/api/v1/admin/customers",
        json={"name": "Mona", "phones": ["0100 555 0002"], "branch_id": book["london"].id},
    )
    assert london.status_code == 422
    assert "not a valid phone number in GB" in london.json()["detail"]
    # Without a branch, a manager of two countries must give the country code.
    unsure = await client.post("/api/v1/admin/customers", json={"name": "X", "phones": ["0100 555 0003"]})
    assert unsure.status_code == 422
    assert "country code" in unsure.json()["detail"]


async def test_an_edit_replaces_phones_and_addresses_and_is_audited(
    client: httpx.AsyncClient, book: dict[str, Any], db_session: AsyncSession
) -> None:
    await login(client, "boss")
    karim = book["karim"].id
    body = {
        "name": "Karim Adel",
        "phones": ["0111 222 3333", "02 2735 0005"],
        "branch_id": book["cairo"].id,
        "credit_limit": "75.50",
        "note": "pays monthly",
        "addresses": [{"address": "1 Nile St", "label": "Office"}],
    }
    response = await client.put(f"/api/v1/admin/customers/{karim}", json=body)
    assert response.status_code == 200, response.text
    record = response.json()
    assert [p["phone"] for p in record["phones"]] == ["+201112223333", "+20227350005"]
    assert record["balance"] == "37.00"
    assert record["statement_url"] == f"/api/v1/customers/{karim}/statement"
    assert [o["total"] for o in record["last_orders"]] == ["57.00"]
    row = await db_session.scalar(select(AuditLog).where(AuditLog.action == "customer.update"))
    assert row is not None
    assert row.data["before"]["phones"] == ["+201005550010"]
    assert row.data["after"]["phones"] == ["+201112223333", "+20227350005"]
    assert row.data["after"]["credit_limit"] == "75.50"
    bad = await client.put(f"/api/v1/admin/customers/{karim}", json=body | {"credit_limit": "-1"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "credit_limit"


async def test_duplicates_from_before_the_phone_rules_are_found_and_merged(
    client: httpx.AsyncClient, book: dict[str, Any], factory: Factory, db_session: AsyncSession
) -> None:
    # Kept as typed by the previous release: one number, two customers.
    old = await factory.customer("Salma (old)", phone="01005550099")
    new = await factory.customer("Salma", phone="+201005550099")
    await factory.session.commit()
    sale = await order_row(factory.session, branch=book["cairo"], customer=old, lines=[])
    await factory.session.commit()
    await login(client, "cairo_boss")
    groups = (await client.get("/api/v1/admin/customers/duplicates")).json()
    assert [(g["phone"], [c["name"] for c in g["customers"]]) for g in groups] == [
        ("+201005550099", ["Salma (old)", "Salma"])
    ]
    merged = await client.post(f"/api/v1/admin/customers/{new.id}/merge", json={"source_id": old.id})
    assert merged.status_code == 200, merged.text
    assert sorted(p["phone"] for p in merged.json()["phones"]) == ["+201005550099", "01005550099"]
    assert merged.json()["orders"] == 1
    assert await db_session.scalar(select(Order.customer_id).where(Order.id == sale.id)) == new.id
    assert await db_session.scalar(select(Customer.id).where(Customer.id == old.id)) is None
    row = await db_session.scalar(select(AuditLog).where(AuditLog.action == "customer.merge"))
    assert row is not None
    assert row.data["after"]["merged"] == old.id
    assert row.data["after"]["moved"]["orders"] == 1
    assert (
        await client.post(f"/api/v1/admin/customers/{new.id}/merge", json={"source_id": new.id})
    ).status_code == 422


async def test_delete_removes_a_stranger_and_anonymises_a_customer_with_orders(
    client: httpx.AsyncClient, book: dict[str, Any], db_session: AsyncSession
) -> None:
    quiet_id, karim_id = book["quiet"].id, book["karim"].id
    await login(client, "boss")
    quiet = await client.delete(f"/api/v1/admin/customers/{quiet_id}")
    assert quiet.json() == {"id": quiet_id, "outcome": "deleted"}
    assert await db_session.scalar(select(Customer.id).where(Customer.id == quiet_id)) is None

    karim = await client.delete(f"/api/v1/admin/customers/{karim_id}")
    assert karim.json() == {"id": karim_id, "outcome": "anonymised"}
    kept = (
        await db_session.execute(
            select(Customer.name, Customer.company_name, Customer.anonymised_at).where(
                Customer.id == karim_id
            )
        )
    ).one()
    assert (kept[0], kept[1], kept[2] is not None) == (f"Deleted customer {karim_id}", None, True)
    assert await db_session.scalar(select(func.count()).where(CustomerPhone.customer_id == karim_id)) == 0
    assert [r["name"] for r in await rows(client)] == ["Nour"]
    assert (await client.get(f"/api/v1/admin/customers/{karim_id}")).status_code == 404
    search = await client.get("/api/v1/customers", params={"q": "Deleted"})
    assert search.json()["total"] == 0


async def test_the_customer_book_is_for_managers(client: httpx.AsyncClient, book: dict[str, Any]) -> None:
    await login(client, "till")
    assert (await client.get("/api/v1/admin/customers")).status_code == 403
    assert (await client.delete(f"/api/v1/admin/customers/{book['quiet'].id}")).status_code == 403

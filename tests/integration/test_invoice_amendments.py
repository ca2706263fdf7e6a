"""Amendments (issue 5 item 4): new buyer company name / tax number as a new document in the `-AM` series
that references the original, which stays byte-identical; reads; permissions; idempotent retries."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.events.stream import read_after
from app.invoices.services import issue_for_order
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.invoices import order_row, priced


@pytest.fixture
async def issued(factory: Factory, runtime: Any) -> dict[str, Any]:
    from app.db.models import Customer

    branch = await factory.branch(code="AMD", name="Amend Grill")
    other = await factory.branch(code="OTH")
    burger = await factory.product("Burger", price="50.00")
    customer = Customer(name="Omar", company_name="Old Co", tax_number="T-1")
    factory.session.add(customer)
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.user("till", roles=("cashier",), branches=(branch,))
    await factory.user("elsewhere", roles=("manager",), branches=(other,))
    await factory.commit()
    order = await order_row(
        factory.session, branch=branch, customer=customer, lines=[priced(burger, unit_price="50.00")]
    )
    async with runtime.sessionmaker() as session:
        result = await issue_for_order(session, runtime.redis, runtime.keys, runtime.bus, order_id=order.id)
    return {"branch": branch, "order": order, "invoice_id": result.invoice_id, "number": result.number_text}


async def raw_row(runtime: Any, invoice_id: uuid.UUID) -> str:
    async with runtime.sessionmaker() as session:
        return str(
            await session.scalar(
                text("SELECT row_to_json(i)::text FROM invoices i WHERE id = :id"), {"id": invoice_id}
            )
        )


async def test_an_amendment_references_the_original_which_stays_byte_identical(
    client: httpx.AsyncClient, runtime: Any, issued: dict[str, Any]
) -> None:
    original_id = issued["invoice_id"]
    before = await raw_row(runtime, original_id)
    await login(client, "boss")
    response = await client.post(
        f"/api/v1/invoices/{original_id}/amendments",
        json={
            "buyer_company_name": "New Co SAE",
            "buyer_tax_number": "T-2",
            "reason": "buyer registered a company",
        },
    )
    assert response.status_code == 201, response.text
    amendment = response.json()
    year = amendment["fiscal_year"]
    assert amendment["kind"] == "amendment"
    assert amendment["amends_id"] == str(original_id)
    assert (amendment["series"], amendment["number"], amendment["number_text"]) == (
        "AMD-AM",
        1,
        f"AMD-AM-{year}-000001",
    )
    assert (amendment["buyer_company_name"], amendment["buyer_tax_number"]) == ("New Co SAE", "T-2")
    assert amendment["buyer_name"] == "Omar"
    assert amendment["amendment_reason"] == "buyer registered a company"
    assert amendment["total"] == "57.00"
    assert amendment["lines"][0]["name"] == "Burger"

    assert await raw_row(runtime, original_id) == before
    original = (await client.get(f"/api/v1/invoices/{original_id}")).json()
    assert (original["buyer_company_name"], original["buyer_tax_number"]) == ("Old Co", "T-1")
    assert original["amendments"] == [amendment["id"]]
    listed = (await client.get("/api/v1/invoices", params={"order_id": str(issued["order"].id)})).json()[
        "items"
    ]
    assert [i["number_text"] for i in listed] == [issued["number"], amendment["number_text"]]

    events = [
        e
        for e in await read_after(runtime.redis, runtime.keys, issued["branch"].id, "0-0")
        if e.type == "invoice.issued"
    ]
    assert events[-1].data() == {
        "order_id": str(issued["order"].id),
        "invoice_id": amendment["id"],
        "number": amendment["number_text"],
        "total": "57.00",
        "kind": "amendment",
        "amends": str(original_id),
    }


async def test_amending_an_amendment_amends_the_original_from_the_current_details(
    client: httpx.AsyncClient, runtime: Any, issued: dict[str, Any]
) -> None:
    await login(client, "boss")
    first = (
        await client.post(
            f"/api/v1/invoices/{issued['invoice_id']}/amendments",
            json={"buyer_company_name": "Step One", "reason": "typo"},
        )
    ).json()
    second = await client.post(
        f"/api/v1/invoices/{first['id']}/amendments",
        json={"buyer_tax_number": "", "reason": "no tax number after all"},
    )
    assert second.status_code == 201, second.text
    body = second.json()
    assert body["amends_id"] == str(issued["invoice_id"])
    assert body["number"] == 2
    # The company name of the first amendment carries over; the empty tax number clears it.
    assert (body["buyer_company_name"], body["buyer_tax_number"]) == ("Step One", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"buyer_company_name": "Old Co", "reason": "same"}, "buyer_company_name"),
        ({"buyer_tax_number": " T-1 ", "reason": "same"}, "buyer_tax_number"),
        ({"reason": "nothing given"}, "buyer_company_name"),
        ({"buyer_company_name": "X", "reason": "   "}, "reason"),
    ],
)
async def test_an_amendment_that_changes_nothing_is_refused(
    client: httpx.AsyncClient, runtime: Any, issued: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    await login(client, "boss")
    response = await client.post(f"/api/v1/invoices/{issued['invoice_id']}/amendments", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    listed = (await client.get("/api/v1/invoices", params={"order_id": str(issued["order"].id)})).json()[
        "items"
    ]
    assert len(listed) == 1


async def test_bad_bodies_are_422_not_500(client: httpx.AsyncClient, issued: dict[str, Any]) -> None:
    await login(client, "boss")
    url = f"/api/v1/invoices/{issued['invoice_id']}/amendments"
    for body in (
        {"buyer_company_name": "X"},
        {"reason": "r", "buyer_company_name": 5},
        {"reason": "r", "extra": 1},
    ):
        assert (await client.post(url, json=body)).status_code in (400, 422)


async def test_only_managers_of_the_branch_amend(client: httpx.AsyncClient, issued: dict[str, Any]) -> None:
    body = {"buyer_company_name": "New", "reason": "r"}
    url = f"/api/v1/invoices/{issued['invoice_id']}/amendments"
    await login(client, "till")
    assert (await client.post(url, json=body)).status_code == 403
    assert (await client.get(f"/api/v1/invoices/{issued['invoice_id']}")).status_code == 200
    await login(client, "elsewhere")
    assert (await client.post(url, json=body)).status_code == 404
    assert (await client.get(f"/api/v1/invoices/{issued['invoice_id']}")).status_code == 404
    assert (
        await client.get("/api/v1/invoices", params={"order_id": str(issued["order"].id)})
    ).status_code == 404
    assert (await client.get(f"/api/v1/invoices/{uuid.uuid4()}")).status_code == 404


async def test_a_retried_amendment_with_its_id_is_answered_once(
    client: httpx.AsyncClient, runtime: Any, issued: dict[str, Any]
) -> None:
    await login(client, "boss")
    url = f"/api/v1/invoices/{issued['invoice_id']}/amendments"
    body = {"id": str(uuid.uuid4()), "buyer_company_name": "Retry Co", "reason": "retry"}
    first = await client.post(url, json=body)
    again = await client.post(url, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    clash = await client.post(url, json={**body, "buyer_company_name": "Other Co"})
    assert clash.status_code == 409
    listed = (await client.get("/api/v1/invoices", params={"order_id": str(issued["order"].id)})).json()[
        "items"
    ]
    assert len(listed) == 2

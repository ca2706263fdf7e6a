"""A branch's set-up over HTTP: settings (validated, audited, announced to its tills), dated seller tax
registrations (the invoice picks the one valid on its date), stations; another branch is a 404 to a manager."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditLog
from app.invoices._issue import seller_tax_number
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    mine = await factory.branch(code="MINE")
    theirs = await factory.branch(code="THEIRS")
    await factory.user("boss", roles=("manager",), branches=(mine,))
    await factory.user("root", roles=("admin",))
    await factory.commit()
    return {"mine": mine, "theirs": theirs}


def settings(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Downtown",
        "timezone": "Africa/Cairo",
        "currency": "EGP",
        "cash_rounding": "0.50",
        "fiscal_year_start_month": 7,
        "country": "EG",
        "receipt_header": "Passline Downtown\n12 Talaat Harb St",
        "receipt_footer": "Thank you!",
        "overtime_after_minutes": 540,
    } | extra


async def test_a_manager_sets_up_their_branch_and_its_tills_hear_of_it(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, db_session: AsyncSession
) -> None:
    await login(client, "boss")
    branch = shop["mine"].id
    response = await client.put(f"/api/v1/admin/branches/{branch}", json=settings())
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["cash_rounding"], body["fiscal_year_start_month"], body["country"]) == ("0.50", 7, "EG")
    assert body["receipt_footer"] == "Thank you!"
    assert body["overtime_after_minutes"] == 540
    entries = await runtime.redis.xrange(runtime.keys.events(branch))
    assert [msgspec.json.decode(f[b"data"]) for _, f in entries if f[b"type"] == b"catalog.changed"] == [
        {"kind": "branch"}
    ]
    row = await db_session.scalar(select(AuditLog).where(AuditLog.action == "branch.update"))
    assert row is not None
    assert row.data["before"]["cash_rounding"] == "0.0000"
    assert row.data["after"]["cash_rounding"] == "0.50"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"cash_rounding": "0.505"}, "cash_rounding"),
        ({"cash_rounding": "-1"}, "cash_rounding"),
        ({"country": "XX"}, "country"),
        ({"overtime_after_minutes": 30}, "overtime_after_minutes"),
        ({"overtime_after_minutes": 1441}, "overtime_after_minutes"),
    ],
)
async def test_bad_settings_are_a_422_naming_the_field(
    client: httpx.AsyncClient, shop: dict[str, Any], extra: dict[str, Any], field: str
) -> None:
    await login(client, "boss")
    response = await client.put(f"/api/v1/admin/branches/{shop['mine'].id}", json=settings(**extra))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


async def test_a_manager_of_one_branch_editing_another_gets_a_404(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    theirs = shop["theirs"].id
    assert (await client.put(f"/api/v1/admin/branches/{theirs}", json=settings())).status_code == 404
    assert (await client.get(f"/api/v1/admin/branches/{theirs}")).status_code == 404
    station = {"code": "grill", "name": "Grill"}
    assert (await client.post(f"/api/v1/admin/branches/{theirs}/stations", json=station)).status_code == 404
    assert [b["code"] for b in (await client.get("/api/v1/admin/branches")).json()] == ["MINE"]
    opened = await client.post("/api/v1/admin/branches", json=settings(code="NEW"))
    assert opened.status_code == 403


async def test_dated_tax_registrations_name_the_seller_on_each_date(
    client: httpx.AsyncClient, shop: dict[str, Any], db_session: AsyncSession
) -> None:
    await login(client, "boss")
    branch = shop["mine"].id
    url = f"/api/v1/admin/branches/{branch}/tax-numbers"
    first = await client.post(
        url, json={"tax_number": "100-1", "valid_from": "2026-01-01", "valid_to": "2026-06-30"}
    )
    assert first.status_code == 200, first.text
    second = await client.post(url, json={"tax_number": "100-2", "valid_from": "2026-07-01"})
    assert second.status_code == 200, second.text
    overlapping = await client.post(
        url, json={"tax_number": "100-3", "valid_from": "2026-03-01", "valid_to": "2026-03-31"}
    )
    assert overlapping.status_code == 409
    backwards = await client.post(
        url, json={"tax_number": "100-4", "valid_from": "2027-03-01", "valid_to": "2027-01-01"}
    )
    assert backwards.status_code == 422
    assert await seller_tax_number(db_session, branch, dt.date(2026, 6, 30)) == "100-1"
    assert await seller_tax_number(db_session, branch, dt.date(2026, 7, 1)) == "100-2"
    assert await seller_tax_number(db_session, branch, dt.date(2025, 12, 31)) is None


async def test_stations_are_added_and_edited(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    url = f"/api/v1/admin/branches/{shop['mine'].id}/stations"
    made = await client.post(
        url, json={"code": "grill", "name": "Grill", "warn_after_seconds": 300, "late_after_seconds": 600}
    )
    assert made.status_code == 200, made.text
    station = made.json()["stations"][0]
    twice = await client.post(url, json={"code": "grill", "name": "Other"})
    assert twice.status_code == 409
    edited = await client.put(
        f"{url}/{station['id']}",
        json={
            "code": "grill",
            "name": "Charcoal grill",
            "warn_after_seconds": 400,
            "late_after_seconds": 300,
        },
    )
    assert edited.status_code == 422
    edited = await client.put(f"{url}/{station['id']}", json={"code": "grill", "name": "Charcoal grill"})
    assert edited.json()["stations"][0]["name"] == "Charcoal grill"


async def test_an_admin_opens_a_branch(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "root")
    opened = await client.post("/api/v1/admin/branches", json=settings(code="NEW", name="New town"))
    assert opened.status_code == 201, opened.text
    assert opened.json()["code"] == "NEW"


async def test_territories_and_couriers_are_kept_with_valid_money_and_a_courier_login(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory
) -> None:
    rider = await factory.user("rider", roles=("courier",), branches=(shop["mine"],))
    cook = await factory.user("cook", roles=("kitchen",), branches=(shop["mine"],))
    await factory.commit()
    await login(client, "boss")
    made = await client.post(
        "/api/v1/admin/territories",
        json={"code": "ZAM", "name": "Zamalek", "delivery_charge": "25", "courier_fee": "20.50"},
    )
    assert made.status_code == 201, made.text
    assert (made.json()["delivery_charge"], made.json()["courier_fee"]) == ("25.00", "20.50")
    bad = await client.post(
        "/api/v1/admin/territories",
        json={"code": "MAA", "name": "Maadi", "delivery_charge": "-1", "courier_fee": "2"},
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "delivery_charge"
    url = f"/api/v1/admin/branches/{shop['mine'].id}/couriers"
    wrong_login = await client.post(url, json={"name": "Karim", "user_id": cook.id})
    assert wrong_login.status_code == 422
    courier = await client.post(url, json={"name": "Rida", "phone": "+201001110001", "user_id": rider.id})
    assert courier.status_code == 201, courier.text
    twice = await client.post(url, json={"name": "Other", "user_id": rider.id})
    assert twice.status_code == 409
    off = await client.put(f"{url}/{courier.json()['id']}", json={"name": "Rida", "active": False})
    assert off.json()["active"] is False
    theirs = f"/api/v1/admin/branches/{shop['theirs'].id}/couriers"
    assert (await client.get(theirs)).status_code == 404

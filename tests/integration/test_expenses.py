"""Petty cash: a cashier pays out of the drawer with a category and a receipt photo; above the branch's
limit a manager approves; the expense leaves the shift's expected cash and shows on its Z report, audited
and announced."""

from __future__ import annotations

import base64
import io
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from app.db.models import AuditLog, ShiftCashMovement
from app.events.stream import read_after
from tests.support import sales as build
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def till(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="MAIN", name="Main")
    cashier = await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("boss", roles=("manager",), branches=(branch,))
    front = await build.till(factory, branch, "front")
    shift = await build.shift(factory, front, cashier)  # opened with 100.00 in the drawer
    closed = await build.shift(factory, front, cashier, status="closed")
    await factory.commit()
    return locals()


def photo(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> dict[str, str]:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 40)).save(buffer, format=fmt)
    return {"content_type": f"image/{fmt.lower()}", "data": base64.b64encode(buffer.getvalue()).decode()}


def expense(till: dict[str, Any], amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "shift_id": str(till["shift"].id),
        "category": "cleaning",
        "amount": amount,
    } | extra


async def drawer(client: httpx.AsyncClient, till: dict[str, Any]) -> dict[str, Any]:
    summary = await client.get(f"/api/v1/shifts/{till['shift'].id}/summary")
    assert summary.status_code == 200, summary.text
    cash: dict[str, Any] = summary.json()["cash"]
    return cash


async def test_over_the_limit_waits_for_a_manager_then_leaves_the_drawer_and_shows_on_the_z_report(
    client: httpx.AsyncClient, till: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    body = expense(till, "20.00", note="floor soap", receipt=photo("JPEG"))
    recorded = await client.post("/api/v1/expenses", json=body)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["state"] == "pending"  # no limit set: every expense needs a manager
    assert recorded.json()["has_receipt"] is True
    assert (await drawer(client, till))["expected"] == "100.00"
    again = await client.post("/api/v1/expenses", json=body)  # the till retried
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    refused = await client.post(f"/api/v1/expenses/{body['id']}/decision", json={"approve": True})
    assert refused.status_code == 403

    await login(client, "boss")
    pending = (
        await client.get("/api/v1/expenses", params={"branch_id": till["branch"].id, "state": "pending"})
    ).json()
    assert [e["id"] for e in pending["items"]] == [body["id"]]
    assert pending["total_pending"] == "20.0000"
    approved = await client.post(
        f"/api/v1/expenses/{body['id']}/decision", json={"approve": True, "note": "ok"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    twice = await client.post(
        f"/api/v1/expenses/{body['id']}/decision", json={"approve": False, "note": "no"}
    )
    assert twice.status_code == 409
    cash = await drawer(client, till)
    assert (cash["expected"], cash["expenses"], cash["cash_out"]) == ("80.00", "20.00", "0.00")
    report = await client.get(f"/api/v1/shifts/{till['shift'].id}/report")
    assert report.status_code == 200
    assert "data-expenses>-20.00" in report.text
    assert "EXPENSE cleaning: floor soap" in report.text
    receipt = await client.get(f"/api/v1/expenses/{body['id']}/receipt")
    assert receipt.headers["content-type"] == "image/jpeg"
    assert receipt.content == base64.b64decode(body["receipt"]["data"])

    async with runtime.sessionmaker() as session:
        actions = list(
            await session.scalars(
                select(AuditLog.action).where(AuditLog.entity_type == "expense").order_by(AuditLog.id)
            )
        )
        movements = list(await session.scalars(select(ShiftCashMovement)))
    assert actions == ["expense.record", "expense.approve"]
    assert [(m.kind, str(m.amount)) for m in movements] == [("expense", "20.0000")]
    events = [
        e
        for e in await read_after(runtime.redis, runtime.keys, till["branch"].id, "0")
        if e.type == "expense.changed"
    ]
    assert [e.data()["state"] for e in events] == ["pending", "approved"]


async def test_within_the_limit_it_is_paid_at_once_and_a_rejection_pays_nothing(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    await login(client, "boss")
    limit = await client.put(
        f"/api/v1/branches/{till['branch'].id}/expense-limit", json={"expense_limit": "25"}
    )
    assert limit.status_code == 200, limit.text
    await login(client, "cashier")
    small = await client.post(
        "/api/v1/expenses", json=expense(till, "25", category="transport", receipt=photo())
    )
    assert small.json()["state"] == "approved"
    big = await client.post("/api/v1/expenses", json=expense(till, "40", category="repairs"))
    assert big.json()["state"] == "pending"
    await login(client, "boss")
    no_reason = await client.post(f"/api/v1/expenses/{big.json()['id']}/decision", json={"approve": False})
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "note"
    rejected = await client.post(
        f"/api/v1/expenses/{big.json()['id']}/decision", json={"approve": False, "note": "get a quote first"}
    )
    assert rejected.json()["state"] == "rejected"
    assert (await drawer(client, till))["expected"] == "75.00"


async def test_bad_expenses_are_refused_naming_the_field(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    await login(client, "cashier")
    huge = {
        "content_type": "image/png",
        "data": base64.b64encode(b"\x89PNG" + bytes(2 * 1024 * 1024)).decode(),
    }
    text = {"content_type": "image/jpeg", "data": base64.b64encode(b"this is no photo").decode()}
    gif = photo("GIF")
    cases = [
        (expense(till, "5", receipt=huge), "receipt", "2 MB"),
        (expense(till, "5", receipt=text), "receipt", "not a photo"),
        (expense(till, "5", receipt=gif), "receipt", "GIF"),
        (expense(till, "5", category="bribes"), "category", "unknown category"),
        (expense(till, "5", category="other"), "note", "other"),
        (expense(till, "-5"), "amount", "above zero"),
        (expense(till, "5.001"), "amount", "decimals"),
        (expense(till, "100.01"), "amount", "drawer should hold only 100.00"),
        (expense(till, "5", shift_id=str(till["closed"].id)), "shift_id", "closed"),
        (expense(till, "5", shift_id=str(uuid.uuid4())), "shift_id", "unknown shift"),
    ]
    await client.put(f"/api/v1/branches/{till['branch'].id}/expense-limit", json={"expense_limit": "500"})
    await login(client, "boss")
    await client.put(f"/api/v1/branches/{till['branch'].id}/expense-limit", json={"expense_limit": "500"})
    await login(client, "cashier")
    for body, field, words in cases:
        response = await client.post("/api/v1/expenses", json=body)
        assert response.status_code == 422, (field, response.text[:300])
        assert response.json()["field"] == field, response.json()
        assert words in response.json()["detail"], response.json()
    listed = (await client.get("/api/v1/expenses", params={"shift_id": str(till["shift"].id)})).json()
    assert listed["items"] == []

"""API error messages in the caller's language: `Accept-Language: ar` (or, without that header, a user
who chose Arabic) gets the Arabic `detail`; the field names and the machine-readable fields beside it
(`field`, `state`, `version`, `reason`) stay as they are, so clients act on them whatever the language."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.factory import Factory

AR = {"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en"}


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="ARE", name="Heliopolis")
    burger = await factory.product("Burger", price="50.00")
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("cook", roles=("kitchen",), branches=(branch,))
    await factory.commit()
    return {"branch": branch, "burger": burger}


def order_body(shop: dict[str, Any], product_id: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": "counter",
        "lines": [{"product_id": product_id, "qty": "1"}],
    }


async def test_a_refused_order_line_reads_in_arabic_and_names_its_field_in_english(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cashier")
    english = await client.post("/api/v1/orders", json=order_body(shop, 999999), headers=EN)
    arabic = await client.post("/api/v1/orders", json=order_body(shop, 999999), headers=AR)
    assert english.status_code == arabic.status_code == 422, arabic.text
    assert english.json()["detail"] == "lines[0].product_id: unknown product 999999"
    assert arabic.json()["detail"] == "lines[0].product_id: منتج غير معروف 999999"
    assert arabic.json()["field"] == english.json()["field"] == "lines[0].product_id"
    # Without the header an API call keeps the source language (our screens always send it).
    plain = await client.post("/api/v1/orders", json=order_body(shop, 999999))
    assert plain.json()["detail"] == english.json()["detail"]


async def test_a_conflict_keeps_its_fields_and_translates_its_sentence(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cashier")
    created = await client.post("/api/v1/orders", json=order_body(shop, shop["burger"].id))
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    await login(client, "cook")
    stale = await client.post(
        f"/api/v1/orders/{order_id}/transitions", json={"to": "preparing", "expected_version": 7}, headers=AR
    )
    assert stale.status_code == 409, stale.text
    body = stale.json()
    assert body["detail"] == "تغيّر الطلب في هذه الأثناء: حالته الآن مستلم، الإصدار 1"
    # The state inside the sentence is the screens' word; the field beside it stays the code.
    assert (body["state"], body["version"], body["reason"]) == ("received", 1, "stale_version")
    english = await client.post(
        f"/api/v1/orders/{order_id}/transitions", json={"to": "preparing", "expected_version": 7}, headers=EN
    )
    assert english.json()["detail"] == "The order changed meanwhile: it is now received, version 1"


async def test_not_found_and_forbidden_read_in_arabic(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cook")
    missing = await client.get(f"/api/v1/orders/{uuid.uuid4()}", headers=AR)
    assert missing.status_code == 404, missing.text
    assert missing.json()["detail"] == "الطلب غير موجود"
    await login(client, "cashier")
    created = await client.post("/api/v1/orders", json=order_body(shop, shop["burger"].id))
    order_id = created.json()["id"]
    refused = await client.post(
        f"/api/v1/orders/{order_id}/transitions", json={"to": "ready", "expected_version": 1}, headers=AR
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"] == "لا يسمح دورك بنقل طلب من مستلم إلى جاهز"


async def test_a_user_who_chose_arabic_gets_arabic_without_the_header(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cashier")
    chosen = await client.put(
        "/api/v1/me/language",
        json={"language": "ar"},
        headers={"X-CSRF-Token": client.cookies["passline_csrf"]},
    )
    assert chosen.status_code == 200, chosen.text
    answer = await client.post("/api/v1/orders", json=order_body(shop, 999999))
    assert answer.json()["detail"] == "lines[0].product_id: منتج غير معروف 999999"
    # The header still wins: a client asking for English gets English.
    answer = await client.post("/api/v1/orders", json=order_body(shop, 999999), headers=EN)
    assert answer.json()["detail"] == "lines[0].product_id: unknown product 999999"
    # A new sign-in starts with the user's language in the session too.
    await login(client, "cashier")
    answer = await client.post("/api/v1/orders", json=order_body(shop, 999999))
    assert answer.json()["detail"] == "lines[0].product_id: منتج غير معروف 999999"

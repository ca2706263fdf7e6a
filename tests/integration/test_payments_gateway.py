"""A redirect-and-webhook gateway through the provider interface: pending payments, signed webhooks that
capture or fail them (idempotently), refunds through the gateway, and a refused start."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.payments import providers
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.payments import (
    FakeGateway,
    get_order,
    hot_payment,
    invoice_queued,
    new_order,
    pay,
    payment_events,
    payments_shop,
    refund,
)


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await payments_shop(factory)


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


@pytest.fixture
async def gateway_http(asgi_app: Any, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway's side of the wire: no session, no CSRF token (its own cookie jar on the worker's app)."""
    transport = httpx.ASGITransport(app=asgi_app, client=("203.0.113.9", 443))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def notify(
    http: httpx.AsyncClient, gateway: FakeGateway, payment_id: str, status: str
) -> httpx.Response:
    body, headers = gateway.notice(payment_id, status)
    return await http.post(f"/api/v1/payments/webhooks/{gateway.name}", content=body, headers=headers)


async def test_a_pending_payment_is_captured_by_its_webhook(
    client: httpx.AsyncClient,
    gateway_http: httpx.AsyncClient,
    shop: dict[str, Any],
    gateway: FakeGateway,
    runtime: Any,
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="coffee")
    started = await pay(client, order["id"], method="wallet", amount="10.03")
    assert started.status_code == 201, started.text
    payment = started.json()["payment"]
    assert (payment["status"], payment["provider"]) == ("pending", "fakepay")
    assert started.json()["redirect_url"] == f"https://pay.example/c/{payment['provider_ref']}"
    assert started.json()["order"]["payment_status"] == "unpaid"
    assert await payment_events(runtime, shop["branch"].id, order["id"]) == []

    # Forged, unknown, or aimed at the manual provider: refused, nothing changes.
    body, headers = gateway.notice(payment["id"], "succeeded")
    forged = await gateway_http.post(
        "/api/v1/payments/webhooks/fakepay", content=body, headers={**headers, gateway.SIGNATURE: "0" * 64}
    )
    assert forged.status_code == 400
    assert (await gateway_http.post("/api/v1/payments/webhooks/manual", content=body)).status_code == 404
    assert (await gateway_http.post("/api/v1/payments/webhooks/nobody", content=body)).status_code == 404
    assert (await notify(gateway_http, gateway, str(uuid.uuid4()), "succeeded")).status_code == 404

    done = await notify(gateway_http, gateway, payment["id"], "succeeded")
    assert done.status_code == 200, done.text
    assert done.json() == {"payment_id": payment["id"], "status": "captured", "applied": True}
    again = await notify(gateway_http, gateway, payment["id"], "succeeded")
    assert again.json()["applied"] is False
    late_failure = await notify(gateway_http, gateway, payment["id"], "failed")
    assert late_failure.json() == {"payment_id": payment["id"], "status": "captured", "applied": False}

    read = await get_order(client, order["id"])
    assert (read["payment_status"], read["paid_total"]) == ("paid", "10.03")
    assert read["payments"][0]["provider_ref"] == "fp_evt"
    events = await payment_events(runtime, shop["branch"].id, order["id"])
    assert [(t, d["payment_status"], d.get("actor")) for t, d in events] == [
        ("payment.collected", "paid", None)
    ]
    assert await hot_payment(runtime, shop["branch"].id, order["id"]) == ("paid", "2", "paid")
    assert await invoice_queued(runtime, order["id"])

    # A refund goes through the gateway, which names it.
    await login(client, "boss")
    given = await refund(client, payment["id"], amount="3.00")
    assert given.status_code == 201, given.text
    assert gateway.refunds == [(given.json()["refund"]["id"], Decimal("3.00"))]


async def test_a_failed_payment_is_voided_and_a_declined_start_writes_nothing(
    client: httpx.AsyncClient,
    gateway_http: httpx.AsyncClient,
    shop: dict[str, Any],
    gateway: FakeGateway,
    runtime: Any,
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop, product="coffee")
    declined = await pay(client, order["id"], method="wallet", amount="6.66")
    assert declined.status_code == 502 and declined.json()["reason"] == "provider"
    assert (await get_order(client, order["id"]))["payments"] == []

    payment = (await pay(client, order["id"], method="wallet", amount="5.00")).json()["payment"]
    failed = await notify(gateway_http, gateway, payment["id"], "failed")
    assert failed.json() == {"payment_id": payment["id"], "status": "voided", "applied": True}
    read = await get_order(client, order["id"])
    assert (read["payment_status"], read["paid_total"], read["payments"][0]["status"]) == (
        "unpaid",
        "0.00",
        "voided",
    )
    assert [t for t, _ in await payment_events(runtime, shop["branch"].id, order["id"])] == ["payment.voided"]
    # Cards are still keyed in at the till.
    card = await pay(client, order["id"], method="card", amount="10.03")
    assert card.json()["payment"]["provider"] == "manual"

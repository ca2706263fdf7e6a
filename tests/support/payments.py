"""Builders for the payments and shifts tests: a shop with cash rounding, orders, tills and tenders."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx

from app.events.stream import read_after
from app.lib import jobs
from tests.support.factory import Factory


async def payments_shop(factory: Factory, *, cash_rounding: str = "0.05") -> dict[str, Any]:
    """A branch whose prices include tax (a product's price is the order total) and whose cash rounds to
    `cash_rounding`; another branch; staff; a customer with an account and one without."""
    branch = await factory.branch(
        code="PY", name="Payments", prices_include_tax=True, cash_rounding=Decimal(cash_rounding)
    )
    other = await factory.branch(code="PZ", name="Elsewhere")
    products = {
        name: await factory.product(name.title(), price=price)
        for name, price in (("coffee", "10.03"), ("tea", "10.02"), ("meal", "30.09"), ("round", "10.00"))
    }
    for username, roles, branches in (
        ("cashier", ("cashier",), (branch,)),
        ("cashier2", ("cashier",), (branch,)),
        ("boss", ("manager",), (branch,)),
        ("cook", ("kitchen",), (branch,)),
        ("stranger", ("manager",), (other,)),
        ("outsider", ("cashier",), (other,)),
    ):
        await factory.user(username, roles=roles, branches=branches)
    regular = await factory.customer("Rania Regular", phone="+201000000001")
    walkin = await factory.customer("Walt Walkin", phone="+201000000002")
    regular.credit_limit = Decimal("25.00")
    await factory.commit()
    return {"branch": branch, "other": other, "regular": regular, "walkin": walkin, **products}


async def pos_profile(
    factory: Factory, branch: Any, *, code: str = "till1", require_shift: bool = True
) -> Any:
    from app.db.models import PosProfile

    profile = PosProfile(branch_id=branch.id, code=code, name=code.title(), require_shift=require_shift)
    factory.session.add(profile)
    await factory.session.flush()
    await factory.commit()
    return profile


async def new_order(
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    *,
    product: str = "coffee",
    qty: str = "1",
    customer: Any = None,
    branch: Any = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": (branch or shop["branch"]).id,
        "channel": "counter",
        "lines": [{"product_id": shop[product].id, "qty": qty}],
    }
    if customer is not None:
        body["customer_id"] = customer.id
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def invoice_queued(runtime: Any, order_id: str) -> bool:
    return bool(await runtime.redis.exists(f"arq:job:{jobs.invoice(runtime.keys, order_id).job_id}"))


async def get_order(client: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/orders/{order_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def set_till(runtime: Any, order_id: str, profile_id: int) -> None:
    """Ring an order up on a till (what the sale part does when the POS creates it)."""
    from sqlalchemy import text

    async with runtime.engine.begin() as conn:
        await conn.execute(
            text("UPDATE orders SET pos_profile_id = :p WHERE id = :id"), {"p": profile_id, "id": order_id}
        )


async def pay(client: httpx.AsyncClient, order_id: str, **body: Any) -> httpx.Response:
    body.setdefault("id", str(uuid.uuid4()))
    return await client.post(f"/api/v1/orders/{order_id}/payments", json=body)


async def void(client: httpx.AsyncClient, payment_id: str, reason: str = "keyed twice") -> httpx.Response:
    return await client.post(f"/api/v1/payments/{payment_id}/void", json={"reason": reason})


async def refund(client: httpx.AsyncClient, payment_id: str, **body: Any) -> httpx.Response:
    body.setdefault("id", str(uuid.uuid4()))
    body.setdefault("reason", "cold coffee")
    return await client.post(f"/api/v1/payments/{payment_id}/refund", json=body)


async def payment_events(runtime: Any, branch_id: int, order_id: str) -> list[tuple[str, dict[str, Any]]]:
    entries = await read_after(runtime.redis, runtime.keys, branch_id, "0-0")
    return [(e.type, e.data()) for e in entries if e.type.startswith("payment.") and e.order_id == order_id]


async def hot_payment(runtime: Any, branch_id: int, order_id: str) -> tuple[str, str, str]:
    """(hash payment_status, hash payment_seq, the card's payment_status) of the order's hot state."""
    import json

    key = runtime.keys.order(branch_id, order_id)
    status, seq, card = await runtime.redis.hmget(key, ["payment_status", "payment_seq", "card"])
    return status.decode(), seq.decode(), json.loads(card)["payment_status"]


class FakeGateway:
    """A stand-in for a redirect-and-webhook gateway (a third party we cannot reach): it hands out
    checkout URLs, signs its notices with HMAC-SHA256 over the raw body like real gateways do, and keeps
    the refunds it was asked for. An amount of 6.66 is refused, as a gateway declines a payment."""

    name = "fakepay"
    SIGNATURE = "x-fakepay-signature"

    def __init__(self, secret: bytes = b"whsec_test") -> None:
        self.secret = secret
        self.refunds: list[tuple[str, Any]] = []
        self.refuse_refunds = False

    def sign(self, body: bytes) -> str:
        import hashlib
        import hmac

        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()

    def notice(self, payment_id: str, status: str) -> tuple[bytes, dict[str, str]]:
        import json

        body = json.dumps(
            {"type": f"payment.{status}", "merchant_reference": payment_id, "id": "fp_evt"}
        ).encode()
        return body, {self.SIGNATURE: self.sign(body), "content-type": "application/json"}

    async def start(self, payment: Any) -> Any:
        from app.payments.providers import ProviderError, ProviderStart

        if payment.amount == Decimal("6.66"):
            msg = "card declined"
            raise ProviderError(msg)
        ref = f"fp_{payment.payment_id.hex[:12]}"
        return ProviderStart(status="pending", provider_ref=ref, redirect_url=f"https://pay.example/c/{ref}")

    async def handle_webhook(self, body: bytes, headers: Any) -> Any:
        import hmac
        import json

        from app.payments.providers import ProviderError, ProviderEvent

        if not hmac.compare_digest(headers.get(self.SIGNATURE, ""), self.sign(body)):
            msg = "bad signature"
            raise ProviderError(msg)
        notice = json.loads(body)
        kind = {"payment.succeeded": "captured", "payment.failed": "failed"}[notice["type"]]
        return ProviderEvent(
            payment_id=uuid.UUID(notice["merchant_reference"]), kind=kind, provider_ref=notice["id"]
        )

    async def refund(self, *, payment: Any, provider_ref: Any, refund_id: Any, amount: Any) -> Any:
        from app.payments.providers import ProviderError, ProviderRefund

        if self.refuse_refunds:
            msg = "refunds are paused on this account"
            raise ProviderError(msg)
        self.refunds.append((str(refund_id), amount))
        return ProviderRefund(provider_ref=f"fp_re_{len(self.refunds)}")

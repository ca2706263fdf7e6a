"""Builders for the payments and shifts tests: a shop with cash rounding, orders, tills and tenders."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx

from app.orders.streams import read_after
from tests.conftest import Factory


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

"""The dispatch tests' shop (DESIGN §6 in money: see tests/integration/test_dispatch.py), orders, dispatches
and what PostgreSQL and the stream hold afterwards."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from app.events.stream import read_after
from tests.support.factory import Factory

D = Decimal


async def make_shop(factory: Factory) -> dict[str, Any]:
    """Two branches; a 100.00 burger; a near and a far territory; riders (one elsewhere, one retired); a
    customer; two managers, a cashier and a stranger."""
    branch = await factory.branch(code="DS", name="Dispatch")
    other = await factory.branch(code="OB", name="Other")
    burger = await factory.product("Burger", price="100.00")
    near = await factory.territory(delivery_charge="20", courier_fee="15")
    far = await factory.territory(delivery_charge="5", courier_fee="150")
    rider_user = await factory.user("rider", roles=("courier",), branches=(branch,))
    rider2_user = await factory.user("rider2", roles=("courier",), branches=(branch,))
    rider = await factory.courier(branch, user=rider_user, name="Rider One")
    rider2 = await factory.courier(branch, user=rider2_user, name="Rider Two")
    foreign = await factory.courier(other, name="Elsewhere")
    idle = await factory.courier(branch, name="Retired")
    idle.active = False
    customer = await factory.customer("Nadia", phone="+201001234567")
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.user("boss2", roles=("manager",), branches=(branch,))
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("stranger", roles=("manager",), branches=(other,))
    await factory.commit()
    return {
        "branch": branch,
        "other": other,
        "burger": burger,
        "near": near,
        "far": far,
        "rider": rider,
        "rider2": rider2,
        "foreign": foreign,
        "idle": idle,
        "customer": customer,
    }


async def new_order(
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    *,
    channel: str = "delivery",
    territory: str = "near",
    customer: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": channel,
        "lines": [{"product_id": shop["burger"].id, "qty": "1"}],
    }
    if channel in ("delivery", "partner"):
        body["delivery"] = {"address": "3 Nile St, Zamalek", "territory_id": shop[territory].id}
    if customer:
        body["customer_id"] = shop["customer"].id
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def set_payment(runtime: Any, order_id: str, status: str) -> None:
    """Payments come with another issue; the dispatch reads the order's status from PostgreSQL."""
    async with runtime.sessionmaker() as session:
        await session.execute(
            text("UPDATE orders SET payment_status = :s WHERE id = :id"), {"s": status, "id": order_id}
        )
        await session.commit()


async def dispatch(
    client: httpx.AsyncClient, order_id: str, courier: Any, mode: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/orders/{order_id}/transitions",
        json={"to": "out_for_delivery", "courier_id": courier.id, "settle_mode": mode, **extra},
    )


async def ledger_rows(runtime: Any, order_id: str) -> dict[str, Any]:
    """What PostgreSQL holds for an order's deliveries: rows as plain tuples, money as Decimal."""
    async with runtime.sessionmaker() as session:
        deliveries = (
            await session.execute(
                text(
                    "SELECT id, state, settle_mode, amount_to_collect, courier_fee, cash_collected, courier_id "
                    "FROM deliveries WHERE order_id = :id ORDER BY created_at"
                ),
                {"id": order_id},
            )
        ).all()
        transactions = (
            await session.execute(
                text(
                    "SELECT kind, amount, status, settlement_id FROM courier_transactions "
                    "WHERE order_id = :id ORDER BY id"
                ),
                {"id": order_id},
            )
        ).all()
        cash = (
            await session.execute(
                text(
                    "SELECT amount, settlement_id FROM branch_cash_movements WHERE order_id = :id ORDER BY id"
                ),
                {"id": order_id},
            )
        ).all()
        settlements = (
            await session.execute(
                text(
                    "SELECT s.id, s.kind, s.net, s.transactions FROM settlements s "
                    "WHERE s.id IN (SELECT settlement_id FROM courier_transactions WHERE order_id = :id) "
                    "OR s.id IN (SELECT settlement_id FROM branch_cash_movements WHERE order_id = :id) "
                    "ORDER BY s.created_at, s.id"
                ),
                {"id": order_id},
            )
        ).all()
        order = (
            await session.execute(
                text("SELECT state, version, courier_id FROM orders WHERE id = :id"), {"id": order_id}
            )
        ).one()
    return {
        "deliveries": deliveries,
        "transactions": [(k, a, s, sid is not None) for k, a, s, sid in transactions],
        "cash": [a for a, _ in cash],
        "settlements": [(k, n, t) for _, k, n, t in settlements],
        "order": tuple(order),
    }


async def balance(client: httpx.AsyncClient, courier: Any) -> dict[str, Any]:
    response = await client.get(f"/api/v1/couriers/{courier.id}/balance")
    assert response.status_code == 200, response.text
    return dict(response.json())


def money_of(body: dict[str, Any], *fields: str) -> tuple[Decimal, ...]:
    return tuple(D(body[f]) for f in fields)


async def stream(runtime: Any, shop: dict[str, Any]) -> list[Any]:
    return await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0")

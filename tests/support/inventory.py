"""Helpers of the inventory tests: a shop with stock posted through the API, reads on their own
connection, and the ledger's running-sum check."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.db.models import ProductStock, StockMove
from app.inventory.ledger import mismatches


async def receive(
    client: httpx.AsyncClient, branch: Any, product: Any, qty: str, cost: str, reason: str = "delivery"
) -> dict[str, Any]:
    """Stock in through the manager's adjustment endpoint (at a cost)."""
    response = await client.post(
        "/api/v1/inventory/moves",
        json={
            "branch_id": branch.id,
            "product_id": product.id,
            "kind": "adjustment",
            "qty": qty,
            "unit_cost": cost,
            "reason": reason,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def sell(
    client: httpx.AsyncClient, branch: Any, lines: list[tuple[Any, str]], **extra: Any
) -> httpx.Response:
    payload = {
        "id": str(uuid.uuid4()),
        "branch_id": branch.id,
        "channel": "counter",
        "lines": [{"product_id": p.id, "qty": q} for p, q in lines],
    } | extra
    return await client.post("/api/v1/orders", json=payload)


async def on_hand(runtime: Any, branch: Any, product: Any) -> Decimal:
    async with runtime.sessionmaker() as session:
        qty = await session.scalar(
            select(ProductStock.qty).where(
                ProductStock.branch_id == branch.id, ProductStock.product_id == product.id
            )
        )
    return Decimal(qty or 0)


async def moves(runtime: Any, branch: Any, product: Any) -> list[StockMove]:
    async with runtime.sessionmaker() as session:
        return list(
            await session.scalars(
                select(StockMove)
                .where(StockMove.branch_id == branch.id, StockMove.product_id == product.id)
                .order_by(StockMove.id)
            )
        )


async def assert_ledger_whole(runtime: Any) -> None:
    """On-hand is the ledger's sum everywhere, and each row's on-hand is the running sum up to it."""
    async with runtime.sessionmaker() as session:
        assert await mismatches(session) == []
        rows = (
            await session.execute(
                select(
                    StockMove.branch_id, StockMove.product_id, StockMove.qty, StockMove.on_hand_after
                ).order_by(StockMove.id)
            )
        ).all()
    running: dict[tuple[int, int], Decimal] = {}
    for branch_id, product_id, qty, after in rows:
        key = (branch_id, product_id)
        running[key] = running.get(key, Decimal(0)) + qty
        assert running[key] == after, (key, running[key], after)

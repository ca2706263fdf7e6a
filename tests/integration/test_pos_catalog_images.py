"""Product pictures reach the till: the POS catalog document names each product's picture (the URL the
back office's upload gave it, served locally), null for a product without one, and a new picture is a new
URL (so the till and its service worker may keep the old one for good)."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Branch, Product
from app.demo import DEMO_PASSWORD, seed_demo
from tests.support.auth import login


def _picture(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(out, format="PNG")
    return out.getvalue()


async def _pictures(client: httpx.AsyncClient, branch: int) -> dict[int, Any]:
    response = await client.get("/api/v1/pos/catalog", params={"branch_id": branch})
    assert response.status_code == 200, response.text
    return {p["id"]: p["image_url"] for p in response.json()["products"]}


async def test_the_till_catalog_carries_each_products_picture(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await seed_demo(db_session)
    branch = (await db_session.scalars(select(Branch.id).order_by(Branch.id))).first()
    products = list(await db_session.scalars(select(Product.id).order_by(Product.id).limit(2)))
    assert branch is not None and len(products) == 2
    pictured, plain = products
    await login(client, "manager", DEMO_PASSWORD)
    before = await _pictures(client, branch)
    assert before[pictured] is None and before[plain] is None

    csrf = {"X-CSRF-Token": client.cookies["passline_csrf"], "Content-Type": "image/png"}
    first = await client.put(
        f"/api/v1/admin/products/{pictured}/image", content=_picture((200, 40, 40)), headers=csrf
    )
    assert first.status_code == 200, first.text
    shown = await _pictures(client, branch)
    assert shown[pictured] == first.json()["image_url"] and shown[plain] is None
    served = await client.get(shown[pictured])
    assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
    assert "immutable" in served.headers["cache-control"]

    second = await client.put(
        f"/api/v1/admin/products/{pictured}/image", content=_picture((40, 200, 40)), headers=csrf
    )
    assert second.status_code == 200, second.text
    again = await _pictures(client, branch)
    assert again[pictured] == second.json()["image_url"] != shown[pictured]

"""The managers' board in a browser: its shop, orders as a POS sends them, signed-in people, and the
locators and waits the board's tests share (tests/e2e/test_kanban*.py, tests/e2e/test_courier.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer

WAIT_MS = 15_000


async def make_shop(factory: Factory) -> dict[str, Any]:
    """Two branches (one manager in both), a burger, a territory, a customer, two couriers with logins."""
    branch = await factory.branch(code="KB", name="Board Branch")
    second = await factory.branch(code="KB2", name="Second Branch")
    await factory.station(branch, "grill")
    await factory.station(second, "grill")
    # 50.00 + 14 % tax on top (the branch prices exclude tax) + 20.00 delivery = 77.00 for one burger.
    burger = await factory.product("Burger", price="50.00", station="grill")
    territory = await factory.territory(delivery_charge="20.00", courier_fee="15.00")
    customer = await factory.customer("Nadia Noor", phone="+201005550199")
    await factory.user("mona", roles=("manager",), branches=(branch, second))
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    rider = await factory.user("rami", roles=("courier",), branches=(branch,))
    other_rider = await factory.user("sara", roles=("courier",), branches=(branch,))
    rami = await factory.courier(branch, user=rider, name="Rami Rider")
    sara = await factory.courier(branch, user=other_rider, name="Sara Scooter")
    await factory.commit()
    return {
        "branch": branch.id,
        "second": second.id,
        "burger": burger.id,
        "territory": territory.id,
        "customer": customer.id,
        "rami": rami.id,
        "sara": sara.id,
    }


@asynccontextmanager
async def api_as(server: LiveServer, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """Someone's own API client: orders come in as a POS sends them, and "another tablet" acts."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, username)
        yield http


async def api_paths(http: httpx.AsyncClient) -> set[str]:
    response = await http.get("/schema/openapi.json")
    return set(response.json().get("paths", {})) if response.status_code == 200 else set()


async def new_order(
    http: httpx.AsyncClient, shop: dict[str, Any], *, channel: str = "delivery", branch: str = "branch"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop[branch],
        "channel": channel,
        "lines": [{"product_id": shop["burger"], "qty": "1"}],
    }
    if channel == "delivery":
        body["customer_id"] = shop["customer"]
        body["delivery"] = {"address": "12 Corniche Rd, Apt 4", "territory_id": shop["territory"]}
    response = await http.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


class Person:
    """A signed-in browser context (session and CSRF cookies as the login page leaves them) and the script
    errors of every page opened in it."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.errors: list[str] = []

    async def open(self, server: LiveServer, path: str) -> Any:
        page = await self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        await page.goto(f"{server.url}{path}")
        await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
        if path.startswith("/kanban"):
            await page.locator("#kanban[data-ready]").wait_for(timeout=WAIT_MS)
        return page

    async def close(self) -> None:
        """Close the browser once the boards saved their filters: a save still on its way would reach the
        server during the next test's clean-up."""
        for page in self.context.pages:
            if await page.locator("#kanban").count():
                await page.locator("#kanban:not([data-saving])").wait_for(state="attached", timeout=WAIT_MS)
        await self.context.close()


async def signed_in(browser: Any, server: LiveServer, username: str, **options: Any) -> Person:
    context = await browser.new_context(**options)
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"username": username, "password": Factory.PASSWORD}
        )
        assert response.status_code == 200, response.text
        await context.add_cookies(
            [
                {"name": name, "value": response.cookies[name], "url": server.url}
                for name in ("passline_session", "passline_csrf")
            ]
        )
    return Person(context)


def card(page: Any, order_id: str) -> Any:
    return page.locator(f'.kb-card[data-id="{order_id}"]')


def in_column(page: Any, state: str, order_id: str) -> Any:
    return page.locator(f'.kb-col[data-drop="{state}"] .kb-card[data-id="{order_id}"]')


async def settled(page: Any, state: str, order_id: str) -> None:
    """The card sits in `state`'s column and the server has answered (no move pending)."""
    await (
        in_column(page, state, order_id)
        .and_(page.locator(".kb-card:not(.kb-pending)"))
        .wait_for(timeout=WAIT_MS)
    )


async def mouse_drag(page: Any, order_id: str, state: str) -> None:
    """Press on the card, move across in steps (pointer events all the way), release over the column."""
    source = await card(page, order_id).bounding_box()
    target = await page.locator(f'.kb-col[data-drop="{state}"]').bounding_box()
    assert source and target
    await page.mouse.move(source["x"] + source["width"] / 2, source["y"] + 12)
    await page.mouse.down()
    await page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 80, steps=12)
    await page.mouse.up()

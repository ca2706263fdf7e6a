"""Trips on the board (issue 6, 2a): a manager ticks several delivery cards, dispatches them as one trip
through the dispatch dialog (each order's settlement and the trip's total), and the courier's phone shows
them all. A pickup order cannot be ticked for a trip, and the page says why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.factory import Factory
from tests.support.kanban import (
    WAIT_MS,
    Person,
    api_as,
    card,
    in_column,
    make_shop,
    new_order,
    settled,
    signed_in,
)
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


@pytest.fixture
async def manager_api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with api_as(live_server, "mona") as http:
        yield http


@pytest.fixture
async def manager(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Person]:
    person = await signed_in(browser, live_server, "mona", viewport={"width": 1600, "height": 1000})
    yield person
    await person.close()
    assert not person.errors, person.errors


async def test_two_deliveries_go_out_as_one_trip_to_the_couriers_phone(
    browser: Any,
    live_server: LiveServer,
    shop: dict[str, Any],
    manager: Person,
    manager_api: httpx.AsyncClient,
) -> None:
    first = await new_order(manager_api, shop)
    second = await new_order(manager_api, shop)
    pickup = await new_order(manager_api, shop, channel="pickup")
    rider = await signed_in(
        browser, live_server, "rami", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        phone = await rider.open(live_server, "/courier")
        await phone.locator("#empty").wait_for(timeout=WAIT_MS)
        page = await manager.open(live_server, "/kanban")
        for order in (first, second, pickup):
            await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)

        # A pickup order never goes out with a courier: the page says so and leaves it unticked.
        pickup_box = card(page, pickup["id"]).locator("input[data-pick]")
        await pickup_box.click()
        toast = page.locator("#toast")
        await toast.wait_for(state="visible", timeout=WAIT_MS)
        assert "cannot join a trip" in (await toast.text_content() or "")
        assert not await pickup_box.is_checked()
        assert await page.locator("#trip-bar").is_hidden()

        await card(page, first["id"]).locator("input[data-pick]").check()
        bar = page.locator("#trip-bar")
        await bar.wait_for(state="visible", timeout=WAIT_MS)
        assert await page.locator("#trip-dispatch").is_disabled()  # a trip is several orders
        await card(page, second["id"]).locator("input[data-pick]").check()
        assert "2 orders picked" in (await bar.inner_text())
        await page.locator("#trip-dispatch").click()

        dialog = page.locator("#dispatch")
        await dialog.wait_for(state="visible", timeout=WAIT_MS)
        assert await dialog.get_attribute("data-mode") == "trip"
        await dialog.locator(".kb-courier-option", has_text="Rami Rider").click()
        await dialog.locator('input[name="settle_mode"][value="later"]').check()
        await dialog.locator('[data-preview="net"]').wait_for(timeout=WAIT_MS)
        # Each order settles on its own (77.00 to collect, 15.00 fee), and the trip adds them up.
        assert await dialog.locator("[data-trip-order]").count() == 2
        for order in (first, second):
            row = await dialog.locator(f'[data-trip-order="{order["id"]}"]').inner_text()
            assert "77.00 EGP" in row and "15.00 EGP" in row and "62.00 EGP" in row
        totals = {
            key: (await dialog.locator(f'[data-preview="{key}"]').text_content() or "").strip()
            for key in ("amount_to_collect", "courier_fee", "net")
        }
        assert totals == {"amount_to_collect": "154.00 EGP", "courier_fee": "30.00 EGP", "net": "124.00 EGP"}
        assert "owes the branch 124.00 EGP" in (
            await dialog.locator('[data-preview="owed_by"]').text_content() or ""
        )
        await dialog.locator("#dispatch-confirm").click()
        await dialog.wait_for(state="hidden", timeout=WAIT_MS)

        for order in (first, second):
            await settled(page, "out_for_delivery", order["id"])
            assert "Rami Rider" in await card(page, order["id"]).inner_text()
        assert await in_column(page, "received", pickup["id"]).count() == 1
        assert await page.locator("#trip-bar").is_hidden()

        rows = (await manager_api.get(f"/api/v1/couriers/{shop['rami']}/deliveries")).json()
        assert {r["order_id"] for r in rows} == {first["id"], second["id"]}
        [trip_id] = {r["trip_id"] for r in rows}
        assert trip_id is not None
        for order in (first, second):
            delivery = phone.locator(f'.cr-delivery[data-order="{order["id"]}"]')
            await delivery.wait_for(timeout=WAIT_MS)
            assert "Collect EGP\xa077.00" in (await delivery.inner_text()).replace("\u2068", "").replace(
                "\u2069", ""
            )
    finally:
        await rider.close()
    assert not rider.errors, rider.errors


async def test_a_trip_refused_by_the_server_puts_every_card_back(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    first = await new_order(manager_api, shop)
    second = await new_order(manager_api, shop)
    page = await manager.open(live_server, "/kanban")
    for order in (first, second):
        await in_column(page, "received", order["id"]).wait_for(timeout=WAIT_MS)
        await card(page, order["id"]).locator("input[data-pick]").check()
    await page.locator("#trip-dispatch").click()
    dialog = page.locator("#dispatch")
    await dialog.wait_for(state="visible", timeout=WAIT_MS)
    await dialog.locator(".kb-courier-option", has_text="Rami Rider").click()
    await dialog.locator('input[name="settle_mode"][value="later"]').check()
    await dialog.locator('[data-preview="net"]').wait_for(timeout=WAIT_MS)
    # Another manager sends the second order out while the dialog is open.
    taken = await manager_api.post(
        f"/api/v1/orders/{second['id']}/transitions",
        json={"to": "out_for_delivery", "courier_id": shop["sara"], "settle_mode": "later"},
    )
    assert taken.status_code == 200, taken.text
    await settled(page, "out_for_delivery", second["id"])
    await dialog.locator("#dispatch-confirm").click()

    toast = page.locator("#toast")
    await toast.wait_for(state="visible", timeout=WAIT_MS)
    assert "was not dispatched" in (await toast.text_content() or "")
    # All or nothing: the first order is back where it was, the second stays with Sara.
    await settled(page, "received", first["id"])
    assert "Sara Scooter" in await card(page, second["id"]).inner_text()
    response = await manager_api.get(f"/api/v1/orders/{first['id']}")
    assert response.json()["state"] == "received"

"""The managers' courier cash screen (/admin/courier-cash) on a tablet: reached from a courier's chip on the
board and from /admin; each courier's balance (who owes whom); one courier's open rows settled in part with
the server's preview first, a printable slip, the history; a settlement from another tablet shows live; and
settling a row already settled is a 409."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.ui import assert_no_axe_violations, assert_nothing_overflows, assert_touch_targets, shoot
from tests.support.factory import Factory
from tests.support.kanban import WAIT_MS, Person, api_as, make_shop, new_order, signed_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}


def loose(text: str) -> re.Pattern[str]:
    """`text` as the page shows it: words may sit in bidi isolates, separated by (non-breaking) spaces."""
    return re.compile("[\\s\u2068\u2069]+".join(re.escape(word) for word in text.split()))


def plain(texts: list[str]) -> list[str]:
    return [t.replace("\u2068", "").replace("\u2069", "").replace("\xa0", " ") for t in texts]


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


@pytest.fixture
async def manager_api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with api_as(live_server, "mona") as http:
        yield http


@pytest.fixture
async def manager(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Person]:
    person = await signed_in(browser, live_server, "mona", **TABLET)
    yield person
    await person.close()
    assert not person.errors, person.errors


async def on_the_road(http: httpx.AsyncClient, shop: dict[str, Any]) -> dict[str, Any]:
    order = await new_order(http, shop)
    moved = await http.post(
        f"/api/v1/orders/{order['id']}/transitions",
        json={"to": "out_for_delivery", "courier_id": shop["rami"], "settle_mode": "later"},
    )
    assert moved.status_code == 200, moved.text
    return order


def row(page: Any, courier: int) -> Any:
    return page.locator(f'#courier-rows tr[data-courier="{courier}"]')


async def test_settle_part_of_a_couriers_cash_with_a_preview_a_slip_and_the_history(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient
) -> None:
    done = await on_the_road(manager_api, shop)
    await on_the_road(manager_api, shop)
    delivered = await manager_api.post(
        f"/api/v1/orders/{done['id']}/transitions", json={"to": "delivered", "cash_collected": "77.00"}
    )
    assert delivered.status_code == 200, delivered.text

    board = await manager.open(live_server, "/kanban")
    chip = board.locator(f'.kb-courier-chip[data-courier="{shop["rami"]}"] a.kb-courier-cash')
    await chip.click()
    page = board
    await page.wait_for_url("**/admin/courier-cash?*", timeout=WAIT_MS)
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    rami = row(page, shop["rami"])
    # 77.00 in hand from the delivered order, 77.00 still on the road, two 15.00 fees owed to him.
    await rami.locator("[data-balance]", has_text=loose("owes the branch EGP 124.00")).wait_for(
        timeout=WAIT_MS
    )
    cells = plain(await rami.locator("td.n").all_inner_texts())
    assert cells == ["EGP 77.00", "EGP 77.00", "EGP 30.00"]
    assert await rami.get_attribute("aria-selected") == "true"  # the chip's courier is open

    await page.locator("#open-rows tr").nth(3).wait_for(timeout=WAIT_MS)
    # What is ticked at first is what is done: the delivered order's cash and fee, not the one on the road.
    net = page.locator("#preview-net")
    await net.filter(has_text=loose("Rami Rider pays the branch EGP 62.00")).wait_for(timeout=WAIT_MS)
    await page.screenshot(path="/tmp/money-shots/courier-cash-screen.png")
    await page.locator("#pick-all").check()
    await net.filter(has_text=loose("Rami Rider pays the branch EGP 124.00")).wait_for(timeout=WAIT_MS)
    await page.locator("#pick-all").uncheck()
    await page.locator("#preview", has_text="Tick what to settle").wait_for(timeout=WAIT_MS)
    token = f"#{done['token']}" if done.get("token") else f"№ {done['id'][:6].upper()}"
    for box in await page.locator("#open-rows tr", has_text=token).locator("input[data-pick]").all():
        await box.check()
    await net.filter(has_text=loose("Rami Rider pays the branch EGP 62.00")).wait_for(timeout=WAIT_MS)
    await page.get_by_role("button", name="Settle 2 rows").click()
    await page.locator("#done", has_text=loose("Settled: Rami Rider paid the branch EGP 62.00")).wait_for(
        timeout=WAIT_MS
    )
    await rami.locator("[data-balance]", has_text=loose("owes the branch EGP 62.00")).wait_for(
        timeout=WAIT_MS
    )
    assert plain(await rami.locator("td.n").all_inner_texts()) == ["EGP 0.00", "EGP 77.00", "EGP 15.00"]
    await page.locator("#history-rows tr").first.wait_for(timeout=WAIT_MS)
    await page.screenshot(path="/tmp/money-shots/courier-cash-settled.png")

    async with page.expect_popup(timeout=WAIT_MS) as popup_info:
        await page.locator("#slip-link").click()
    slip = await popup_info.value
    await slip.wait_for_load_state()
    text = await slip.locator("body").inner_text()
    assert "Rami Rider paid the branch: 62.00 EGP" in text and "Board Branch" in text
    assert "Cash collected for the branch" in text and "Courier fees" in text
    await slip.set_viewport_size({"width": 320, "height": 640})
    await slip.screenshot(path="/tmp/money-shots/settlement-slip.png", full_page=True)
    await slip.close()

    # Another tablet settles what is left: this one follows live, with nothing open.
    left = (await manager_api.get(f"/api/v1/couriers/{shop['rami']}/settlements/preview")).json()
    ids = [t["id"] for t in left["transactions"]]
    other = await manager_api.post(
        f"/api/v1/couriers/{shop['rami']}/settlements", json={"id": str(uuid.uuid4()), "transaction_ids": ids}
    )
    assert other.status_code == 201, other.text
    await page.locator("#nothing-open").wait_for(timeout=WAIT_MS)
    await rami.locator("[data-balance]", has_text="settled").wait_for(timeout=WAIT_MS)
    assert await page.locator("#history-rows tr").count() == 2
    # Settling a row already settled is a conflict, naming it.
    again = await manager_api.post(
        f"/api/v1/couriers/{shop['rami']}/settlements",
        json={"id": str(uuid.uuid4()), "transaction_ids": ids[:1]},
    )
    assert again.status_code == 409 and again.json()["reason"] == "already_settled"


async def test_the_admin_hub_leads_to_courier_cash(
    live_server: LiveServer, shop: dict[str, Any], manager: Person
) -> None:
    page = await manager.context.new_page()
    await page.goto(f"{live_server.url}/admin")
    await page.screenshot(path="/tmp/money-shots/admin-hub.png")
    await page.get_by_role("link", name="Courier cash").click()
    await page.wait_for_url("**/admin/courier-cash", timeout=WAIT_MS)
    await row(page, shop["rami"]).locator("[data-balance]", has_text="settled").wait_for(timeout=WAIT_MS)
    assert await page.locator("#detail").is_hidden()


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_courier_cash_reads_well_in_both_directions(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, manager_api: httpx.AsyncClient, lang: str
) -> None:
    """At 1280x800 in English and Arabic (right to left): 0 serious/critical axe findings, nothing spills
    out, every control at least 44 px; who owes whom is said in words, the amount isolated."""
    await on_the_road(manager_api, shop)
    page = await manager.context.new_page()
    await page.goto(
        f"{live_server.url}/admin/courier-cash?branch={shop['branch']}&courier={shop['rami']}&lang={lang}"
    )
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    await page.locator("#open-rows tr").first.wait_for(timeout=WAIT_MS)
    held = await row(page, shop["rami"]).locator("td.n").first.inner_text()
    assert "\u2068" in held  # the amount keeps its own direction inside Arabic
    heading = {"en": "Courier cash", "ar": "نقدية المندوبين"}[lang]
    assert heading in await page.locator("h1").inner_text()
    await assert_no_axe_violations(page)
    await assert_nothing_overflows(page)
    await assert_touch_targets(page)
    await shoot(page, f"ui-screens/courier-cash-{lang}-tablet")

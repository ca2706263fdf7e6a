"""The board (/kanban) on the UI layer, at the manager's tablet size (1280x800, touch), in English and in
Arabic right to left: the columns mirror (the first state sits at the reader's start edge), a drag across
still lands in the right column, mixed text (order references, money, customers) is isolated, every
control is at least 44 px, axe finds nothing serious or critical and nothing spills out of its box.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.ui import (
    TABLET,
    assert_no_axe_violations,
    assert_nothing_overflows,
    assert_touch_targets,
    shoot,
)
from tests.support.factory import Factory
from tests.support.kanban import (
    WAIT_MS,
    Person,
    api_as,
    card,
    make_shop,
    mouse_drag,
    new_order,
    settled,
    signed_in,
)
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "received": "Received",
        "preparing": "Preparing",
        "title": "Orders board",
        "menu": "Print summary",
    },
    "ar": {"received": "مستلم", "preparing": "قيد التحضير", "title": "لوحة الطلبات", "menu": "طباعة الملخص"},
}


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


@pytest.fixture
async def manager_api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with api_as(live_server, "mona") as http:
        yield http


@pytest.fixture
async def tablet(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Person]:
    person = await signed_in(browser, live_server, "mona", viewport=TABLET, has_touch=True)
    yield person
    await person.close()
    assert not person.errors, person.errors


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_board_reads_and_mirrors_in_both_directions(
    live_server: LiveServer,
    shop: dict[str, Any],
    tablet: Person,
    manager_api: httpx.AsyncClient,
    lang: str,
) -> None:
    delivery = await new_order(manager_api, shop)
    counter = await new_order(manager_api, shop, channel="counter")
    await new_order(manager_api, shop, channel="pickup", branch="second")
    page = await tablet.open(live_server, f"/kanban?lang={lang}")
    words = WORDS[lang]
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert words["title"] in await page.title()
    await card(page, delivery["id"]).wait_for(timeout=WAIT_MS)

    # The columns follow the reading direction: "received" before "preparing" at the reader's start edge.
    received = await page.locator('.kb-col[data-drop="received"]').bounding_box()
    preparing = await page.locator('.kb-col[data-drop="preparing"]').bounding_box()
    assert received and preparing
    assert (received["x"] < preparing["x"]) == (lang == "en")
    heading = await page.locator('.kb-col[data-drop="received"] h2').text_content()
    assert heading == words["received"]

    # Mixed text is isolated: the reference and the amount keep their own direction inside Arabic.
    token = await card(page, delivery["id"]).locator(".kb-token").text_content()
    assert token and token.startswith("\u2068") and token.endswith("\u2069")
    total = await card(page, delivery["id"]).locator(".kb-total").text_content()
    assert total and "77.00" in total and "\u2068" in total
    assert await card(page, delivery["id"]).locator(".kb-who bdi").count() == 1

    # The card menu opens inside the screen and speaks the page's language.
    await card(page, delivery["id"]).locator(".kb-more").click()
    menu = page.locator("#card-menu")
    await menu.get_by_role("menuitem", name=words["menu"]).wait_for(timeout=WAIT_MS)
    box = await menu.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= TABLET["width"]
    await assert_no_axe_violations(page)
    await shoot(page, f"ui-screens/kanban-{lang}-menu")
    await page.keyboard.press("Escape")

    await assert_no_axe_violations(page)
    await assert_nothing_overflows(page)
    await assert_touch_targets(page)
    await shoot(page, f"ui-screens/kanban-{lang}-tablet")

    # A drag across the mirrored board lands where it was dropped and the server agrees.
    await mouse_drag(page, counter["id"], "preparing")
    await settled(page, "preparing", counter["id"])
    response = await manager_api.get(f"/api/v1/orders/{counter['id']}")
    assert response.json()["state"] == "preparing"

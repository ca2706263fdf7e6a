"""The managers' shifts screen (/admin/shifts) on a tablet: a branch's shifts with what each sold and its
over/short, the Z report (sales, tax per rate, channels, items, refunds and voids) beside the list, and
the list following a sale live."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.ui import assert_no_axe_violations, assert_nothing_overflows, assert_touch_targets, shoot
from tests.support.factory import Factory
from tests.support.kanban import WAIT_MS, Person, api_as, make_shop, signed_in
from tests.support.live import LiveServer
from tests.support.payments import pos_profile

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}


def plain(text: str | None) -> str:
    """Page text without the bidi isolates format.js puts around amounts, spaces plain."""
    return (text or "").replace("\u2068", "").replace("\u2069", "").replace("\xa0", " ")


class _Branch:
    def __init__(self, branch_id: int) -> None:
        self.id = branch_id


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    shop = await make_shop(factory)
    shop["till"] = (await pos_profile(factory, _Branch(shop["branch"]), code="front")).id
    return shop


@pytest.fixture
async def manager(browser: Any, live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[Person]:
    person = await signed_in(browser, live_server, "mona", **TABLET)
    yield person
    await person.close()
    assert not person.errors, person.errors


async def sale(http: httpx.AsyncClient, shop: dict[str, Any], shift_id: str) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"],
        "channel": "counter",
        "pos_profile_id": shop["till"],
        "shift_id": shift_id,
        "lines": [{"product_id": shop["burger"], "qty": "1"}],
    }
    made = await http.post("/api/v1/orders", json=body)
    assert made.status_code == 201, made.text
    paid = await http.post(
        f"/api/v1/orders/{body['id']}/payments",
        json={"id": str(uuid.uuid4()), "method": "cash", "amount": "57.00"},
    )
    assert paid.status_code == 201, paid.text
    return dict(made.json())


async def test_a_branchs_shifts_with_their_z_reports(
    live_server: LiveServer, shop: dict[str, Any], manager: Person
) -> None:
    async with api_as(live_server, "cashier") as cashier:
        first = await cashier.post(
            "/api/v1/shifts",
            json={"id": str(uuid.uuid4()), "pos_profile_id": shop["till"], "opening_cash": "50.00"},
        )
        first_id = first.json()["id"]
        await sale(cashier, shop, first_id)
        closed = await cashier.post(f"/api/v1/shifts/{first_id}/close", json={"counted": {"cash": "105.00"}})
        assert closed.status_code == 200, closed.text
        second = await cashier.post(
            "/api/v1/shifts",
            json={"id": str(uuid.uuid4()), "pos_profile_id": shop["till"], "opening_cash": "50.00"},
        )
        second_id = second.json()["id"]

        hub = await manager.context.new_page()
        await hub.goto(f"{live_server.url}/admin")
        await hub.get_by_role("link", name="Shifts and Z reports").click()
        await hub.wait_for_url("**/admin/shifts", timeout=WAIT_MS)
        page = hub
        await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
        closed_row = page.locator(f'#shift-rows tr[data-shift="{first_id}"]')
        open_row = page.locator(f'#shift-rows tr[data-shift="{second_id}"]')
        # Expected 50.00 + 57.00 = 107.00, counted 105.00: 2.00 short.
        await closed_row.locator("td.ad-short", has_text=re.compile(r"-EGP\s2\.00")).wait_for(timeout=WAIT_MS)
        cells = [plain(text) for text in await closed_row.locator("td.n").all_inner_texts()]
        assert cells[:2] == ["1", "EGP 57.00"]
        await open_row.locator("td.ad-open").wait_for(timeout=WAIT_MS)

        await closed_row.click()
        report = page.frame_locator("#report")
        await report.locator("[data-gross]", has_text="50.00").wait_for(timeout=WAIT_MS)
        assert await report.locator("[data-total]").inner_text() == "57.00"
        assert "Tax 14% on 50.00" in await report.locator('[data-section="sales"]').inner_text()
        assert "Counter (1)" in await report.locator('[data-section="channels"]').inner_text()
        assert "Burger" in await report.locator('[data-section="items"]').inner_text()
        await page.screenshot(path="/tmp/money-shots/shifts-screen.png")

        # A sale on the open shift: the list follows it live.
        await sale(cashier, shop, second_id)
        await open_row.locator("td.n", has_text=re.compile(r"EGP\s57\.00")).wait_for(timeout=WAIT_MS)


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_shifts_screen_reads_well_in_both_directions(
    live_server: LiveServer, shop: dict[str, Any], manager: Person, lang: str
) -> None:
    """At 1280x800 in English and Arabic (right to left): 0 serious/critical axe findings, nothing spills
    out, every control at least 44 px; over/short is said by a sign as well as a colour."""
    async with api_as(live_server, "cashier") as cashier:
        opened = await cashier.post(
            "/api/v1/shifts",
            json={"id": str(uuid.uuid4()), "pos_profile_id": shop["till"], "opening_cash": "50.00"},
        )
        shift_id = opened.json()["id"]
        await sale(cashier, shop, shift_id)
        closed = await cashier.post(f"/api/v1/shifts/{shift_id}/close", json={"counted": {"cash": "105.00"}})
        assert closed.status_code == 200, closed.text
    page = await manager.context.new_page()
    await page.goto(f"{live_server.url}/admin/shifts?lang={lang}")
    await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    short = page.locator(f'#shift-rows tr[data-shift="{shift_id}"] td.ad-short')
    await short.wait_for(timeout=WAIT_MS)
    text = await short.inner_text()
    assert "-" in text and "\u2068" in text  # a sign, not only red; the amount isolated
    heading = {"en": "Shifts and Z reports", "ar": "الورديات وتقارير Z"}[lang]
    assert heading in await page.locator("h1").inner_text()
    await assert_no_axe_violations(page)
    await assert_nothing_overflows(page)
    await assert_touch_targets(page)
    await shoot(page, f"ui-screens/shifts-{lang}-tablet")

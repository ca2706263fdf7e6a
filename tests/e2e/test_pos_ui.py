"""The till (/pos) on the shared layer, walked as a cashier at the tablet's size (1280 x 800), in Arabic right
to left and in English: the grid (pictures, long names, no price hidden), a burger with modifiers in the
cart, the payment dialog, the success screen and the shift close — each checked with axe-core (0 serious
or critical), for overflow and 44 px targets, and photographed (/tmp/shots/pos-ui/)."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from tests.e2e.ui import (
    TABLET,
    assert_no_axe_violations,
    assert_nothing_overflows,
    assert_touch_targets,
    plain,
)
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.menu import menu_shop, put_groups
from tests.support.till import till_profile

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
SHOTS = "/tmp/shots/pos-ui"
# Long names as shops type them, in both scripts: the tiles must show each one's price all the same.
LONG_NAMES = (
    "Grilled halloumi and roasted red pepper wrap with garlic sauce",
    "ساندويتش فراخ مشوية بالثومية والمخلل والبطاطس",
    "Family bucket: 12 pieces, 4 sides, 2 litres of juice",
    "كشري كبير بالصلصة والدقة والبصل المحمر",
    "Mango, strawberry and guava smoothie (large, no sugar)",
)

# Every price's box inside its tile's box: the baseline was 45 of 241 tiles hiding their price.
HIDDEN_PRICES = """() => [...document.querySelectorAll('.pos-product')].filter((tile) => {
  const t = tile.getBoundingClientRect();
  const p = tile.querySelector('.pos-price').getBoundingClientRect();
  return p.height === 0 || p.top < t.top - 1 || p.bottom > t.bottom + 1 || p.left < t.left - 1 || p.right > t.right + 1;
}).map((tile) => tile.textContent)"""


def _picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 400), (180, 90, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    found = await menu_shop(factory)
    for i, name in enumerate(LONG_NAMES * 4):
        await factory.product(f"{name} {i + 1}", price=f"{35 + i}.50", station="grill")
    found["profile"] = await till_profile(factory, found["branch"], require_shift=False)
    await factory.commit()
    return found


@pytest.fixture
async def menu(live_server: LiveServer, shop: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        groups = await put_groups(http, shop)
        # The back office gives the burger a picture (served locally, under a URL that changes with it).
        response = await http.put(
            f"/api/v1/admin/products/{shop['burger'].id}/image",
            content=_picture(),
            headers={"Content-Type": "image/png"},
        )
        assert response.status_code == 200, response.text
        groups["image_url"] = response.json()["image_url"]
        return groups


@pytest.fixture
async def cashier(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "cashier")
        yield http


async def _till(browser: Any, server: LiveServer, http: httpx.AsyncClient, errors: list[str]) -> Any:
    context = await browser.new_context(viewport=TABLET)
    await context.add_cookies(
        [
            {"name": name, "value": value, "url": server.url}
            for name, value in http.cookies.items()
            if name in ("passline_session", "passline_csrf")
        ]
    )
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["passline_csrf"]}


async def _check(page: Any) -> None:
    await assert_no_axe_violations(page)
    await assert_nothing_overflows(page)
    await assert_touch_targets(page)


@pytest.mark.parametrize("lang", ["ar", "en"])
async def test_a_sale_end_to_end_on_the_tablet_in_both_directions(
    browser: Any,
    live_server: LiveServer,
    shop: dict[str, Any],
    menu: dict[str, Any],
    cashier: httpx.AsyncClient,
    lang: str,
) -> None:
    saved = await cashier.put("/api/v1/me/language", json={"language": lang}, headers=csrf(cashier))
    assert saved.status_code == 200, saved.text
    opened = await cashier.post(
        "/api/v1/shifts",
        json={"id": str(uuid.uuid4()), "pos_profile_id": shop["profile"].id, "opening_cash": "100.00"},
        headers=csrf(cashier),
    )
    assert opened.status_code in (200, 201), opened.text
    errors: list[str] = []
    page = await _till(browser, live_server, cashier, errors)
    api_calls: list[str] = []
    page.on("request", lambda r: api_calls.append(r.url) if "/api/" in r.url else None)
    try:
        await page.goto(f"{live_server.url}/pos")
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
        rtl = lang == "ar"
        assert await page.get_attribute("html", "dir") == ("rtl" if rtl else "ltr")
        assert await page.get_attribute("html", "lang") == lang
        # Mirrored: the sale sits at the end side (left in Arabic), the catalog at the start side.
        sale = await page.locator("#sale").bounding_box()
        grid = await page.locator("#grid").bounding_box()
        assert sale and grid and ((sale["x"] < grid["x"]) if rtl else (sale["x"] > grid["x"]))
        if rtl:
            assert plain(await page.inner_text("#checkout")) == "دفع"
            assert plain(await page.inner_text("#customer-name")) == "عميل عابر"

        # The grid: every price shows; the burger's tile has its picture (lazy, sized), the others read well.
        tiles = page.locator(".pos-product")
        assert await tiles.count() == 23
        assert await page.evaluate(HIDDEN_PRICES) == []
        picture = page.locator(f'.pos-product[data-product-id="{shop["burger"].id}"] img.pos-tile-img')
        assert await picture.get_attribute("src") == menu["image_url"]
        assert await picture.get_attribute("loading") == "lazy"
        assert await picture.get_attribute("width") and await picture.get_attribute("height")
        await page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0",
            arg=await picture.element_handle(),
            timeout=WAIT_MS,
        )
        assert await page.locator(".pos-product img").count() == 1
        await _check(page)
        await page.screenshot(path=f"{SHOTS}/pos-idle-{lang}.png")

        # A burger with modifiers into the cart.
        await page.locator(f'.pos-product[data-product-id="{shop["burger"].id}"]').click()
        dialog = page.locator("#modifiers")
        await dialog.wait_for(state="visible", timeout=WAIT_MS)
        await dialog.locator(f'button.pos-mod[data-option="{menu["option"]["medium"]}"]').click()
        await dialog.locator(f'button.pos-mod[data-option="{menu["option"]["bacon"]}"]').click()
        await _check(page)
        await page.screenshot(path=f"{SHOTS}/pos-modifiers-{lang}.png")
        await page.click("#modifiers-add")
        line = page.locator(".pos-line")
        await line.wait_for(timeout=WAIT_MS)
        assert "+ Bacon" in plain(await line.inner_text())
        # Inclusive branch: 50 + 12 (bacon; the cheapest topping would be free, bacon is the only one).
        await page.locator("#t-total", has_text="50.00").wait_for(timeout=WAIT_MS)
        await _check(page)
        await page.screenshot(path=f"{SHOTS}/pos-cart-modifiers-{lang}.png")

        # The payment dialog, cash with change.
        await page.click("#checkout")
        pay = page.locator("#pay")
        await pay.wait_for(state="visible", timeout=WAIT_MS)
        total = plain(await page.inner_text("#pay-total"))
        assert "50.00" in total
        await page.locator('#pay-methods [data-method="cash"]').click()
        await page.fill("#pay-tendered", "100")
        await page.click("#pay-add")
        await page.locator("#pay-change-row").wait_for(state="visible", timeout=WAIT_MS)
        await _check(page)
        await page.screenshot(path=f"{SHOTS}/pos-payment-{lang}.png")
        await page.click("#pay-confirm")
        success = page.locator("#success")
        await success.wait_for(state="visible", timeout=WAIT_MS)
        assert "50.00" in plain(await page.inner_text("#s-change"))
        assert plain(await page.inner_text("#s-token")).startswith("#")
        await _check(page)
        await page.screenshot(path=f"{SHOTS}/pos-success-{lang}.png")
        await page.click("#s-new")

        # Closing the shift: counted cash, a second look, then expected / counted / over-short in words.
        await page.click("#shift-button")
        shift = page.locator("#shift")
        await shift.wait_for(state="visible", timeout=WAIT_MS)
        await page.locator("#shift-summary", has_text="150.00").wait_for(timeout=WAIT_MS)
        await page.fill('#close-counts input[data-method="cash"]', "148.00")
        await _check(page)
        await page.screenshot(path=f"{SHOTS}/pos-shift-{lang}.png")
        await page.click("#shift-close")
        await page.locator("#confirm").wait_for(state="visible", timeout=WAIT_MS)
        await page.click("#confirm-yes")
        row = page.locator('#close-result tr[data-method="cash"]')
        await row.wait_for(timeout=WAIT_MS)
        assert "2.00" in plain(await row.inner_text())
        await _check(page)
        await page.screenshot(path=f"{SHOTS}/pos-shift-closed-{lang}.png")
    finally:
        await page.context.close()
    assert not errors, errors


async def test_a_cold_load_is_one_api_read_and_an_offline_reload_keeps_the_pictures(
    browser: Any,
    live_server: LiveServer,
    shop: dict[str, Any],
    menu: dict[str, Any],
    cashier: httpx.AsyncClient,
) -> None:
    """A cold load reads the API once (the till's start document, handed to the service worker rather than
    fetched again through it); the worker keeps the hashed scripts, that document and the product picture,
    so the till reloads offline whole."""
    errors: list[str] = []
    page = await _till(browser, live_server, cashier, errors)
    context = page.context
    requests: list[Any] = []
    # The context's event sees the service worker's requests as well as the page's.
    # A lambda, not the bound method: Playwright cannot wrap a builtin as a handler.
    context.on("request", lambda r: requests.append(r))  # noqa: PLW0108
    try:
        await page.goto(f"{live_server.url}/pos")
        await page.locator("#pos[data-offline-ready]").wait_for(timeout=WAIT_MS)
        await page.locator('#conn[data-status="live"]').wait_for(timeout=WAIT_MS)
        seen = [r.url for r in requests]
        # What went over the network: the worker's own fetches, and the page's the worker did not answer
        # (a page request the worker answered shows twice: the page's, and the worker's fetch for it).
        network = []
        for request in requests:
            response = await request.response()
            if request.service_worker is not None or response is None or not response.from_service_worker:
                network.append(request.url.split(live_server.url, 1)[1])
        api = [u for u in network if u.startswith("/api/")]
        print("cold load API calls:", len(api), api)
        # One read: the start document (tills, catalog, shift, pauses); the catalog is not read again.
        assert len(api) == 1 and api[0].startswith("/api/v1/pos/start"), api
        # Scripts come from the hashed tree, under the import map, as on every page.
        assert not [u for u in seen if "/static/" in u], [u for u in seen if "/static/" in u]
        assert any("/assets/" in u and u.endswith("/js/pos/pricing.js") for u in seen)

        await context.set_offline(True)
        await page.reload()
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        assert await page.get_attribute("html", "dir") == "ltr"
        assert await page.locator(".pos-product").count() == 23
        picture = page.locator(f'.pos-product[data-product-id="{shop["burger"].id}"] img.pos-tile-img')
        await page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0",
            arg=await picture.element_handle(),
            timeout=WAIT_MS,
        )
        await page.locator('#conn[data-status="offline"]').wait_for(timeout=WAIT_MS)
    finally:
        await context.close()
    assert not errors, errors


async def test_no_tile_of_the_demo_catalog_hides_its_price(
    browser: Any, live_server: LiveServer, factory: Factory
) -> None:
    """The issue's baseline: 45 of the demo shop's 241 tiles hid their price in 84 px rows. Every tile of
    the demo catalog, in Arabic at the tablet's size: each price inside its tile, nothing clipped."""
    from app.db.models import User
    from app.demo import DEMO_PASSWORD, seed_demo

    await seed_demo(factory.session)
    cashier = await factory.session.scalar(select(User).where(User.username == "cashier"))
    assert cashier is not None
    cashier.language = "ar"
    await factory.commit()
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "cashier", DEMO_PASSWORD)
        errors: list[str] = []
        page = await _till(browser, live_server, http, errors)
    try:
        await page.goto(f"{live_server.url}/pos")
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        tiles = await page.locator(".pos-product").count()
        assert tiles >= 200, tiles
        assert await page.evaluate(HIDDEN_PRICES) == []
        await assert_nothing_overflows(page)
        # The category tabs scroll as a row; none is squeezed narrower than its name.
        squeezed = await page.evaluate(
            "() => [...document.querySelectorAll('.pos-tab')].filter((t) => t.scrollWidth > t.clientWidth + 1)"
            ".map((t) => t.textContent)"
        )
        assert await page.locator(".pos-tab").count() > 5 and squeezed == [], squeezed
        await page.screenshot(path=f"{SHOTS}/pos-demo-catalog-ar.png")
    finally:
        await page.context.close()
    assert not errors, errors

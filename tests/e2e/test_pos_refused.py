"""A till whose offline queue holds sales the server cannot take (a NUL in a note, a quantity of "sNaN"):
on replay the good sale is stored, each bad one is refused with its reason, the till lists them with the
line at fault, stops retrying them, and the cashier fixes one in the cart (and rings it up) and discards
the other. Tablet size, 1280 x 800; screenshots in /tmp/shots/h-harden-a/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.ui import plain, text_of
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.till import with_stock

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
SHOTS = Path("/tmp/shots/h-harden-a")

READ_QUEUE = """() => new Promise((resolve, reject) => {
  const req = indexedDB.open("passline-pos", 1);
  req.onsuccess = () => {
    const all = req.result.transaction("sales").objectStore("sales").getAll();
    all.onsuccess = () => resolve(all.result.sort((a, b) => a.created_ms - b.created_ms));
    all.onerror = () => reject(all.error);
  };
  req.onerror = () => reject(req.error);
})"""

WRITE_QUEUE = """(entries) => new Promise((resolve, reject) => {
  const req = indexedDB.open("passline-pos", 1);
  req.onsuccess = () => {
    const tx = req.result.transaction("sales", "readwrite");
    for (const entry of entries) tx.objectStore("sales").put(entry);
    tx.oncomplete = () => resolve(true);
    tx.onerror = () => reject(tx.error);
  };
  req.onerror = () => reject(req.error);
})"""


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="RF", name="Refusals")
    await factory.station(branch, "grill")
    burger = await factory.product("Burger", price="50.00", station="grill")
    cake = await factory.product("Cake", price="20.00", station="grill")
    await with_stock(factory, cake, branch, "5")
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "burger": burger.id, "cake": cake.id}


@pytest.fixture(autouse=True)
def shots() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
async def api(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        await login(http, "cashier")
        yield http


@pytest.fixture
async def till(browser: Any, live_server: LiveServer, api: httpx.AsyncClient) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_cookies(
        [
            {"name": name, "value": value, "url": live_server.url}
            for name, value in api.cookies.items()
            if name in ("passline_session", "passline_csrf")
        ]
    )
    # Playwright's clock in place of the page's timers (installed before the till loads, so its replay
    # interval is on it). Time still flows as usual; a test that needs the till's 10-second replay to come
    # round advances the clock instead of sleeping through it.
    await context.clock.install()
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await page.goto(f"{live_server.url}/pos")
        await page.locator("#pos[data-ready]").wait_for(timeout=WAIT_MS)
        yield page
    finally:
        await context.close()
    assert not errors, errors


async def orders_of(api: httpx.AsyncClient, branch: int) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/orders", params={"branch_id": branch})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def queue_until(page: Any, done: Any) -> list[dict[str, Any]]:
    """The till's IndexedDB queue once `done(rows)` holds (polled: IndexedDB reads are asynchronous)."""
    deadline = asyncio.get_running_loop().time() + WAIT_MS / 1000
    while True:
        rows: list[dict[str, Any]] = await page.evaluate(READ_QUEUE)
        if done(rows):
            return rows
        assert asyncio.get_running_loop().time() < deadline, rows
        await asyncio.sleep(0.1)


async def sell_cash(page: Any, *, offline: bool) -> None:
    await page.locator('.pos-product:has-text("Burger")').click()
    await page.click("#checkout")
    await page.locator('#pay-methods [data-method="cash"]').click()
    await page.fill("#pay-amount", "57.00")
    await page.click("#pay-add")
    await page.click("#pay-confirm")
    await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
    assert await page.locator("#s-offline").is_visible() == offline
    await page.click("#s-new")


async def test_refused_offline_sales_are_shown_fixed_or_discarded_and_not_retried(
    till: Any, api: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    page = till
    await page.locator("#pos[data-offline-ready]").wait_for(timeout=WAIT_MS)
    await page.context.set_offline(True)
    for _ in range(3):
        await sell_cash(page, offline=True)
    await page.locator("#queue-count", has_text="3").wait_for(timeout=WAIT_MS)

    # Two of the saved sales carry what the server cannot take (a scanner's NUL, a corrupt quantity).
    good, nul_note, bad_qty = await page.evaluate(READ_QUEUE)
    nul_note["body"]["lines"][0]["note"] = "no\u0000onions"
    bad_qty["body"]["lines"][0]["qty"] = "sNaN"
    await page.evaluate(WRITE_QUEUE, [nul_note, bad_qty])

    syncs: list[str] = []
    page.on("request", lambda r: syncs.append(r.url) if r.url.endswith("/orders/sync") else None)
    await page.context.set_offline(False)

    dialog = page.locator("#refused")
    await dialog.wait_for(state="visible", timeout=WAIT_MS)
    await page.locator("#refused-list .pos-refused").nth(1).wait_for(timeout=WAIT_MS)
    await queue_until(page, lambda rows: len(rows) == 2 and all(r["state"] == "refused" for r in rows))
    await page.screenshot(path=str(SHOTS / "pos-refused-1280x800.png"))

    # The good sale reached the server, paid; the refused ones did not.
    orders = await orders_of(api, shop["branch"])
    assert [o["id"] for o in orders] == [good["id"]]
    assert orders[0]["payment_status"] == "paid"

    entries = {e["id"]: e for e in await page.evaluate(READ_QUEUE)}
    assert entries[nul_note["id"]]["field"] == "lines[0].note"
    assert entries[bad_qty["id"]]["field"] == "lines[0].qty"
    note_item = page.locator(f'.pos-refused[data-sale="{nul_note["id"]}"]')
    qty_item = page.locator(f'.pos-refused[data-sale="{bad_qty["id"]}"]')
    assert plain(await note_item.locator(".pos-refused-reason").inner_text()) == (
        "Line 1 (Burger), note: has an invisible character (NUL) that cannot be stored"
    )
    assert plain(await qty_item.locator(".pos-refused-reason").inner_text()) == (
        "Line 1 (Burger), qty: must be a number such as 12.50 (not NaN or Infinity)"
    )
    assert "Cash EGP 57.00" in plain(await note_item.inner_text())
    assert await note_item.locator(".pos-refused-lines .is-bad").count() == 1
    assert await page.locator("#queue-badge[data-refused]").is_visible()

    # Refused sales are not retried by themselves: the till's 10-second replay leaves them alone. The
    # clock is moved past it, firing the till's own interval (and every other timer due on the way).
    sent = len(syncs)
    await page.clock.run_for(11_000)

    # Discard the corrupt one (the cashier confirms in the till's dialog, told about the cash taken).
    await qty_item.locator("[data-discard]").click()
    ask = page.locator("dialog.dialog[open]")
    await ask.wait_for(timeout=WAIT_MS)
    assert "Cash EGP 57.00" in plain(await ask.inner_text())
    await ask.locator("button[type=submit]").click()
    await qty_item.wait_for(state="detached", timeout=WAIT_MS)
    # Checked only now: a replay the interval set off (IndexedDB reads, then the request) has had the
    # discard's round trips to show itself. Discarding sends nothing.
    assert len(syncs) == sent

    # Fix the other in the cart: the line comes back with its note readable, and is rung up again.
    await note_item.locator("[data-fix]").click()
    await dialog.wait_for(state="hidden", timeout=WAIT_MS)
    line = page.locator("#cart .pos-line")
    await line.wait_for(timeout=WAIT_MS)
    assert "no onions" in plain(await line.inner_text())
    assert "take that payment again" in await text_of(page, ".toasts")
    await page.screenshot(path=str(SHOTS / "pos-refused-fixed-in-cart-1280x800.png"))
    await page.click("#checkout")
    await page.locator('#pay-methods [data-method="cash"]').click()
    await page.fill("#pay-amount", "57.00")
    await page.click("#pay-add")
    await page.click("#pay-confirm")
    await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
    assert await page.locator("#s-offline").is_hidden()

    assert await page.evaluate(READ_QUEUE) == []
    await page.locator("#queue-badge").wait_for(state="hidden", timeout=WAIT_MS)
    orders = await orders_of(api, shop["branch"])
    assert len(orders) == 2 and all(o["payment_status"] == "paid" for o in orders)
    fixed = next(o for o in orders if o["id"] != good["id"])
    full = (await api.get(f"/api/v1/orders/{fixed['id']}")).json()
    assert full["lines"][0]["note"] == "no onions"


async def test_a_sale_refused_for_stock_is_sent_again_once_the_shelf_is_counted_again(
    till: Any, api: httpx.AsyncClient, shop: dict[str, Any], live_server: LiveServer
) -> None:
    page = till
    await page.locator("#pos[data-offline-ready]").wait_for(timeout=WAIT_MS)
    await page.context.set_offline(True)
    await page.locator('.pos-product:has-text("Cake")').click()
    await page.click("#checkout")
    await page.locator('#pay-methods [data-method="cash"]').click()
    await page.fill("#pay-amount", "22.80")
    await page.click("#pay-add")
    await page.click("#pay-confirm")
    await page.locator("#success").wait_for(state="visible", timeout=WAIT_MS)
    await page.click("#s-new")

    # Meanwhile a manager counts the shelf empty: the offline sale can no longer be taken as it is.
    stock = f"/api/v1/branches/{shop['branch']}/stock/{shop['cake']}"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as manager:
        await login(manager, "boss")
        assert (await manager.put(stock, json={"qty": "0", "reason": "count"})).status_code == 200
        await page.context.set_offline(False)
        item = page.locator("#refused-list .pos-refused")
        await item.wait_for(timeout=WAIT_MS)
        reason = plain(await item.locator(".pos-refused-reason").inner_text())
        assert "Cake" in reason, reason
        assert await orders_of(api, shop["branch"]) == []

        # The cake was there after all: counted again, the cashier sends the sale as it was.
        assert (await manager.put(stock, json={"qty": "3", "reason": "recount"})).status_code == 200
    await item.locator("[data-retry]").click()
    await queue_until(page, lambda rows: rows == [])
    orders = await orders_of(api, shop["branch"])
    full = (await api.get(f"/api/v1/orders/{orders[0]['id']}")).json()
    assert len(orders) == 1 and full["payment_status"] == "paid", full

"""First loads of the live screens: how many data calls each makes on a cold load, the board's time to
first draw, and the board snapshot's latency.

    .venv/bin/python tests/load/run_first_load.py [--calls 200] [--orders 40] [--checkout PATH]

A scratch demo shop (migrated, seeded, `--orders` open orders spread over its two branches, a few on the
road) and its `passline web`, then:
- each screen opened in a fresh Chromium context (cold: no cache, no service worker) as its user: the
  requests to `/api/` until the page is drawn and the network has been quiet, and the Socket.IO
  connections it opened;
- the board's time to first draw: navigation start to `#kanban[data-ready]` (cards, couriers and alerts on
  screen), the median of five cold loads;
- `GET /api/v1/board/snapshot` (both branches) `--calls` times in a row: p50 / p95 / max.

Prints figures and the load average; asserts nothing about time (DESIGN §10). `--checkout` runs another
worktree (e.g. the commit before the snapshot) for a before/after.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.load._harness import add_checkout_argument, load_average, log, log_directory, percentile
from tests.load._passline import (
    DEMO_PASSWORD,
    branch_id,
    fetch,
    login,
    scratch_shop,
    web,
)
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

# (screen, user, path, what says it is drawn)
SCREENS = (
    ("board /kanban", "manager", "/kanban", "#kanban[data-ready]"),
    ("KDS station", "kitchen", "/kds/grill?branch={DT}", "#conn[data-status=live]"),
    ("KDS expo", "kitchen", "/kds/expo?branch={DT}", "#conn[data-status=live]"),
    ("courier phone", "courier1", "/courier", "#conn[data-status=live]"),
    ("queue TV", "manager", "/queue/{DT}", "#queue-status[data-status=live]"),
)


async def cold_load(browser: Any, base_url: str, user: str, path: str, ready: str) -> dict[str, Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    async with httpx.AsyncClient(base_url=base_url) as http:
        answer = await http.post("/api/v1/auth/login", json={"username": user, "password": DEMO_PASSWORD})
        answer.raise_for_status()
        await context.add_cookies(
            [{"name": n, "value": v, "url": base_url} for n, v in answer.cookies.items()]
        )
    page = await context.new_page()
    calls: list[str] = []
    sockets: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/" in r.url else None)
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await page.goto(f"{base_url}{path}")
    await page.locator(ready).first.wait_for(timeout=20_000)
    drawn_ms = await page.evaluate("performance.now()")
    # Whatever the page still fetches after its first draw (the board's old per-courier reads) counts too.
    await page.wait_for_load_state("networkidle")
    await page.wait_for_timeout(1500)
    await context.close()
    return {"calls": calls, "sockets": len(sockets), "drawn_ms": drawn_ms}


async def browse(base_url: str, dt: int) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        print(f"\n{'screen':<16} {'data calls':>10} {'sockets':>8}  calls")
        for name, user, path, ready in SCREENS:
            try:
                got = await cold_load(browser, base_url, user, path.format(DT=dt), ready)
            except Exception as exc:  # a screen that cannot open here is reported, not fatal
                print(f"{name:<16} {'—':>10} {'—':>8}  ({type(exc).__name__}: {str(exc)[:80]})")
                continue
            shown = ", ".join(sorted({u.split("/api/v1/", 1)[-1].split("?")[0] for u in got["calls"]}))
            print(f"{name:<16} {len(got['calls']):>10} {got['sockets']:>8}  {shown[:150]}")
        draws = [
            (await cold_load(browser, base_url, "manager", "/kanban", "#kanban[data-ready]"))["drawn_ms"]
            for _ in range(5)
        ]
        print(
            f"\nboard time to first draw (cold, 5 loads): median {statistics.median(draws):.0f} ms, "
            f"min {min(draws):.0f}, max {max(draws):.0f}"
        )
        await browser.close()


def make_orders(shop: Any, branches: list[int], count: int) -> None:
    """Open orders as tills send them: simple products (no modifier to choose), counter and delivery ones,
    a few dispatched to a courier, so the board has columns, cards on the road and couriers with cash."""
    products = [
        int(r["id"])
        for r in fetch(
            shop.dsn,
            """
            SELECT p.id FROM products p
            JOIN product_prices pp ON pp.product_id = p.id AND pp.unit = p.base_unit
                AND pp.price_list = 'counter' AND pp.branch_id IS NULL
            WHERE p.active AND NOT EXISTS (SELECT 1 FROM product_modifier_groups g WHERE g.product_id = p.id)
            ORDER BY p.id LIMIT 6
            """,
        )
    ]
    territory = int(fetch(shop.dsn, "SELECT id FROM territories WHERE active ORDER BY id LIMIT 1")[0]["id"])
    couriers = {
        int(r["branch_id"]): int(r["id"])
        for r in fetch(
            shop.dsn, "SELECT DISTINCT ON (branch_id) id, branch_id FROM couriers ORDER BY branch_id, id"
        )
    }
    seller = login(shop.base_url, "manager")
    asyncio.run(_post_orders(shop, branches, count, products, territory, couriers, seller.headers))


async def _post_orders(
    shop: Any,
    branches: list[int],
    count: int,
    products: list[int],
    territory: int,
    couriers: dict[int, int],
    headers: dict[str, str],
) -> None:
    async with httpx.AsyncClient(base_url=shop.base_url, headers=headers, timeout=30) as http:
        for i in range(count):
            branch = branches[i % len(branches)]
            body: dict[str, Any] = {
                "id": str(uuid.uuid4()),
                "branch_id": branch,
                "channel": "delivery" if i % 3 == 0 else "counter",
                "lines": [{"product_id": products[(i + k) % len(products)], "qty": "1"} for k in range(3)],
            }
            if body["channel"] == "delivery":
                body["delivery"] = {"address": f"{i} Nile St", "territory_id": territory}
            made = await http.post("/api/v1/orders", json=body)
            if made.status_code != 201:
                raise RuntimeError(f"order creation answered {made.status_code}: {made.text[:300]}")
            order = made.json()
            if body["channel"] == "delivery" and i % 2 == 0 and branch in couriers:
                moved = await http.post(
                    f"/api/v1/orders/{order['id']}/transitions",
                    json={
                        "to": "out_for_delivery",
                        "expected_version": order["version"],
                        "courier_id": couriers[branch],
                        "settle_mode": "later",
                    },
                )
                if moved.status_code != 200:
                    log(f"dispatch answered {moved.status_code}: {moved.text[:200]}")


def snapshot_latency(base_url: str, calls: int) -> None:
    session = login(base_url, "manager")
    with httpx.Client(base_url=base_url, headers=session.headers, timeout=30) as http:
        if http.get("/api/v1/board/snapshot").status_code == 404:
            print("\nGET /api/v1/board/snapshot: not on this checkout")
            return
        for _ in range(10):
            http.get("/api/v1/board/snapshot").raise_for_status()
        times = []
        size = 0
        for _ in range(calls):
            started = time.perf_counter()
            answer = http.get("/api/v1/board/snapshot")
            times.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            size = len(answer.content)
    print(
        f"\nGET /api/v1/board/snapshot, both branches, {calls} calls in a row ({size / 1024:.1f} KiB): "
        f"p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--keep-logs", action="store_true")
    add_checkout_argument(parser)
    args = parser.parse_args()
    import os

    pg = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    with (
        log_directory(args.keep_logs) as logs,
        scratch_shop(pg, redis, log_dir=logs, root=args.checkout) as shop,
        web(shop, logs),
    ):
        dt, rs = branch_id(shop, "DT"), branch_id(shop, "RS")
        log(f"making {args.orders} open orders")
        make_orders(shop, [dt, rs], args.orders)
        print(f"checkout {args.checkout}; load average before: {load_average()}")
        asyncio.run(browse(shop.base_url, dt))
        snapshot_latency(shop.base_url, args.calls)
        print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()

"""Passline under load: a scratch shop (database migrated and seeded, Redis prefix), its web process and
worker started with the CLI exactly as an operator would, demo logins, and a few reads of its state."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from redis import Redis

from tests.load._catalog import OrderItem, sellable_items
from tests.load._harness import HOST, PYTHON, ROOT, Child, free_port, log, scratch_database, scratch_prefix

DEMO_PASSWORD = "passline-demo"
# Three stations, so an order makes three kitchen tickets.
ORDER_STATIONS = ("grill", "fryer", "drinks")


@dataclass
class Shop:
    database_url: str
    redis_url: str
    prefix: str
    port: int
    env: dict[str, str]
    # The Passline checkout that runs: this repository, or another worktree (`--checkout`).
    root: Path = ROOT

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def dsn(self) -> str:
        return self.database_url

    @property
    def database(self) -> str:
        return self.database_url.rsplit("/", 1)[1]


@dataclass(frozen=True)
class Login:
    username: str
    cookie: str  # the Cookie header value
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}


def run_cli(shop: Shop, command: str) -> None:
    done = subprocess.run(
        [PYTHON, "-m", "app.cli", command],
        cwd=shop.root,
        env=shop.env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"passline {command} failed:\n{done.stdout}\n{done.stderr}")


@contextlib.contextmanager
def scratch_shop(
    pg_url: str,
    redis_url: str,
    *,
    log_dir: Path,
    extra_env: dict[str, str] | None = None,
    root: Path | None = None,
) -> Iterator[Shop]:
    """A demo shop in a new database `passline_bench_<random>` and Redis prefix, both removed afterwards."""
    with (
        scratch_database(pg_url, "passline_bench") as database_url,
        scratch_prefix(redis_url, "plbench") as prefix,
    ):
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PASSLINE_REDIS_PREFIX": prefix,
            "PASSLINE_HOST": HOST,
            "PASSLINE_PORT": str(port),
            "PASSLINE_DATA_DIR": str(log_dir / "data"),
            "PASSLINE_WEB_WORKERS": "1",
            **(extra_env or {}),
        }
        shop = Shop(
            database_url=database_url,
            redis_url=redis_url,
            prefix=prefix,
            port=port,
            env=env,
            root=root or ROOT,
        )
        log("migrating and seeding the demo shop")
        run_cli(shop, "migrate")
        run_cli(shop, "seed-demo")
        yield shop


def web(shop: Shop, log_dir: Path) -> Child:
    return Child(
        "passline-web",
        [PYTHON, "-m", "app.cli", "web"],
        env=shop.env,
        log_dir=log_dir,
        ready_url=f"{shop.base_url}/health/ready",
        cwd=shop.root,
    )


def worker(shop: Shop, log_dir: Path) -> Child:
    return Child(
        "passline-worker", [PYTHON, "-m", "app.cli", "worker"], env=shop.env, log_dir=log_dir, cwd=shop.root
    )


def wait_idle(base_url: str, timeout: float = 15) -> None:
    """Wait until the server has no request in flight but the scrape itself. wrk drops its connections at
    the end of a run and the server finishes what it had started, so the next run must not begin (nor the
    orders' states be read) before that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = httpx.get(f"{base_url}/metrics", timeout=5).text
        match = re.search(r"^passline_http_requests_in_flight(?:\{\})? ([\d.]+)$", text, re.MULTILINE)
        if match is None or float(match.group(1)) <= 1:
            return
        time.sleep(0.1)


def login(base_url: str, username: str, password: str = DEMO_PASSWORD) -> Login:
    response = httpx.post(
        f"{base_url}/api/v1/auth/login", json={"username": username, "password": password}, timeout=10
    )
    response.raise_for_status()
    cookie = "; ".join(f"{name}={value}" for name, value in response.cookies.items())
    return Login(username=username, cookie=cookie, csrf=str(response.json()["csrf_token"]))


# --------------------------------------------------------------------------- reads of the scratch shop


async def _fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    return asyncio.run(_fetch(dsn, sql, *args))


def branch_id(shop: Shop, code: str = "DT") -> int:
    return int(fetch(shop.dsn, "SELECT id FROM branches WHERE code = $1", code)[0]["id"])


def add_branches(shop: Shop, total: int) -> list[int]:
    """Bring the shop to `total` branches (copies of Downtown with its stations), the manager in all."""
    extra = max(total - 2, 0)

    async def run() -> list[int]:
        conn = await asyncpg.connect(shop.dsn)
        try:
            async with conn.transaction():
                await conn.execute(
                    """
                    INSERT INTO branches (code, name, timezone, currency, currency_exponent,
                                          prices_include_tax, cash_rounding, address, phone)
                    SELECT 'BX' || lpad(g::text, 4, '0'), 'Bench branch ' || g, timezone, currency,
                           currency_exponent, prices_include_tax, cash_rounding, address, phone
                    FROM branches, generate_series(1, $1::int) AS g WHERE code = 'DT'
                    """,
                    extra,
                )
                await conn.execute(
                    """
                    INSERT INTO stations (branch_id, code, name, warn_after_seconds, late_after_seconds, sort_order)
                    SELECT b.id, s.code, s.name, s.warn_after_seconds, s.late_after_seconds, s.sort_order
                    FROM stations s JOIN branches dt ON dt.id = s.branch_id AND dt.code = 'DT'
                    CROSS JOIN branches b WHERE b.code LIKE 'BX%'
                    """
                )
                # Downtown's stock too: a stock-tracked sale needs a stock row at its branch.
                await conn.execute(
                    """
                    INSERT INTO product_stock (branch_id, product_id, qty)
                    SELECT b.id, s.product_id, s.qty
                    FROM product_stock s JOIN branches dt ON dt.id = s.branch_id AND dt.code = 'DT'
                    CROSS JOIN branches b WHERE b.code LIKE 'BX%'
                    ON CONFLICT DO NOTHING
                    """
                )
                await conn.execute(
                    """
                    INSERT INTO branch_memberships (user_id, branch_id)
                    SELECT u.id, b.id FROM users u CROSS JOIN branches b WHERE u.username = 'manager'
                    ON CONFLICT DO NOTHING
                    """
                )
            return [int(r["id"]) for r in await conn.fetch("SELECT id FROM branches ORDER BY id")]
        finally:
            await conn.close()

    return asyncio.run(run())


def till_catalog(base_url: str, session: Login, branch: int) -> dict[str, Any]:
    response = httpx.get(
        f"{base_url}/api/v1/pos/catalog", params={"branch_id": branch}, headers=session.headers, timeout=30
    )
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def order_products(
    shop: Shop, session: Login | None = None, *, branch: int | None = None, stock_tracked: bool = False
) -> list[OrderItem]:
    """One sellable item per station of ORDER_STATIONS, from the live catalog as the till gets it (Downtown's
    unless `branch`): the first in catalog order, or with `stock_tracked` the first whose stock the sale
    takes down for the drinks (so the order's statement writes its stock ledger rows too). Needs the web
    process running; the stock behind them is topped up (`stock_up`) so a long run never runs short."""
    session = session or login(shop.base_url, "manager")
    branch = branch if branch is not None else branch_id(shop, "DT")
    items = sellable_items(till_catalog(shop.base_url, session, branch))
    tracked = {
        int(row["id"])
        for row in fetch(
            shop.dsn,
            "SELECT p.id FROM products p WHERE p.stock_tracked "
            "OR EXISTS (SELECT 1 FROM recipe_lines r WHERE r.product_id = p.id)",
        )
    }
    by_station: dict[str, OrderItem] = {}
    for item in items:
        if item.station_code not in ORDER_STATIONS or item.station_code in by_station:
            continue
        if stock_tracked and item.station_code == "drinks" and item.product_id not in tracked:
            continue
        by_station[item.station_code] = item
    missing = [s for s in ORDER_STATIONS if s not in by_station]
    if missing:
        raise RuntimeError(f"the demo shop has nothing sellable now for station(s) {missing}")
    chosen = [by_station[s] for s in ORDER_STATIONS]
    stock_up(shop, [item.product_id for item in chosen])
    return chosen


def stock_up(shop: Shop, product_ids: Sequence[int], qty: int = 10_000_000) -> None:
    """At least `qty` on hand at every branch of the products sold and their recipes' ingredients, where
    stock is counted: a benchmark sells thousands of the same three items (the demo's 240 cans would run out
    and the server rightly refuse). Written straight into the scratch shop's table, as a delivery would."""
    fetch(
        shop.dsn,
        """
        INSERT INTO product_stock (branch_id, product_id, qty)
        SELECT b.id, p.id, $2 FROM branches b
        CROSS JOIN (
            SELECT id FROM products WHERE stock_tracked AND id = ANY($1::bigint[])
            UNION SELECT ingredient_id FROM recipe_lines WHERE product_id = ANY($1::bigint[])
        ) AS p
        ON CONFLICT (branch_id, product_id) DO UPDATE SET qty = GREATEST(product_stock.qty, EXCLUDED.qty)
        """,
        list(product_ids),
        qty,
    )


def lines_json(items: Sequence[OrderItem]) -> str:
    """The lines of `order_body` as JSON, for wrk/create_order.lua (PL_LINES)."""
    return json.dumps(order_body(uuid.UUID(int=0), 0, items)["lines"], separators=(",", ":"))


def order_body(order_id: uuid.UUID | str, branch: int, products: Sequence[OrderItem]) -> dict[str, Any]:
    """A three-line counter sale (quantities 1, 2, 1, a note on the third), as wrk/create_order.lua sends."""
    return {
        "id": str(order_id),
        "branch_id": branch,
        "channel": "counter",
        "lines": [
            products[0].line(1),
            products[1].line(2),
            products[2].line(1, note="no ice"),
        ],
    }


async def create_orders(
    base_url: str, session: Login, branches: Sequence[int], products: Sequence[OrderItem], count: int
) -> list[tuple[int, str]]:
    """`count` orders spread round robin over `branches`, 16 at a time; returns (branch, order id)."""
    made: list[tuple[int, str]] = []
    limiter = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=base_url, headers=session.headers, timeout=30) as client:

        async def one(index: int) -> None:
            branch = branches[index % len(branches)]
            order_id = str(uuid.uuid4())
            async with limiter:
                response = await client.post("/api/v1/orders", json=order_body(order_id, branch, products))
            if response.status_code != 201:
                raise RuntimeError(f"order creation answered {response.status_code}: {response.text[:300]}")
            made.append((branch, order_id))

        await asyncio.gather(*(one(i) for i in range(count)))
    return made


def hot_states(shop: Shop, orders: Sequence[tuple[int, str]]) -> list[str]:
    """Each order's live state, from its Redis hash (the key layout is app.lib.redis.Keys's)."""
    from app.lib.redis import Keys

    keys = Keys(shop.prefix)
    client = Redis.from_url(shop.redis_url)
    pipe = client.pipeline(transaction=False)
    for branch, order_id in orders:
        pipe.hget(keys.order(branch, order_id), "state")
    states = [(value or b"").decode() for value in pipe.execute()]
    client.close()
    return states

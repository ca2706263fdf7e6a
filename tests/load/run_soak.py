"""Mixed soak: a scratch Passline shop under a steady mix of everything its staff do, for minutes, then a
look at what broke (DESIGN §4, §6, §10).

    .venv/bin/python -m tests.load.run_soak                     # 10 minutes at 3 new orders/s
    .venv/bin/python -m tests.load.run_soak --minutes 1         # a short one
    .venv/bin/python -m tests.load.run_soak --minutes 3 --rate 5 --clients 500

Passline web + worker (started with the CLI) on a scratch shop (database `passline_bench_<random>`,
migrated, demo-seeded; a Redis prefix), both demo branches. New orders start at `--rate` per second
(Poisson), each one driven through a life of its own by the people who would touch it, over HTTP, with
think times between the steps:

- counter and pickup sales (cashier): paid in cash (tendered, change due) or by card, before or after the
  kitchen; the kitchen starts and bumps each station ticket (the order goes preparing, then ready by
  itself); the cashier hands it over (completed);
- deliveries: some prepaid by card; after the kitchen the manager dispatches them to a courier, alone (a
  transition, settle now or later) or as trips of two or three (`POST /dispatch`); the courier finds the
  delivery on their list, accepts it, and marks it delivered (cash on delivery) or returned; a returned
  order goes back to ready and out again, or is cancelled;
- cancels (paid ones with a refund decision), manager corrections (preparing -> received, ready ->
  preparing), and scheduled deliveries (a slot three hours ahead; some cancelled);
- beside them: managers settling couriers' cash every ~15 s, reading the board, the kitchen reading its
  station, and `--clients` Socket.IO clients (the Node probe) on /kanban in both branches.

At the end it prints requests by kind (status counts, p50/p99), every 5xx, PostgreSQL deadlocks during
the run (pg_stat_database.deadlocks of the scratch database, and `deadlock detected` in the web and worker
logs), error lines in those logs, what PostgreSQL's backends waited on (sampled every 100 ms), and a
consistency check: every order acknowledged over HTTP is in PostgreSQL with the state (and version, where
the answer carried one) of the last acknowledged move, and each branch's board snapshot agrees with
PostgreSQL's open orders (state, version, payment status), after `--settle` seconds at most for the
persister. Then FINDINGS. It prints; it never asserts (exit code 0).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.load import _passline
from tests.load._harness import (
    DEFAULT_PG,
    DEFAULT_REDIS,
    WaitSampler,
    add_checkout_argument,
    load_average,
    log,
    log_directory,
    machine_facts,
    percentile,
    print_machine,
)
from tests.load.run_latency import Probe, connect_timeout, raise_file_limit

TERMINAL = ("completed", "delivered", "cancelled")
# Share of new orders by life; see the module docstring.
MIX = {
    "counter": 30,
    "pickup": 12,
    "delivery": 32,
    "cancel": 8,
    "correction": 10,
    "scheduled": 8,
}
RS_SHARE = 0.25  # of new orders, in the second branch (its manager sells and works its kitchen)


class Abandon(Exception):  # noqa: N818 - control flow, not an error
    """The order's life stops here (a refusal or no answer); the ledger keeps what was acknowledged."""


# --------------------------------------------------------------------------- requests and their figures


class Stats:
    def __init__(self) -> None:
        self.statuses: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)
        self.samples: dict[tuple[str, str], list[str]] = collections.defaultdict(list)

    def record(self, kind: str, status: str, ms: float, body: str | None = None) -> None:
        self.statuses[kind][status] += 1
        self.latencies[kind].append(ms)
        if body is not None and len(self.samples[(kind, status)]) < 3:
            self.samples[(kind, status)].append(body[:300])


class Http:
    """One person's signed-in client; every request is timed and counted under a kind."""

    def __init__(self, base_url: str, login: _passline.Login, stats: Stats) -> None:
        self.username = login.username
        self.stats = stats
        self.client = httpx.AsyncClient(
            base_url=base_url,
            headers=login.headers,
            timeout=30,
            limits=httpx.Limits(max_connections=24, max_keepalive_connections=24),
        )

    async def call(
        self, kind: str, method: str, path: str, *, json: Any = None, params: Any = None
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, json=json, params=params)
        except httpx.HTTPError as exc:
            self.stats.record(
                kind, f"no answer ({type(exc).__name__})", (time.perf_counter() - started) * 1000
            )
            return None
        ms = (time.perf_counter() - started) * 1000
        self.stats.record(
            kind, str(response.status_code), ms, response.text if response.status_code >= 400 else None
        )
        return response

    async def aclose(self) -> None:
        await self.client.aclose()


# --------------------------------------------------------------------------- what was acknowledged


@dataclass
class Tracked:
    id: str
    branch: int
    channel: str
    total: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    tickets: list[str] = field(default_factory=list)
    state: str = ""
    version: int = 0
    exact: bool = True  # whether `version` came with the last acknowledged move
    uncertain: bool = False  # a request about it went unanswered: its outcome is unknown
    acknowledged: bool = False  # its creation was

    @property
    def balance(self) -> Decimal:
        return max(self.total - self.paid, Decimal(0))

    def moved(self, state: str, version: int | None) -> None:
        self.state = state
        if version is None:
            self.exact = False
        else:
            self.version, self.exact = version, True


@dataclass
class Branch:
    id: int
    code: str
    seller: Http
    kitchen: Http
    manager: Http
    couriers: dict[int, Http]  # courier id -> that courier's client
    trips: asyncio.Queue[tuple[Tracked, asyncio.Future[None]]] = field(default_factory=asyncio.Queue)


# --------------------------------------------------------------------------- the soak


class Soak:
    def __init__(
        self, args: argparse.Namespace, shop: _passline.Shop, stats: Stats, rng: random.Random
    ) -> None:
        self.args = args
        self.shop = shop
        self.stats = stats
        self.rng = rng
        self.orders: dict[str, Tracked] = {}
        self.branches: list[Branch] = []
        self.products: list[_passline.OrderItem] = []
        self.territories: list[int] = []
        self.customers: list[int] = []
        self.hurry = False  # past the end: no more think times, lives finish as fast as they can
        self.stopping = False
        self.lives: collections.Counter[str] = collections.Counter()
        self.finished: collections.Counter[str] = collections.Counter()
        # The courier each dispatched order went out with (set by dispatch and the trip dispatcher).
        self.courier_of: dict[str, int] = {}
        self.manager_login: _passline.Login | None = None

    # ------------------------------------------------------------------ helpers

    async def think(self, low: float = 0.3, high: float = 2.0) -> None:
        if not self.hurry:
            await asyncio.sleep(self.rng.uniform(low, high) * self.args.think)

    async def ask(
        self,
        http: Http,
        kind: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        about: Tracked | None = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> dict[str, Any]:
        response = await http.call(kind, method, path, json=json, params=params)
        if response is None:
            if about is not None:
                about.uncertain = True
            raise Abandon(kind)
        if response.status_code not in ok:
            raise Abandon(f"{kind}: {response.status_code}")
        body: dict[str, Any] = response.json() if response.content else {}
        return body

    def lines(self) -> list[dict[str, Any]]:
        picked = self.rng.sample(self.products, self.rng.randint(1, len(self.products)))
        return [item.line(self.rng.choice((1, 1, 1, 2, 3))) for item in picked]

    # ------------------------------------------------------------------ steps

    async def create(self, b: Branch, channel: str, *, scheduled: bool = False) -> Tracked:
        order_id = str(uuid.uuid4())
        body: dict[str, Any] = {"id": order_id, "branch_id": b.id, "channel": channel, "lines": self.lines()}
        if channel == "delivery":
            delivery: dict[str, Any] = {
                "address": f"{self.rng.randint(1, 99)} Soak St",
                "territory_id": self.rng.choice(self.territories),
            }
            if scheduled:
                start = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3, minutes=self.rng.randint(0, 120))
                delivery |= {
                    "slot_start": start.isoformat(),
                    "slot_end": (start + dt.timedelta(minutes=30)).isoformat(),
                }
            body["delivery"] = delivery
            body["customer_id"] = self.rng.choice(self.customers)
        order = Tracked(id=order_id, branch=b.id, channel=channel)
        self.orders[order_id] = order
        kind = "create scheduled" if scheduled else f"create {channel}"
        answer = await self.ask(b.seller, kind, "POST", "/api/v1/orders", json=body, about=order)
        order.acknowledged = True
        order.total = Decimal(answer["totals"]["total"])
        order.tickets = [t["id"] for t in answer["tickets"]]
        order.moved(answer["state"], answer["version"])
        return order

    async def pay(self, b: Branch, order: Tracked, method: str) -> None:
        if order.balance <= 0:
            return
        body: dict[str, Any] = {"id": str(uuid.uuid4()), "method": method, "amount": str(order.balance)}
        if method == "cash":
            # The customer hands over the next round 50.
            body["tendered"] = str((order.balance / 50).quantize(Decimal(1), rounding=ROUND_UP) * 50)
        else:
            body["reference"] = f"TERM-{self.rng.randint(1000, 9999)}"
        answer = await self.ask(
            b.seller, f"pay {method}", "POST", f"/api/v1/orders/{order.id}/payments", json=body, about=order
        )
        order.paid = Decimal(answer["order"]["paid_total"])

    async def kitchen(self, b: Branch, order: Tracked, *, bump: bool = True) -> None:
        """Every station starts its ticket, then (if `bump`) bumps it; the order moves by itself."""
        tickets = list(order.tickets)
        self.rng.shuffle(tickets)
        for action in ("start", "bump") if bump else ("start",):
            for ticket in tickets:
                await self.think(0.2, 1.5)
                answer = await self.ask(
                    b.kitchen, f"ticket {action}", "POST", f"/api/v1/tickets/{ticket}/{action}", about=order
                )
                if answer.get("order_state") and answer["order_state"] != order.state:
                    order.moved(answer["order_state"], None)

    async def move(self, http: Http, kind: str, order: Tracked, to: str, **extra: Any) -> dict[str, Any]:
        answer = await self.ask(
            http,
            kind,
            "POST",
            f"/api/v1/orders/{order.id}/transitions",
            json={"to": to, **extra},
            about=order,
        )
        order.moved(answer["state"], answer["version"])
        return answer

    async def cancel(self, b: Branch, order: Tracked, reason: str) -> None:
        body: dict[str, Any] = {"reason": reason}
        if order.paid > 0:
            body["refund"] = self.rng.random() < 0.7
        answer = await self.ask(
            b.manager, "cancel", "POST", f"/api/v1/orders/{order.id}/cancel", json=body, about=order
        )
        order.moved(answer["state"], answer["version"])

    async def dispatch(self, b: Branch, order: Tracked) -> int:
        """Out with a courier: alone (a transition) or on a trip with others; returns the courier."""
        if self.rng.random() < 0.4:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            await b.trips.put((order, done))
            await done  # the trip dispatcher sets the courier on the order, or raises Abandon
            return self.courier_of[order.id]
        courier = self.rng.choice(list(b.couriers))
        mode = self.rng.choice(("now", "later"))
        await self.move(
            b.manager,
            f"dispatch single ({mode})",
            order,
            "out_for_delivery",
            courier_id=courier,
            settle_mode=mode,
        )
        self.courier_of[order.id] = courier
        return courier

    async def road(self, b: Branch, order: Tracked, courier: int) -> str:
        """The courier's part: find it, accept it, deliver it (or bring it back)."""
        phone = b.couriers[courier]
        await self.think(0.5, 2.0)
        mine = await http_list(
            await phone.call(
                "courier deliveries",
                "GET",
                f"/api/v1/couriers/{courier}/deliveries",
                params={"active": "true"},
            )
        )
        delivery = next((d for d in mine if d["order_id"] == order.id), None)
        if delivery is None:
            raise Abandon("the courier does not see the delivery")
        await self.ask(
            phone, "delivery accept", "POST", f"/api/v1/deliveries/{delivery['id']}/accept", about=order
        )
        await self.think(1.0, 4.0)
        if self.rng.random() < 0.12:
            await self.ask(
                phone,
                "delivery returned",
                "POST",
                f"/api/v1/deliveries/{delivery['id']}/returned",
                json={"reason": "nobody home"},
                about=order,
            )
            order.moved("returned", None)
            return "returned"
        answer = await self.ask(
            phone,
            "delivery delivered",
            "POST",
            f"/api/v1/deliveries/{delivery['id']}/delivered",
            json={},
            about=order,
        )
        order.moved("delivered", None)
        if answer.get("cash_collected") is not None:
            order.paid = order.total
        return "delivered"

    # ------------------------------------------------------------------ lives

    async def life_counter(self, b: Branch, channel: str = "counter") -> None:
        order = await self.create(b, channel)
        early = self.rng.random() < 0.6
        method = self.rng.choice(("cash", "cash", "card")) if channel == "counter" else "card"
        if early:
            await self.think()
            await self.pay(b, order, method)
        await self.kitchen(b, order)
        await self.think()
        if not early:
            await self.pay(b, order, method)
            await self.think(0.2, 1.0)
        await self.move(b.seller, "complete", order, "completed")

    async def life_pickup(self, b: Branch) -> None:
        await self.life_counter(b, "pickup")

    async def life_delivery(self, b: Branch) -> None:
        order = await self.create(b, "delivery")
        if self.rng.random() < 0.3:
            await self.think()
            await self.pay(b, order, "card")
        await self.kitchen(b, order)
        for _ in range(2):
            await self.think()
            courier = await self.dispatch(b, order)
            if await self.road(b, order, courier) == "delivered":
                return
            await self.think()
            if self.rng.random() < 0.5:
                await self.cancel(b, order, "returned twice")
                return
            await self.move(b.manager, "back to ready", order, "ready")
        await self.cancel(b, order, "gave up")

    async def life_cancel(self, b: Branch) -> None:
        order = await self.create(b, self.rng.choice(("counter", "pickup", "delivery")))
        if self.rng.random() < 0.5:
            await self.think()
            await self.pay(b, order, "card")
        if self.rng.random() < 0.5:
            await self.kitchen(b, order, bump=False)
        await self.think()
        await self.cancel(b, order, "customer left")

    async def life_correction(self, b: Branch) -> None:
        order = await self.create(b, "counter")
        await self.kitchen(b, order, bump=False)
        await self.think()
        await self.move(b.manager, "correction", order, "received", reason="started by mistake")
        await self.think()
        await self.move(b.manager, "manual move", order, "preparing")
        await self.kitchen(b, order)  # the tickets are started already: bumping them makes it ready
        await self.think()
        if order.state == "ready":
            await self.move(b.manager, "correction", order, "preparing", reason="sent back to the pass")
            await self.think()
            await self.move(b.manager, "manual move", order, "ready")
        await self.pay(b, order, self.rng.choice(("cash", "card")))
        await self.move(b.seller, "complete", order, "completed")

    async def life_scheduled(self, b: Branch) -> None:
        order = await self.create(b, "delivery", scheduled=True)
        if self.rng.random() < 0.4:
            await self.think()
            await self.pay(b, order, "card")
        if self.rng.random() < 0.5:
            await self.think(2.0, 10.0)
            await self.cancel(b, order, "plans changed")

    async def life(self, b: Branch, kind: str) -> None:
        self.lives[kind] += 1
        with contextlib.suppress(Abandon):
            await getattr(self, f"life_{kind}")(b)
            self.finished[kind] += 1

    # ------------------------------------------------------------------ beside the orders

    async def trip_dispatcher(self, b: Branch) -> None:
        """Gathers delivery orders waiting for a trip and sends them out two or three at a time."""
        waiting: list[tuple[Tracked, asyncio.Future[None]]] = []
        since = time.monotonic()
        while not (self.stopping and b.trips.empty() and not waiting):
            with contextlib.suppress(TimeoutError):
                waiting.append(await asyncio.wait_for(b.trips.get(), 0.5))
                if len(waiting) == 1:
                    since = time.monotonic()
            full = len(waiting) >= self.rng.choice((2, 3))
            stale = waiting and (time.monotonic() - since > 4 or self.hurry or self.stopping)
            if not (full or stale):
                continue
            batch, waiting = waiting[:3], waiting[3:]
            since = time.monotonic()
            courier = self.rng.choice(list(b.couriers))
            mode = self.rng.choice(("now", "later"))
            body = {
                "order_ids": [o.id for o, _ in batch],
                "courier_id": courier,
                "settle_mode": mode,
                "trip_id": str(uuid.uuid4()),
            }
            response = await b.manager.call(
                f"dispatch trip of {len(batch)} ({mode})", "POST", "/api/v1/dispatch", json=body
            )
            if response is not None and response.status_code in (200, 201):
                moved = {m["order_id"]: m for m in response.json()["orders"]}
                for order, done in batch:
                    order.moved(moved[order.id]["state"], moved[order.id]["version"])
                    self.courier_of[order.id] = courier
                    done.set_result(None)
            else:
                for order, done in batch:
                    order.uncertain = order.uncertain or response is None
                    done.set_exception(Abandon("trip refused"))

    async def settler(self, b: Branch) -> None:
        """A manager settles one courier's open cash every ~15 s (racing their dispatches and deliveries)."""
        while not self.stopping:
            await asyncio.sleep(self.rng.uniform(10, 20))
            balances = await http_list(
                await b.manager.call(
                    "courier balances", "GET", "/api/v1/couriers/balances", params={"branch_id": b.id}
                )
            )
            owing = [c["courier_id"] for c in balances if c.get("open_transactions")]
            if owing:
                await b.manager.call(
                    "settle courier",
                    "POST",
                    f"/api/v1/couriers/{self.rng.choice(owing)}/settlements",
                    json={"id": str(uuid.uuid4()), "note": "soak"},
                )

    async def readers(self, b: Branch) -> None:
        """The board (a manager's page load) and the grill's station screen, every few seconds."""
        while not self.stopping:
            await asyncio.sleep(self.rng.uniform(2, 6))
            await b.manager.call("board read", "GET", f"/api/v1/branches/{b.id}/board")
            await b.kitchen.call("kds read", "GET", f"/api/v1/kds/{b.id}/grill")

    async def run(self, seconds: float) -> None:
        kinds, weights = zip(*MIX.items(), strict=True)
        helpers = [
            asyncio.create_task(task(b))
            for b in self.branches
            for task in (self.trip_dispatcher, self.settler, self.readers)
        ]
        lives: set[asyncio.Task[None]] = set()
        end = time.monotonic() + seconds
        next_report = time.monotonic() + 30
        while time.monotonic() < end:
            b = self.branches[1] if self.rng.random() < RS_SHARE else self.branches[0]
            task = asyncio.create_task(self.life(b, self.rng.choices(kinds, weights)[0]))
            lives.add(task)
            task.add_done_callback(lives.discard)
            await asyncio.sleep(self.rng.expovariate(self.args.rate))
            if time.monotonic() >= next_report:
                next_report += 30
                total = sum(sum(c.values()) for c in self.stats.statuses.values())
                log(
                    f"{len(self.orders)} orders, {total} requests, {len(lives)} lives in progress; load {load_average()}"
                )
        log(f"no new orders; finishing the {len(lives)} lives in progress (no more think times)")
        self.hurry = True
        if lives:
            _, late = await asyncio.wait(lives, timeout=self.args.drain)
            for task in late:
                task.cancel()
            if late:
                log(f"{len(late)} lives still running after {self.args.drain:.0f} s were cancelled")
                await asyncio.gather(*late, return_exceptions=True)
        self.stopping = True
        await asyncio.gather(*helpers, return_exceptions=True)


async def http_list(response: httpx.Response | None) -> list[dict[str, Any]]:
    if response is None or response.status_code != 200:
        return []
    body = response.json()
    return body if isinstance(body, list) else []


# --------------------------------------------------------------------------- the shop's facts


async def shop_facts(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        branches = {r["code"]: r["id"] for r in await conn.fetch("SELECT id, code FROM branches")}
        couriers = [
            (r["id"], r["username"], r["branch_id"])
            for r in await conn.fetch(
                "SELECT c.id, u.username, c.branch_id FROM couriers c JOIN users u ON u.id = c.user_id "
                "WHERE c.active ORDER BY c.id"
            )
        ]
        territories = [r["id"] for r in await conn.fetch("SELECT id FROM territories ORDER BY id")]
        customers = [r["id"] for r in await conn.fetch("SELECT id FROM customers ORDER BY id LIMIT 50")]
    finally:
        await conn.close()
    return {"branches": branches, "couriers": couriers, "territories": territories, "customers": customers}


async def deadlocks(pg_url: str, database: str) -> int:
    conn = await asyncpg.connect(pg_url)
    try:
        # Statistics reach the view when a backend flushes them (at most a second or so later).
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        value = await conn.fetchval("SELECT deadlocks FROM pg_stat_database WHERE datname = $1", database)
    finally:
        await conn.close()
    return int(value or 0)


class IdleSampler:
    """Every 0.5 s: backends of the scratch database idle in a transaction, by the last statement they ran
    (what the application did before it went off to do something else with the transaction open), and the
    oldest such transaction seen."""

    def __init__(self, pg_url: str, database: str) -> None:
        self.pg_url = pg_url
        self.database = database
        self.statements: collections.Counter[str] = collections.Counter()
        self.oldest_s = 0.0
        self.samples = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> IdleSampler:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        conn = await asyncpg.connect(self.pg_url)
        try:
            while not self._stop.is_set():
                rows = await conn.fetch(
                    "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q, "
                    "extract(epoch FROM now() - xact_start)::float8 AS age FROM pg_stat_activity "
                    "WHERE datname = $1 AND state = 'idle in transaction'",
                    self.database,
                )
                self.samples += 1
                for row in rows:
                    self.statements[row["q"].strip()] += 1
                    self.oldest_s = max(self.oldest_s, row["age"] or 0.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 0.5)
        finally:
            await conn.close()


# --------------------------------------------------------------------------- the consistency check


@dataclass
class Consistency:
    acknowledged: int = 0
    uncertain: int = 0
    missing: list[str] = field(default_factory=list)
    wrong_state: list[str] = field(default_factory=list)
    wrong_version: list[str] = field(default_factory=list)
    version_ahead: list[str] = field(default_factory=list)  # inexact ones: fine, listed for the record
    board_apart: list[str] = field(default_factory=list)
    settled_after: float = 0.0

    @property
    def clean(self) -> bool:
        return not (self.missing or self.wrong_state or self.wrong_version or self.board_apart)


async def check(soak: Soak, dsn: str, base_url: str) -> Consistency:
    result = Consistency()
    conn = await asyncpg.connect(dsn)
    try:
        rows = {
            r["id"]: r
            for r in await conn.fetch(
                "SELECT id::text AS id, branch_id, state, version, payment_status FROM orders"
            )
        }
    finally:
        await conn.close()
    for order in soak.orders.values():
        if not order.acknowledged:
            continue
        if order.uncertain:
            result.uncertain += 1
            continue
        result.acknowledged += 1
        row = rows.get(order.id)
        if row is None:
            result.missing.append(
                f"{order.id} ({order.channel}, acknowledged {order.state} v{order.version})"
            )
            continue
        if row["state"] != order.state:
            result.wrong_state.append(
                f"{order.id} ({order.channel}): acknowledged {order.state} v{order.version}, "
                f"PostgreSQL {row['state']} v{row['version']}"
            )
        elif order.exact and row["version"] != order.version:
            result.wrong_version.append(
                f"{order.id} ({order.channel}): acknowledged {order.state} v{order.version}, PostgreSQL v{row['version']}"
            )
        elif not order.exact and row["version"] < order.version:
            result.wrong_version.append(
                f"{order.id} ({order.channel}): acknowledged {order.state} after v{order.version}, "
                f"PostgreSQL v{row['version']}"
            )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for b in soak.branches:
            response = await http.get(f"/api/v1/branches/{b.id}/board", headers=b.manager.client.headers)
            if response.status_code != 200:
                result.board_apart.append(f"branch {b.code}: board answered {response.status_code}")
                continue
            board = {
                card["order_id"]: (card["state"], card["version"], card["payment_status"])
                for column in response.json()["columns"].values()
                for card in column
            }
            open_rows = {
                oid: (r["state"], r["version"], r["payment_status"])
                for oid, r in rows.items()
                if r["branch_id"] == b.id and r["state"] not in TERMINAL
            }
            for oid in sorted(set(board) | set(open_rows)):
                if board.get(oid) != open_rows.get(oid):
                    row = rows.get(oid)
                    stored = (row["state"], row["version"], row["payment_status"]) if row else None
                    result.board_apart.append(
                        f"branch {b.code} {oid}: board {board.get(oid)}, PostgreSQL {stored}"
                    )
    return result


# --------------------------------------------------------------------------- logs


def _log_label(line: str) -> str:
    """`logger: message` of a JSON log line (Passline logs JSON), else the line's start."""
    with contextlib.suppress(ValueError, TypeError):
        record = json.loads(line)
        return f"{record.get('logger', '?')}: {record.get('msg') or record.get('message', '')}"[:160]
    return line[:160]


def _statement(line: str) -> str:
    """The first words of the SQL statement a database error names, if any."""
    found = re.search(r"\[SQL: (.*?)\]", line.replace("\\n", " "), re.DOTALL)
    return " ".join(found.group(1).split())[:90] if found else ""


def log_findings(path: Path) -> dict[str, Any]:
    """Deadlocks (by where they were caught and the statement that lost) and error lines, by message."""
    deadlocks: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            if "deadlock detected" in line:
                deadlocks[f"{_log_label(line)} [{_statement(line)}]"] += 1
            if re.search(
                r'"level":\s*"(?:error|critical)"|^(?:ERROR|CRITICAL)\b|^Traceback', line, re.IGNORECASE
            ):
                errors[_log_label(line)] += 1
    return {"deadlocks": deadlocks, "errors": errors}


# --------------------------------------------------------------------------- report


def report(
    args: argparse.Namespace,
    facts: dict[str, str],
    soak: Soak,
    *,
    seconds: float,
    consistency: Consistency,
    deadlock_delta: int,
    logs: dict[str, dict[str, Any]],
    waits: WaitSampler,
    idle: IdleSampler,
    sockets: dict[str, Any],
) -> None:
    stats = soak.stats
    print()
    print_machine(facts)
    print(
        f"\nsoak: {seconds / 60:.1f} min at {args.rate}/s new orders (Poisson), think x{args.think}, "
        f"{args.clients} /kanban sockets; both demo branches ({RS_SHARE:.0%} of orders in the second)"
    )
    print(
        "lives started / finished: "
        + ", ".join(f"{k} {soak.lives[k]}/{soak.finished[k]}" for k in MIX)
        + " (unfinished: refused or unanswered somewhere; see the statuses)"
    )
    header = f"{'request':<34} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses"
    print("\n" + header)
    print("-" * 100)
    total = 0
    for kind in sorted(stats.statuses):
        counts = stats.statuses[kind]
        latencies = stats.latencies[kind]
        total += sum(counts.values())
        shown = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))
        print(
            f"{kind:<34} {sum(counts.values()):>7} {percentile(latencies, 50):>8.1f} "
            f"{percentile(latencies, 99):>8.1f}  {shown}"
        )
    print(f"{'all':<34} {total:>7}  ({total / seconds:.1f} req/s over the run)")

    server_errors = {k: v for k, v in stats.samples.items() if k[1].startswith("5")}
    refusals = {k: v for k, v in stats.samples.items() if k[1].startswith("4")}
    if server_errors:
        print("\n5xx answers (first bodies per kind and status):")
        for (kind, status), bodies in sorted(server_errors.items()):
            for body in bodies:
                print(f"  {kind} {status}: {body}")
    if refusals:
        print("\n4xx answers (first bodies per kind and status; a refusal is an answer, not an error):")
        for (kind, status), bodies in sorted(refusals.items()):
            print(f"  {kind} {status}: {bodies[0]}")

    print(
        f"\nPostgreSQL deadlocks during the run (pg_stat_database.deadlocks of {soak.shop.database}): {deadlock_delta}"
    )
    for name, found in logs.items():
        print(f"  'deadlock detected' in the {name} log: {sum(found['deadlocks'].values())}")
        for where, n in found["deadlocks"].most_common(5):
            print(f"    {n:>5} x {where}")
    for name, found in logs.items():
        errors = found["errors"]
        print(f"error lines in the {name} log: {sum(errors.values())}")
        for message, n in errors.most_common(6):
            print(f"    {n:>5} x {message}")
    print(f"PostgreSQL during the run, {waits.summary(top=8)}")
    lock_share = sum(n for name, n in waits.counts.items() if name.startswith("Lock:")) / max(
        waits.samples, 1
    )
    idle_share = sum(n for name, n in waits.counts.items() if "(idle in transaction" in name) / max(
        waits.samples, 1
    )
    print(f"  backends waiting on a lock (Lock:*), mean over the run: {lock_share:.2f}")
    print(
        f"  backends idle in transaction (a transaction held open while the app does something else), mean: "
        f"{idle_share:.2f}; the oldest such transaction seen was {idle.oldest_s:.1f} s old; by last statement:"
    )
    for statement, n in idle.statements.most_common(6):
        print(f"    {n / max(idle.samples, 1):5.2f}  {statement}")
    print(
        f"Socket.IO: {sockets.get('sockets', 0)} sockets, {sockets.get('connected', 0)} still connected at the end, "
        f"{sockets.get('received', 0):,} order.state_changed events received "
        f"(the stream had ~{sockets.get('expected', 0):,} for their rooms while they were connected)"
    )

    c = consistency
    print(
        f"\nconsistency after {c.settled_after:.1f} s of settling: {c.acknowledged} acknowledged orders "
        f"checked ({c.uncertain} left out: a request about them went unanswered)"
    )
    for label, items in (
        ("missing from PostgreSQL", c.missing),
        ("in another state in PostgreSQL", c.wrong_state),
        ("at another version in PostgreSQL", c.wrong_version),
        ("board and PostgreSQL disagree", c.board_apart),
    ):
        print(f"  {label}: {len(items)}")
        for item in items[:8]:
            print(f"    {item}")

    findings = []
    n5xx = sum(n for counts in stats.statuses.values() for s, n in counts.items() if s.startswith("5"))
    if n5xx:
        findings.append(f"{n5xx} answers were 5xx (see above)")
    unanswered = sum(
        n for counts in stats.statuses.values() for s, n in counts.items() if s.startswith("no answer")
    )
    if unanswered:
        findings.append(f"{unanswered} requests got no answer")
    if deadlock_delta:
        findings.append(f"PostgreSQL detected {deadlock_delta} deadlocks in the scratch database")
    for name, found in logs.items():
        if found["deadlocks"]:
            findings.append(f"'deadlock detected' {sum(found['deadlocks'].values())} times in the {name} log")
        if found["errors"]:
            findings.append(f"{sum(found['errors'].values())} error lines in the {name} log")
    if lock_share >= 0.5:
        findings.append(f"PostgreSQL backends waited on locks ({lock_share:.2f} on average)")
    if idle_share >= 0.5:
        findings.append(
            f"{idle_share:.2f} backends on average sat idle in a transaction: transactions are held open across "
            "other work, which widens every lock window (and the deadlocks above)"
        )
    if sockets.get("sockets") and sockets.get("connected", 0) < sockets["sockets"]:
        findings.append(f"{sockets['sockets'] - sockets['connected']} sockets were dropped during the run")
    if c.missing:
        findings.append(f"{len(c.missing)} acknowledged orders missing from PostgreSQL")
    if c.wrong_state or c.wrong_version:
        findings.append(
            f"{len(c.wrong_state) + len(c.wrong_version)} orders not as their last acknowledged move left them"
        )
    if c.board_apart:
        findings.append(f"{len(c.board_apart)} board cards disagree with PostgreSQL")
    print("\nFINDINGS")
    for finding in findings or ["none: no 5xx, no deadlock, no log error, PostgreSQL and the boards agree"]:
        print(f"  - {finding}")


# --------------------------------------------------------------------------- main


async def soak_async(args: argparse.Namespace, shop: _passline.Shop, web_log: Path, worker_log: Path) -> None:
    facts_db = await shop_facts(shop.dsn)
    stats = Stats()
    soak = Soak(args, shop, stats, random.Random(args.seed))
    soak.products = await asyncio.to_thread(_passline.order_products, shop)
    soak.territories = facts_db["territories"]
    soak.customers = facts_db["customers"]
    base = shop.base_url
    logins = {name: _passline.login(base, name) for name in ("cashier", "kitchen", "manager")}
    clients: list[Http] = []

    def client(login: _passline.Login) -> Http:
        made = Http(base, login, stats)
        clients.append(made)
        return made

    manager = client(logins["manager"])
    soak.manager_login = logins["manager"]
    for code, seller, cook in (("DT", "cashier", "kitchen"), ("RS", None, None)):
        branch_id = facts_db["branches"][code]
        couriers = {
            cid: client(_passline.login(base, username))
            for cid, username, cb in facts_db["couriers"]
            if cb == branch_id
        }
        soak.branches.append(
            Branch(
                id=branch_id,
                code=code,
                seller=client(logins[seller]) if seller else manager,
                kitchen=client(logins[cook]) if cook else manager,
                manager=manager,
                couriers=couriers,
            )
        )
    try:
        await run_with_sockets(args, soak, shop, web_log, worker_log)
    finally:
        for made in clients:
            await made.aclose()


async def run_with_sockets(
    args: argparse.Namespace, soak: Soak, shop: _passline.Shop, web_log: Path, worker_log: Path
) -> None:
    assert soak.manager_login is not None
    config = {
        "url": shop.base_url,
        "namespace": "/kanban",
        "mode": "passline",
        "cookie": soak.manager_login.cookie,
        "csrf": soak.manager_login.csrf,
    }
    sockets = [{"auth": {"branch_id": soak.branches[k % len(soak.branches)].id}} for k in range(args.clients)]
    per_branch = collections.Counter(s["auth"]["branch_id"] for s in sockets)
    deadlocks_before = await deadlocks(args.pg, shop.database)
    probe = Probe(config, args.log_dir, "probe-soak", clients=args.clients) if args.clients else None
    socket_figures: dict[str, Any] = {}
    try:
        connected_at = dt.datetime.now(dt.UTC)
        if probe is not None:
            log(f"connecting {args.clients} sockets to /kanban")
            await asyncio.to_thread(
                probe.call, {"cmd": "connect", "sockets": sockets}, connect_timeout(sockets)
            )
        started = time.monotonic()
        log(f"soak for {args.minutes:g} min at {args.rate}/s new orders")
        async with IdleSampler(args.pg, shop.database) as idle:
            with WaitSampler(args.pg, shop.database) as waits:
                await soak.run(args.minutes * 60)
        seconds = time.monotonic() - started
        if probe is not None:
            await asyncio.sleep(1.0)
            socket_figures = await asyncio.to_thread(probe.call, {"cmd": "stats"})
            socket_figures["expected"] = await expected_deliveries(shop.dsn, per_branch, connected_at)
    finally:
        if probe is not None:
            probe.close()

    log(f"settling: up to {args.settle:.0f} s for PostgreSQL and the boards to agree")
    settle_end = time.monotonic() + args.settle
    settle_start = time.monotonic()
    while True:
        consistency = await check(soak, shop.dsn, shop.base_url)
        if consistency.clean or time.monotonic() > settle_end:
            break
        await asyncio.sleep(1.0)
    consistency.settled_after = time.monotonic() - settle_start
    deadlock_delta = await deadlocks(args.pg, shop.database) - deadlocks_before
    logs = {"web": log_findings(web_log), "worker": log_findings(worker_log)}
    report(
        args,
        args.facts,
        soak,
        seconds=seconds,
        consistency=consistency,
        deadlock_delta=deadlock_delta,
        logs=logs,
        waits=waits,
        idle=idle,
        sockets=socket_figures,
    )


async def expected_deliveries(dsn: str, per_branch: collections.Counter[int], since: dt.datetime) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT branch_id, count(*) AS n FROM order_events WHERE type = 'order.state_changed' AND ts >= $1 "
            "GROUP BY branch_id",
            since,
        )
    finally:
        await conn.close()
    return sum(int(r["n"]) * per_branch.get(int(r["branch_id"]), 0) for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10, help="length of the soak (default 10)")
    parser.add_argument("--rate", type=float, default=3, help="new orders per second (default 3)")
    parser.add_argument("--clients", type=int, default=300, help="Socket.IO clients on /kanban (default 300)")
    parser.add_argument("--think", type=float, default=1.0, help="scale of the think times (default 1)")
    parser.add_argument("--drain", type=float, default=120, help="seconds to let lives finish at the end")
    parser.add_argument(
        "--settle", type=float, default=15, help="seconds PostgreSQL and boards may take to agree"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the random mix (default: random)")
    add_checkout_argument(parser)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument(
        "--passline-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for Passline's processes (repeatable)",
    )
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args(argv)
    args.passline_env = dict(item.split("=", 1) for item in args.passline_env)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 30)
    raise_file_limit(args.clients)
    args.facts = machine_facts(args.pg, args.redis, args.checkout.resolve())
    args.facts["seed"] = str(args.seed)
    started = time.monotonic()
    with (
        log_directory(args.keep_logs) as log_dir,
        _passline.scratch_shop(
            args.pg, args.redis, log_dir=log_dir, extra_env=args.passline_env, root=args.checkout.resolve()
        ) as shop,
        _passline.web(shop, log_dir) as web,
        _passline.worker(shop, log_dir) as worker,
    ):
        args.log_dir = log_dir
        asyncio.run(soak_async(args, shop, web.log_path, worker.log_path))
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fault drill: two web processes and a worker on a Redis with AOF on (`appendfsync always`, as in
docker-compose), orders and moves made through both processes while Socket.IO clients follow the branch,
then Redis is restarted (SHUTDOWN, started again on the same data directory and port), and the work goes on.

The contract (DESIGN §4, §5, §9): no acknowledged order or move is lost (PostgreSQL and the board have
each one with the state and version its last acknowledged move gave it); every client sees each event
once, in stream order (ids strictly increasing), and misses none of the acknowledged moves' events
(resuming with `last_event_id` if its socket dropped); and once Redis is back, requests succeed again.

Self-contained on purpose: it starts its own redis-server, two `passline web` processes and a `passline
worker` with the CLI, and drives them over HTTP and Socket.IO only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import socketio
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.support.procs import Proc, free_port, passline, processes, signed_in

ORDERS_PER_PHASE = 6
CLIENTS_PER_PROCESS = 2
WAIT = 15.0


def stream_key(event_id: str) -> tuple[int, int]:
    ms, _, seq = event_id.partition("-")
    return int(ms), int(seq or 0)


# --------------------------------------------------------------------------- processes


def redis_server(port: int, data_dir: Path) -> Proc:
    """AOF on, fsync on every write, no RDB snapshots: what survives a restart is what the AOF holds."""
    binary = shutil.which("redis-server")
    assert binary is not None
    argv = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--daemonize",
        "no",
    ]
    return Proc(f"redis-{port}", argv, dict(os.environ))


def wait_until(check: Any, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def redis_up(url: str) -> bool:
    client = Redis.from_url(url, socket_timeout=1)
    try:
        return bool(client.ping())
    finally:
        client.close()


def web_ready(url: str) -> bool:
    return httpx.get(f"{url}/health/ready", timeout=2).status_code == 200


# --------------------------------------------------------------------------- the shop, HTTP


@pytest.fixture
async def shop(factory: Any) -> dict[str, Any]:
    branch = await factory.branch(code="RR", name="Redis Restart")
    await factory.station(branch, "grill")
    burger = await factory.product("Burger", price="100.00")
    await factory.user("boss", roles=("manager",), branches=(branch,))
    await factory.user("till", roles=("cashier",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "burger": burger.id}


class Ledger:
    """What the servers acknowledged: each order's last acknowledged (state, version), every
    acknowledged move's event id, and every request that was not acknowledged."""

    def __init__(self) -> None:
        self.orders: dict[str, tuple[str, int]] = {}
        self.event_ids: list[str] = []
        self.refused: list[str] = []
        # Sales the till could not get acknowledged: an offline POS queue replays them, same id and body.
        self.unsent: list[dict[str, Any]] = []

    async def create(
        self, http: httpx.AsyncClient, shop: dict[str, Any], body: dict[str, Any] | None = None
    ) -> str | None:
        body = body or {
            "id": str(uuid.uuid4()),
            "branch_id": shop["branch"],
            "channel": "counter",
            "lines": [{"product_id": shop["burger"], "qty": "1"}],
        }
        order_id = str(body["id"])
        try:
            response = await http.post("/api/v1/orders", json=body)
        except httpx.HTTPError as exc:
            self.refused.append(f"create via {http.base_url}: {type(exc).__name__}")
            self.unsent.append(body)
            return None
        if response.status_code not in (200, 201):
            self.refused.append(f"create via {http.base_url}: {response.status_code} {response.text[:200]}")
            self.unsent.append(body)
            return None
        order = response.json()
        self.orders[order_id] = (order["state"], order["version"])
        return order_id

    async def move(self, http: httpx.AsyncClient, order_id: str, to: str) -> None:
        try:
            response = await http.post(f"/api/v1/orders/{order_id}/transitions", json={"to": to})
        except httpx.HTTPError as exc:
            self.refused.append(f"{to} via {http.base_url}: {type(exc).__name__}")
            return
        if response.status_code != 200:
            self.refused.append(f"{to} via {http.base_url}: {response.status_code} {response.text[:200]}")
            return
        body = response.json()
        self.orders[order_id] = (body["state"], body["version"])
        self.event_ids.append(body["event_id"])


# --------------------------------------------------------------------------- Socket.IO followers


class Follower:
    """A /kanban client on one web process that records every event id it receives and, if its socket
    drops, connects again with `last_event_id` (a new client each time, as a page reload would)."""

    def __init__(self, url: str, cookie: str, branch_id: int) -> None:
        self.url = url
        self.cookie = cookie
        self.branch_id = branch_id
        self.ids: list[str] = []
        self.others: list[str] = []  # resync and anything else that is not an event envelope
        self.connects = 0
        self.client: socketio.AsyncClient | None = None
        self.closing = False
        self._reconnect: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        client = socketio.AsyncClient(reconnection=False)
        client.on("*", self._on_event, namespace="/kanban")
        client.on("disconnect", self._on_disconnect, namespace="/kanban")
        auth: dict[str, Any] = {"branch_id": self.branch_id}
        if self.ids:
            auth["last_event_id"] = self.ids[-1]
        await client.connect(
            self.url,
            namespaces=["/kanban"],
            transports=["websocket"],
            headers={"Cookie": self.cookie},
            auth=auth,
            wait_timeout=5,
        )
        self.client = client
        self.connects += 1

    async def _on_event(self, event: str, data: Any = None) -> None:
        if event == "hello":
            return
        if isinstance(data, dict) and "id" in data:
            self.ids.append(str(data["id"]))
        else:
            self.others.append(event)

    async def _on_disconnect(self, *args: Any) -> None:
        if not self.closing and (self._reconnect is None or self._reconnect.done()):
            self._reconnect = asyncio.create_task(self._again())

    async def _again(self) -> None:
        deadline = time.monotonic() + 2 * WAIT
        while not self.closing and time.monotonic() < deadline:
            old = self.client
            with contextlib.suppress(Exception):
                if old is not None:
                    await old.disconnect()
                await self.connect()
                return
            await asyncio.sleep(0.2)

    async def close(self) -> None:
        self.closing = True
        if self._reconnect is not None:
            self._reconnect.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reconnect
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.disconnect()


async def wait_for_events(followers: list[Follower], event_ids: list[str], within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    wanted = set(event_ids)
    while time.monotonic() < deadline:
        if all(wanted <= set(f.ids) for f in followers):
            return
        await asyncio.sleep(0.05)


# --------------------------------------------------------------------------- reads


async def board(http: httpx.AsyncClient, branch_id: int) -> dict[str, tuple[str, int]]:
    response = await http.get(f"/api/v1/branches/{branch_id}/board")
    assert response.status_code == 200, response.text
    return {
        card["order_id"]: (card["state"], card["version"])
        for column in response.json()["columns"].values()
        for card in column
    }


async def pg_orders(dsn: str, branch_id: int) -> dict[str, tuple[str, int]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT id::text AS id, state, version FROM orders WHERE branch_id = $1", branch_id
        )
    finally:
        await conn.close()
    return {r["id"]: (r["state"], r["version"]) for r in rows}


# --------------------------------------------------------------------------- the drill


async def test_redis_restart_with_aof_loses_no_acknowledged_order_and_no_client_sees_an_event_twice(
    shop: dict[str, Any], settings: Any
) -> None:
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    data_dir = Path(tempfile.mkdtemp(prefix="passline-fault-redis-"))
    env = {**os.environ, "REDIS_URL": redis_url, "PASSLINE_LOG_LEVEL": "INFO"}
    branch = shop["branch"]
    ledger = Ledger()
    followers: list[Follower] = []
    sellers: list[httpx.AsyncClient] = []
    movers: list[httpx.AsyncClient] = []
    try:
        with processes() as procs:
            try:
                procs.append(redis_server(redis_port, data_dir))
                wait_until(lambda: redis_up(redis_url), "redis-server up")
                webs = [passline("web", {**env, "PASSLINE_PORT": str(p)}, f"web-{p}") for p in ports]
                procs.extend(webs)
                procs.append(passline("worker", env, "worker"))
                for url, web in zip(urls, webs, strict=True):
                    wait_until(
                        lambda url=url: web_ready(url), f"web process {url} ready ({web.tail()})", timeout=30
                    )

                sellers = [await signed_in(url, "till") for url in urls]
                movers = [await signed_in(url, "boss") for url in urls]
                for url, mover in zip(urls, movers, strict=True):
                    cookie = f"passline_session={mover.cookies['passline_session']}"
                    for _ in range(CLIENTS_PER_PROCESS):
                        follower = Follower(url, cookie, branch)
                        await follower.connect()
                        followers.append(follower)

                # Phase 1: orders and moves through both processes.
                phase1 = [await ledger.create(sellers[n % 2], shop) for n in range(ORDERS_PER_PHASE)]
                for n, order_id in enumerate(o for o in phase1 if o):
                    await ledger.move(movers[(n + 1) % 2], order_id, "preparing")
                await wait_for_events(followers, ledger.event_ids)

                # Redis goes away; the tills and the board keep working meanwhile (refusals are expected,
                # but whatever is acknowledged must be kept); then Redis comes back with what its AOF holds.
                redis = procs[0]
                client = Redis.from_url(redis_url)
                with contextlib.suppress(RedisConnectionError):
                    client.shutdown()
                client.close()
                redis.process.wait(timeout=10)
                outage = [await ledger.create(sellers[n % 2], shop) for n in range(2)]
                for n, order_id in enumerate(o for o in phase1[:2] if o):
                    await ledger.move(movers[n % 2], order_id, "ready")
                procs.append(redis_server(redis_port, data_dir))
                wait_until(lambda: redis_up(redis_url), "redis-server up again")
                for url in urls:
                    wait_until(lambda url=url: web_ready(url), f"web process {url} ready after the restart")
                refused_before = len(ledger.refused)

                # The tills replay the sales they could not get acknowledged (same id, same body).
                replayed = [
                    await ledger.create(sellers[n % 2], shop, body) for n, body in enumerate(ledger.unsent)
                ]
                # Phase 2: more orders, and the first phase's orders move on, through both processes.
                phase2 = [await ledger.create(sellers[n % 2], shop) for n in range(ORDERS_PER_PHASE)]
                phase2 += [o for o in outage + replayed if o]
                for n, order_id in enumerate(o for o in phase1[2:] if o):
                    await ledger.move(movers[n % 2], order_id, "ready")
                for n, order_id in enumerate(o for o in phase2 if o):
                    await ledger.move(movers[(n + 1) % 2], order_id, "preparing")
                await wait_for_events(followers, ledger.event_ids)

                # PostgreSQL catches up (the journal writes before the answer; the persister afterwards).
                dsn = settings.database.asyncpg_dsn
                deadline = time.monotonic() + WAIT
                while True:
                    stored = await pg_orders(dsn, branch)
                    behind = {o: want for o, want in ledger.orders.items() if stored.get(o) != want}
                    if not behind or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.2)
                boards = [await board(mover, branch) for mover in movers]
            finally:
                # Before the servers stop, or the clients would start reconnecting to them.
                for follower in followers:
                    await follower.close()
                for http in sellers + movers:
                    await http.aclose()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    lost_pg = [f"{o}: acknowledged {want}, PostgreSQL {stored.get(o)}" for o, want in sorted(behind.items())]
    lost_board = [
        f"{o}: acknowledged {want}, board of {url} {seen.get(o)}"
        for url, seen in zip(urls, boards, strict=True)
        for o, want in sorted(ledger.orders.items())
        if seen.get(o) != want
    ]
    repeats, disorder, gaps = [], [], []
    for n, follower in enumerate(followers):
        name = f"client {n} on {follower.url} ({follower.connects} connects)"
        twice = sorted({i for i in follower.ids if follower.ids.count(i) > 1})
        if twice:
            repeats.append(f"{name}: {twice}")
        backwards = [
            (a, b)
            for a, b in zip(follower.ids, follower.ids[1:], strict=False)
            if stream_key(b) <= stream_key(a)
        ]
        if backwards:
            disorder.append(f"{name}: {backwards[:5]}")
        missed = [i for i in ledger.event_ids if i not in follower.ids]
        if missed or follower.others:
            gaps.append(f"{name}: missed {missed}; other events {follower.others}")
    print(
        f"acknowledged {len(ledger.orders)} orders and {len(ledger.event_ids)} moves; refused "
        f"{ledger.refused}; clients got {[len(f.ids) for f in followers]} events in "
        f"{[f.connects for f in followers]} connects"
    )
    assert not lost_pg, "acknowledged orders lost or behind in PostgreSQL:\n" + "\n".join(lost_pg)
    assert not lost_board, "acknowledged orders lost or behind on the board:\n" + "\n".join(lost_board)
    assert not repeats, "clients received an event id twice:\n" + "\n".join(repeats)
    assert not disorder, "clients received event ids out of order:\n" + "\n".join(disorder)
    assert not gaps, "clients missed acknowledged moves' events:\n" + "\n".join(gaps)
    after = ledger.refused[refused_before:]
    assert not after, "requests refused once Redis was back:\n" + "\n".join(after)

"""Event latency, fan-out and memory per socket: Passline's /kanban against a bare python-socketio server, in
one run on one box (DESIGN §10).

    .venv/bin/python -m tests.load.run_latency                  # the 100-branch shape, ~1.5 minutes
    .venv/bin/python -m tests.load.run_latency --clients 2000 --branches 50 --rate 100

Passline (web + worker, started with the CLI against a scratch database `passline_bench_<random>` and
Redis prefix) gets `--branches` branches (the demo's two plus made-up ones, with the demo manager a member
of all) and a few open orders in each. Then the Node probe (tests/load/latency_probe.mjs, the official
socket.io-client) connects `--clients` sockets to /kanban with the manager's session cookie, spread
evenly over the branch rooms, and:

1. memory: RSS of the web process before and after the clients connect, divided by their number;
2. the shape: `--rate` transitions/s over HTTP for `--seconds`, round robin over the branches; each event's
   latency is its move's send time to each client's receipt (one clock: the probe's), plus deliveries/s;
   meanwhile the persister's lag is read from PostgreSQL (every new order_events row's age when first seen,
   polled every 20 ms, so an upper bound with that resolution) and from /metrics;
3. fan-out: the clients reconnect all to one branch; one event (receipt p50/p99 across the clients), then
   a burst of 20 events (deliveries/s from the first send to the last receipt).

The bare ceiling (tests/load/ceilings/bare_sio.py) goes through the same steps with rooms instead of
branches and `POST /emit` instead of a transition. Everything is removed at the end. Prints figures, never
asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import queue
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.load import _passline
from tests.load._harness import (
    CEILINGS,
    DEFAULT_PG,
    DEFAULT_REDIS,
    HOST,
    LOAD,
    Child,
    WaitSampler,
    add_checkout_argument,
    finish_py_spy,
    free_port,
    log,
    log_directory,
    machine_facts,
    percentile,
    print_machine,
    start_py_spy,
    uvicorn_argv,
)

PROBE = LOAD / "latency_probe.mjs"
DESIGN = {
    "latency": "p50 <= 5 ms, p99 <= 25 ms (Passline)",
    "memory": "bare: 78 KB/socket; Passline <= 1.1x bare",
    "burst": "bare: 6,800 deliveries/s, 20 events -> p99 370 ms; Passline >= 1x bare",
    "lag": "p99 <= 250 ms",
}


def node_options(clients: int) -> list[str]:
    """Room for the probe's heap: each socket.io-client socket with its receipts is ~100 KiB of Node heap,
    so 10,000 clients need more than a small box's default heap limit."""
    if clients <= 2000:
        return []
    return [f"--max-old-space-size={max(2048, clients * 200 // 1024)}"]


def connect_timeout(sockets: list[Any]) -> float:
    """The probe connects 50 sockets at a time; a busy 2-core box manages a few hundred a second."""
    return max(180.0, len(sockets) / 40)


def raise_file_limit(clients: int) -> None:
    """Every socket is a file descriptor in the probe and one in the server (both inherit our limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = clients + 1024
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        raise SystemExit(
            f"{clients} sockets need about {needed} open files per process but the hard limit is {hard}: "
            "raise it (ulimit -Hn, or LimitNOFILE in a service)"
        )


class Probe:
    """The Node probe: one JSON command in, one JSON answer out."""

    def __init__(self, config: dict[str, Any], log_dir: Path, name: str, *, clients: int = 0) -> None:
        node = shutil.which("node")
        if node is None:
            raise SystemExit("node is needed (Node 20)")
        if not (LOAD.parents[1] / "displays" / "node_modules" / "socket.io-client").exists():
            raise SystemExit("displays/node_modules/socket.io-client is missing: run `make setup`")
        self.stderr = (log_dir / f"{name}.log").open("wb")
        self.process = subprocess.Popen(
            [node, *node_options(clients), str(PROBE), json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            start_new_session=True,
        )
        self.answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.answers.put(line)

    def call(self, command: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        try:
            answer: dict[str, Any] = json.loads(self.answers.get(timeout=timeout))
        except queue.Empty:
            raise RuntimeError(f"the probe did not answer {command['cmd']} within {timeout:.0f} s") from None
        if not answer.get("ok"):
            raise RuntimeError(f"the probe failed {command['cmd']}: {answer.get('error')}")
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(RuntimeError, BrokenPipeError, OSError):
                self.call({"cmd": "quit"}, timeout=1)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.stderr.close()

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Figures:
    name: str
    clients: int = 0
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    connect_seconds: float = 0.0
    connect_retries: int = 0
    lag_scrape_failures: int = 0
    shape: dict[str, Any] = field(default_factory=dict)
    one: dict[str, Any] = field(default_factory=dict)
    burst: dict[str, Any] = field(default_factory=dict)
    lag_ms: list[float] = field(default_factory=list)
    lag_gauge_max_s: float | None = None
    shape_cpu_s: float = float("nan")
    pg_waits: str = ""

    @property
    def kib_per_socket(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / self.clients if self.clients else float("nan")


# --------------------------------------------------------------------------- persistence lag


class LagSampler:
    """Every 20 ms: new order_events rows, each one's age (first-seen time minus the event's ts) -> lag;
    every 0.5 s: the largest passline_persister_lag_seconds in /metrics."""

    def __init__(self, dsn: str, metrics_url: str) -> None:
        self.dsn = dsn
        self.metrics_url = metrics_url
        self.lags_ms: list[float] = []
        self.gauge_max = 0.0
        self.scrape_failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> LagSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(1.0)  # the last events' rows
        self._stop.set()
        self._thread.join(timeout=10)

    async def _run(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        last_id = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM order_events"))
        next_scrape = 0.0
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                while not self._stop.is_set():
                    seen = time.time()
                    rows = await conn.fetch(
                        "SELECT id, extract(epoch FROM ts)::float8 AS ts FROM order_events "
                        "WHERE id > $1 AND type = 'order.state_changed' ORDER BY id",
                        last_id,
                    )
                    for row in rows:
                        self.lags_ms.append(max(seen - row["ts"], 0.0) * 1000)
                    if rows:
                        last_id = int(rows[-1]["id"])
                    if seen >= next_scrape:
                        next_scrape = seen + 0.5
                        try:
                            text = (await client.get(self.metrics_url)).text
                        except httpx.HTTPError:
                            # A web process busy with thousands of sockets may not answer in time.
                            self.scrape_failures += 1
                            text = ""
                        for value in re.findall(
                            r"^passline_persister_lag_seconds(?:\{[^}]*\})? (\S+)$", text, re.M
                        ):
                            self.gauge_max = max(self.gauge_max, float(value))
                    await asyncio.sleep(0.02)
        finally:
            await conn.close()


# --------------------------------------------------------------------------- the two servers


def interleave(orders: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Round robin over branches: the first order of every branch, then the second of every branch, …"""
    by_branch: dict[int, list[str]] = {}
    for branch, order_id in orders:
        by_branch.setdefault(branch, []).append(order_id)
    depth = max((len(ids) for ids in by_branch.values()), default=0)
    return [(b, ids[k]) for k in range(depth) for b, ids in sorted(by_branch.items()) if k < len(ids)]


def spread(clients: int, rooms: list[Any]) -> list[Any]:
    return [rooms[i % len(rooms)] for i in range(clients)]


def measure(
    figures: Figures,
    probe: Probe,
    server: Child,
    *,
    shape_sockets: list[dict[str, Any]],
    shape_targets: list[dict[str, Any]],
    fan_sockets: list[dict[str, Any]],
    fan_targets: list[dict[str, Any]],
    args: argparse.Namespace,
    lag: LagSampler | None = None,
    database: str | None = None,
) -> None:
    figures.clients = len(shape_sockets)
    time.sleep(1.0)
    figures.rss_before_kib = server.rss_kib()
    log(f"{figures.name}: connecting {len(shape_sockets)} sockets")
    answer = probe.call({"cmd": "connect", "sockets": shape_sockets}, timeout=connect_timeout(shape_sockets))
    figures.connect_seconds = float(answer["seconds"])
    figures.connect_retries = int(answer.get("retries") or 0)
    time.sleep(2.0)
    figures.rss_after_kib = server.rss_kib()
    log(f"{figures.name}: {figures.kib_per_socket:.0f} KiB per socket; warm-up at {args.rate}/s")
    probe.call({"cmd": "shape", "rate": args.rate, "seconds": 2, "targets": shape_targets})
    log(f"{figures.name}: {args.rate} moves/s for {args.seconds:.0f} s")
    spy_out = Path(args.py_spy or ".") / f"{figures.name.split()[0].lower()}-shape.txt"
    profiler = start_py_spy(server.pid, args.seconds, spy_out, []) if args.py_spy else None
    with lag or contextlib.nullcontext(), WaitSampler(args.pg, database or "-") as waits:
        cpu_before = server.cpu_seconds()
        figures.shape = probe.call(
            {"cmd": "shape", "rate": args.rate, "seconds": args.seconds, "targets": shape_targets}
        )
        figures.shape_cpu_s = server.cpu_seconds() - cpu_before
    if database:
        figures.pg_waits = waits.summary()
    if lag is not None:
        figures.lag_ms = lag.lags_ms
        figures.lag_gauge_max_s = lag.gauge_max
        figures.lag_scrape_failures = lag.scrape_failures
    if profiler is not None:
        finish_py_spy(profiler, spy_out, f"{figures.name}, the shape")
    probe.call({"cmd": "disconnect"})
    log(f"{figures.name}: fan-out, {len(fan_sockets)} sockets in one room")
    probe.call({"cmd": "connect", "sockets": fan_sockets}, timeout=connect_timeout(fan_sockets))
    time.sleep(1.0)
    figures.one = probe.call({"cmd": "burst", "targets": fan_targets[:1]})
    time.sleep(0.5)
    figures.burst = probe.call({"cmd": "burst", "targets": fan_targets[1 : 1 + args.burst]})
    probe.call({"cmd": "disconnect"})


def run_passline(args: argparse.Namespace, log_dir: Path) -> Figures:
    figures = Figures("Passline /kanban")
    with _passline.scratch_shop(
        args.pg, args.redis, log_dir=log_dir, extra_env=args.passline_env, root=args.checkout.resolve()
    ) as shop:
        branches = _passline.add_branches(shop, args.branches)
        worker = contextlib.nullcontext() if args.no_worker else _passline.worker(shop, log_dir)
        with _passline.web(shop, log_dir) as server, worker:
            manager = _passline.login(shop.base_url, "manager")
            products = _passline.order_products(shop)
            dt_branch = _passline.branch_id(shop, "DT")
            per_branch = max(2, -(-args.rate * 5 // len(branches)))  # each order moves every ~5 s
            log(f"creating {per_branch * len(branches)} orders in {len(branches)} branches")
            orders = asyncio.run(
                _passline.create_orders(
                    shop.base_url, manager, branches, products, per_branch * len(branches)
                )
            )
            fan_orders = asyncio.run(
                _passline.create_orders(shop.base_url, manager, [dt_branch], products, args.burst + 1)
            )
            rooms = spread(args.clients, branches)
            per_room = {b: rooms.count(b) for b in branches}
            orders = interleave(orders)
            config = {
                "url": shop.base_url,
                "namespace": "/kanban",
                "mode": "passline",
                "cookie": manager.cookie,
                "csrf": manager.csrf,
            }
            with Probe(config, log_dir, "probe-passline", clients=args.clients) as probe:
                measure(
                    figures,
                    probe,
                    server,
                    shape_sockets=[{"auth": {"branch_id": b}} for b in rooms],
                    shape_targets=[
                        {"order_id": oid, "state": "received", "expected": per_room[b]} for b, oid in orders
                    ],
                    fan_sockets=[{"auth": {"branch_id": dt_branch}}] * args.clients,
                    fan_targets=[
                        {"order_id": oid, "state": "received", "expected": args.clients}
                        for _, oid in fan_orders
                    ],
                    args=args,
                    lag=LagSampler(shop.dsn, f"{shop.base_url}/metrics"),
                    database=shop.database,
                )
    return figures


def run_bare(args: argparse.Namespace, log_dir: Path) -> Figures:
    figures = Figures("bare python-socketio")
    port = free_port()
    url = f"http://{HOST}:{port}"
    rooms = [f"r{k}" for k in range(args.branches)]
    with Child(
        "ceiling-sio",
        uvicorn_argv("bare_sio:app", port, app_dir=CEILINGS),
        env=dict(os.environ),
        log_dir=log_dir,
        ready_url=f"{url}/",
    ) as server:
        placed = spread(args.clients, rooms)
        per_room = {r: placed.count(r) for r in rooms}
        per_branch = max(2, -(-args.rate * 5 // len(rooms)))
        targets = [
            {"room": r, "order_id": f"{r}-o{k}", "expected": per_room[r]}
            for k in range(per_branch)
            for r in rooms
        ]
        fan = [
            {"room": "all", "order_id": f"fan-o{k}", "expected": args.clients} for k in range(args.burst + 1)
        ]
        with Probe(
            {"url": url, "namespace": "/bench", "mode": "bare"}, log_dir, "probe-bare", clients=args.clients
        ) as probe:
            measure(
                figures,
                probe,
                server,
                shape_sockets=[{"auth": {"room": r}} for r in placed],
                shape_targets=targets,
                fan_sockets=[{"auth": {"room": "all"}}] * args.clients,
                fan_targets=fan,
                args=args,
            )
    return figures


# --------------------------------------------------------------------------- report


def _ms(stats: dict[str, Any], key: str) -> str:
    value = stats.get(key)
    return "-" if value is None else f"{value:,.1f}"


def report(args: argparse.Namespace, facts: dict[str, str], runs: list[Figures]) -> None:
    print()
    print_machine(facts)
    print(
        f"\n{args.clients} sockets (official socket.io-client on Node, websocket) over {args.branches} rooms; "
        f"{args.rate} moves/s for {args.seconds:.0f} s; fan-out: {args.clients} sockets in one room, "
        f"1 event then {args.burst} at once. Times from the move's HTTP send to each client's receipt.\n"
    )
    header = f"{'measure':<44}" + "".join(f"{f.name:>24}" for f in runs)
    print(header)
    print("-" * len(header))

    def row(label: str, values: list[str]) -> None:
        print(f"{label:<44}" + "".join(f"{v:>24}" for v in values))

    row("memory per socket (RSS delta / clients)", [f"{f.kib_per_socket:,.1f} KiB" for f in runs])
    row(
        "connect time for all clients (retries)",
        [f"{f.connect_seconds:.1f} s ({f.connect_retries})" for f in runs],
    )
    for key, label in (("p50", "p50"), ("p95", "p95"), ("p99", "p99"), ("max", "max")):
        row(f"shape: send -> receipt {label} (ms)", [_ms(f.shape["send_to_receipt_ms"], key) for f in runs])
    row(
        "shape: HTTP answer -> receipt p50 / p99 (ms)",
        [
            f"{_ms(f.shape['answer_to_receipt_ms'], 'p50')} / {_ms(f.shape['answer_to_receipt_ms'], 'p99')}"
            for f in runs
        ],
    )
    row(
        "shape: HTTP answer p50 / p99 (ms)",
        [f"{_ms(f.shape['http_ms'], 'p50')} / {_ms(f.shape['http_ms'], 'p99')}" for f in runs],
    )
    row("shape: received / expected", [f"{f.shape['got']:,} / {f.shape['expected']:,}" for f in runs])
    row("shape: deliveries/s", [f"{f.shape['deliveries_per_s']:,.0f}" for f in runs])
    row("shape: failed moves", [str(f.shape["failed"]) for f in runs])
    row(
        "shape: server CPU (100 % = one core)",
        [f"{f.shape_cpu_s / f.shape.get('send_seconds', args.seconds):.0%}" for f in runs],
    )
    row(
        "fan-out, 1 event: receipt p50 / p99 (ms)",
        [
            f"{_ms(f.one['send_to_receipt_ms'], 'p50')} / {_ms(f.one['send_to_receipt_ms'], 'p99')}"
            for f in runs
        ],
    )
    row(
        f"fan-out, {args.burst} events: p50 / p99 (ms)",
        [
            f"{_ms(f.burst['send_to_receipt_ms'], 'p50')} / {_ms(f.burst['send_to_receipt_ms'], 'p99')}"
            for f in runs
        ],
    )
    row(
        f"fan-out, {args.burst} events: deliveries/s",
        [f"{(f.burst.get('deliveries_per_s') or 0):,.0f}" for f in runs],
    )
    row(
        f"fan-out, {args.burst} events: received / expected",
        [f"{f.burst['got']:,} / {f.burst['expected']:,}" for f in runs],
    )
    passline = next((f for f in runs if f.name.startswith("Passline")), None)
    if passline is not None and passline.lag_ms:
        lags = passline.lag_ms
        print(
            f"\npersistence lag (stream -> order_events row, seen by a 20 ms poll; {len(lags):,} events): "
            f"p50 {percentile(lags, 50):.0f} ms, p99 {percentile(lags, 99):.0f} ms, max {max(lags):.0f} ms; "
            f"largest passline_persister_lag_seconds in /metrics: {passline.lag_gauge_max_s or 0:.3f} s"
            + (f" ({passline.lag_scrape_failures} scrapes timed out)" if passline.lag_scrape_failures else "")
        )
    if passline is not None and args.no_worker:
        print(
            "no worker (--no-worker): order_events rows are the journal's alone; the persister's lag gauge only "
            "grows (nothing reads the streams for it)"
        )
    if passline is not None and passline.pg_waits:
        print(f"PostgreSQL during the shape, {passline.pg_waits}")
    bare = next((f for f in runs if f.name.startswith("bare")), None)
    if passline and bare:
        print()
        print(
            f"memory per socket, Passline / bare: {passline.kib_per_socket / bare.kib_per_socket:.2f}x (target <= 1.1x)"
        )
        pb, bb = passline.burst.get("deliveries_per_s") or 0, bare.burst.get("deliveries_per_s") or 0
        if bb:
            print(f"fan-out deliveries/s, Passline / bare: {pb / bb:.2f}x (target >= 1x)")
    for key, text in DESIGN.items():
        print(f"DESIGN §10 {key}: {text}")
    for f in runs:
        for part in ("shape", "one", "burst"):
            failure = getattr(f, part).get("failure")
            if failure:
                print(f"note: {f.name} {part}: a move failed with {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--branches", type=int, default=100, help="branch rooms the clients spread over")
    parser.add_argument("--rate", type=int, default=60, help="transitions per second in the shape")
    parser.add_argument("--seconds", type=float, default=15, help="length of the shape")
    parser.add_argument("--burst", type=int, default=20, help="events sent at once in the fan-out burst")
    parser.add_argument("--only", choices=("passline", "bare"), help="run one side only")
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
    parser.add_argument("--py-spy", metavar="DIR", help="sample the server with py-spy during the shape")
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="run Passline without its worker, so without the persister: the journal alone writes order_events "
        "(a diagnosis: what the persister's writes cost the answers; scheduled jobs do not run)",
    )
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args(argv)
    args.passline_env = dict(item.split("=", 1) for item in args.passline_env)
    raise_file_limit(args.clients)
    facts = machine_facts(args.pg, args.redis, args.checkout.resolve())
    started = time.monotonic()
    runs: list[Figures] = []
    with log_directory(args.keep_logs) as log_dir:
        if args.only != "bare":
            runs.append(run_passline(args, log_dir))
        if args.only != "passline":
            runs.append(run_bare(args, log_dir))
    report(args, facts, runs)
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scale-out: the same Passline shop served by one web process, then by two behind one port, in one run
on one box (DESIGN §9, §10: two web processes >= 1.7x one).

    .venv/bin/python -m tests.load.run_scaleout                 # ~2 minutes
    .venv/bin/python -m tests.load.run_scaleout --seconds 5 --bursts 3 --clients 500
    .venv/bin/python -m tests.load.run_scaleout --pin            # web k on core k, load generators on the last

One scratch shop (database `passline_bench_<random>`, migrated and demo-seeded, and a Redis prefix),
then for each layout (`--layouts 1,2`): `passline web` with PASSLINE_WEB_WORKERS=N plus `passline worker`,
started with the CLI as an operator would. With N > 1 the CLI hands `workers=N` to uvicorn, whose
multiprocess supervisor binds the port once and spawns N workers that all accept on that one inherited
socket (not SO_REUSEPORT: the kernel wakes the waiting processes and whichever accepts first gets the
connection, so the split is printed, not assumed). For each layout:

1. order creation: `wrk -t1 -c{connections}` with wrk/create_order.lua as the demo cashier (a warm-up,
   then the measured run); req/s, p50/p99, and each web process's CPU and the connections it held;
2. fan-out: the Node probe (latency_probe.mjs, the official socket.io-client) connects `--clients` sockets
   to /kanban, all in the Downtown room (so with two processes each bridge feeds its own share), then
   `--bursts` times moves `--burst` orders at once; deliveries/s = deliveries / (first send -> last
   receipt), over all bursts.

Printed: one process vs two and the ratio (target >= 1.7x for both), CPU ms per request (and per 1,000
deliveries) of the web processes, where the box's CPU went (web, worker, load generator, everything else:
PostgreSQL, Redis and whatever else runs), and the machine. On a 2-core box the load generator (wrk, Node)
and PostgreSQL need CPU too, so two web processes cannot each have a core: the CPU table says how close
the run came. Prints figures, never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.load import _passline
from tests.load._harness import (
    DEFAULT_PG,
    DEFAULT_REDIS,
    HOST,
    LOAD,
    PYTHON,
    WRK_SCRIPTS,
    Child,
    WrkResult,
    add_checkout_argument,
    ensure_wrk,
    log,
    log_directory,
    machine_facts,
    print_machine,
    run_wrk,
)
from tests.load._procfs import (
    CpuMeter,
    affinity,
    connections_by_pid,
    pin,
    pinned_children,
    rss_kib,
    rusage_children_cpu,
    uvicorn_workers,
    wait_all_accepting,
)
from tests.load.run_latency import Probe, connect_timeout, raise_file_limit

TARGET = 1.7


@dataclass
class Layout:
    processes: int
    pids: list[int] = field(default_factory=list)
    worker_pid: int = 0
    affinity: dict[int, str] = field(default_factory=dict)
    create: WrkResult | None = None
    create_cpu: dict[int, float] = field(default_factory=dict)  # web pid -> CPU seconds over the run
    create_usage: Usage | None = None
    create_connections: dict[int, int] = field(default_factory=dict)
    bursts: list[dict[str, Any]] = field(default_factory=list)
    fan_sockets: dict[int, int] = field(default_factory=dict)
    fan_cpu: dict[int, float] = field(default_factory=dict)  # web pid -> CPU seconds over the bursts
    fan_usage: Usage | None = None
    fan_seconds_metered: float = float("nan")
    rss_kib: dict[int, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.processes} process" + ("es" if self.processes > 1 else "")

    @property
    def deliveries(self) -> int:
        return sum(int(b.get("deliveries") or 0) for b in self.bursts)

    @property
    def deliveries_per_s(self) -> float:
        span = sum(float(b.get("first_send_to_last_receipt_s") or 0) for b in self.bursts)
        return self.deliveries / span if span else float("nan")

    @property
    def burst_rates(self) -> list[float]:
        return [float(b["deliveries_per_s"]) for b in self.bursts if b.get("deliveries_per_s")]

    @property
    def burst_seconds(self) -> float:
        """The bursts' own time (first send to last receipt, summed), without the pauses between them."""
        return sum(float(b.get("first_send_to_last_receipt_s") or 0) for b in self.bursts)

    @property
    def create_cpu_ms_per_request(self) -> float:
        if self.create is None or not self.create.requests:
            return float("nan")
        return sum(self.create_cpu.values()) * 1000 / self.create.requests

    @property
    def fan_cpu_ms_per_1000(self) -> float:
        return (
            sum(self.fan_cpu.values()) * 1000 / (self.deliveries / 1000) if self.deliveries else float("nan")
        )


# Processes outside Passline that the load also costs: every one on the box, whoever started it.
GROUPS = {"PostgreSQL": "postgres:", "Redis": "redis-server"}


@dataclass
class Usage:
    """Where the box's CPU went over one measured stretch, in cores (1.0 = one core busy throughout)."""

    web: float
    worker: float
    generator: float
    postgresql: float
    redis: float
    box: float

    @classmethod
    def of(cls, meter: CpuMeter, web: list[int], worker: int, generator: float) -> Usage:
        return cls(
            web=sum(meter.share(pid) for pid in web),
            worker=meter.share(worker),
            generator=generator,
            postgresql=meter.group_share("PostgreSQL"),
            redis=meter.group_share("Redis"),
            box=meter.box_cores,
        )

    @property
    def rest(self) -> float:
        return self.box - self.web - self.worker - self.generator - self.postgresql - self.redis


class ConnectionSampler:
    """Counts, halfway through a run, the connections to the port each web process holds."""

    def __init__(self, port: int, pids: list[int], after: float) -> None:
        self.port, self.pids, self.after = port, pids, after
        self.counts: dict[int, int] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        time.sleep(self.after)
        self.counts = connections_by_pid(self.port, self.pids)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.join(timeout=10)


class Bench:
    def __init__(self, args: argparse.Namespace, log_dir: Path, shop: _passline.Shop) -> None:
        self.args = args
        self.log_dir = log_dir
        self.shop = shop
        self.cores = os.cpu_count() or 1
        self.generator_cpus = {self.cores - 1} if args.pin else None
        self.notes: list[str] = []
        self.cashier: _passline.Login | None = None
        self.manager: _passline.Login | None = None
        self.products: list[_passline.OrderItem] = []
        self.branch = 0

    def layout(self, processes: int) -> Layout:
        shop, args = self.shop, self.args
        result = Layout(processes)
        env = {**shop.env, "PASSLINE_WEB_WORKERS": str(processes)}
        ready = f"{shop.base_url}/health/ready"
        with contextlib.ExitStack() as stack:
            if args.front == "shared" or processes == 1:
                web = stack.enter_context(
                    Child(
                        f"passline-web-{processes}",
                        [PYTHON, "-m", "app.cli", "web"],
                        env=env,
                        log_dir=self.log_dir,
                        ready_url=ready,
                        cwd=shop.root,
                    )
                )
                result.pids = uvicorn_workers(web.pid, processes)
            else:
                # N independent processes, each with its own SO_REUSEPORT socket on the one port.
                env = {**env, "PASSLINE_WEB_WORKERS": "1", "PYTHONPATH": str(shop.root)}
                result.pids = [
                    stack.enter_context(
                        Child(
                            f"passline-web-{processes}-{k}",
                            [PYTHON, str(LOAD / "_reuseport_web.py")],
                            env=env,
                            log_dir=self.log_dir,
                            ready_url=ready,
                            cwd=shop.root,
                        )
                    ).pid
                    for k in range(processes)
                ]
            worker = stack.enter_context(
                Child(
                    f"passline-worker-{processes}",
                    [PYTHON, "-m", "app.cli", "worker"],
                    env=env,
                    log_dir=self.log_dir,
                    cwd=shop.root,
                )
            )
            result.worker_pid = worker.pid
            wait_all_accepting(HOST, shop.port, result.pids)
            if args.pin:
                for k, pid in enumerate(result.pids):
                    pin(pid, {k % self.cores})
            result.affinity = {pid: affinity(pid) for pid in result.pids}
            log(f"{result.label}: serving pids {result.pids} (CPUs {result.affinity}), worker {worker.pid}")
            if self.cashier is None:
                self._prepare()
            if "create" in args.only:
                self._create(result)
            if "fanout" in args.only:
                self._fanout(result)
            result.rss_kib = {pid: rss_kib(pid) for pid in result.pids}
        return result

    def _prepare(self) -> None:
        shop = self.shop
        self.cashier = _passline.login(shop.base_url, "cashier")
        self.manager = _passline.login(shop.base_url, "manager")
        self.branch = _passline.branch_id(shop, "DT")
        self.products = _passline.order_products(shop)
        check = httpx.post(
            f"{shop.base_url}/api/v1/orders",
            json=_passline.order_body(uuid.uuid4(), self.branch, self.products),
            headers=self.cashier.headers,
            timeout=10,
        )
        if check.status_code != 201:
            raise RuntimeError(f"a sample order was refused: {check.status_code} {check.text[:500]}")

    # ------------------------------------------------------------------ order creation over HTTP

    def _create(self, result: Layout) -> None:
        args, shop = self.args, self.shop
        assert self.cashier is not None

        def env() -> dict[str, str]:
            raw = uuid.uuid4().hex
            return {
                "PL_COOKIE": self.cashier.cookie if self.cashier else "",
                "PL_CSRF": self.cashier.csrf if self.cashier else "",
                "PL_BRANCH_IDS": str(self.branch),
                "PL_LINES": _passline.lines_json(self.products),
                "PL_UUID_PREFIX": f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-8{raw[17:20]}-",
            }

        url = f"{shop.base_url}/api/v1/orders"
        script = WRK_SCRIPTS / "create_order.lua"
        with pinned_children(self.generator_cpus):
            if args.warmup > 0:
                run_wrk(
                    "warm-up",
                    url,
                    seconds=args.warmup,
                    connections=args.connections,
                    script=script,
                    env=env(),
                )
                self._settle()
            log(f"{result.label}: order creation, wrk -t1 -c{args.connections} -d{args.seconds:.0f}s")
            generator_before = rusage_children_cpu()
            with (
                CpuMeter([*result.pids, result.worker_pid], GROUPS) as meter,
                ConnectionSampler(shop.port, result.pids, args.seconds / 2) as conns,
            ):
                result.create = run_wrk(
                    "create",
                    url,
                    seconds=args.seconds,
                    connections=args.connections,
                    script=script,
                    env=env(),
                )
            generator = rusage_children_cpu() - generator_before
        self._settle()
        result.create_cpu = {pid: meter.seconds[pid] for pid in result.pids}
        result.create_usage = Usage.of(meter, result.pids, result.worker_pid, generator / meter.elapsed)
        result.create_connections = conns.counts
        log(
            f"  {result.create.rps:,.0f} orders/s, p50 {result.create.p50_ms:.0f} ms, p99 "
            f"{result.create.p99_ms:.0f} ms, non-2xx {result.create.non_2xx}; connections {conns.counts}"
        )

    def _settle(self) -> None:
        # Each web process answers /metrics for itself: ask a few times so every one is likely asked.
        for _ in range(4):
            _passline.wait_idle(self.shop.base_url)
        time.sleep(0.5)

    # ------------------------------------------------------------------ fan-out over Socket.IO

    def _fanout(self, result: Layout) -> None:
        args, shop = self.args, self.shop
        assert self.manager is not None
        orders = asyncio.run(
            _passline.create_orders(shop.base_url, self.manager, [self.branch], self.products, args.burst)
        )
        targets = [{"order_id": oid, "state": "received", "expected": args.clients} for _, oid in orders]
        config = {
            "url": shop.base_url,
            "namespace": "/kanban",
            "mode": "passline",
            "cookie": self.manager.cookie,
            "csrf": self.manager.csrf,
        }
        with pinned_children(self.generator_cpus):
            probe = Probe(config, self.log_dir, f"probe-{result.processes}", clients=args.clients)
        with probe:
            if self.generator_cpus is not None:
                pin(probe.process.pid, self.generator_cpus)
            log(f"{result.label}: connecting {args.clients} sockets to /kanban (one room)")
            sockets = [{"auth": {"branch_id": self.branch}}] * args.clients
            probe.call({"cmd": "connect", "sockets": sockets}, timeout=connect_timeout(sockets))
            time.sleep(1.0)
            result.fan_sockets = connections_by_pid(shop.port, result.pids)
            log(f"  sockets per process {result.fan_sockets}; a warm-up burst, then {args.bursts} bursts")
            probe.call({"cmd": "burst", "targets": targets})
            time.sleep(0.5)
            with CpuMeter([*result.pids, result.worker_pid, probe.process.pid], GROUPS) as meter:
                for _ in range(args.bursts):
                    result.bursts.append(probe.call({"cmd": "burst", "targets": targets}))
                    time.sleep(0.3)
            result.fan_cpu = {pid: meter.seconds[pid] for pid in result.pids}
            result.fan_usage = Usage.of(meter, result.pids, result.worker_pid, meter.share(probe.process.pid))
            result.fan_seconds_metered = meter.elapsed
            probe.call({"cmd": "disconnect"})
        rates = result.burst_rates
        log(
            f"  {result.deliveries_per_s:,.0f} deliveries/s over {len(result.bursts)} bursts "
            f"(per burst {min(rates, default=0):,.0f}-{max(rates, default=0):,.0f})"
        )


# --------------------------------------------------------------------------- report


def _usage_rows(row: Any, layouts: list[Layout], usages: list[Usage | None], cores: int) -> None:
    def show(get: Any) -> list[str]:
        return [f"{get(u):.2f}" if u is not None else "-" for u in usages]

    row(f"  whole box busy (cores of {cores})", show(lambda u: u.box))
    row("    web processes", show(lambda u: u.web))
    row("    worker (persister, jobs)", show(lambda u: u.worker))
    row("    load generator", show(lambda u: u.generator))
    row("    PostgreSQL (every backend on the box)", show(lambda u: u.postgresql))
    row("    Redis (every redis-server on the box)", show(lambda u: u.redis))
    row("    everything else (other sessions, kernel)", show(lambda u: u.rest))


def _ratio(label: str, one: float, two: float, cpu_one: float, cpu_two: float) -> None:
    if not one or one != one or two != two:
        return
    ratio = two / one
    verdict = "meets" if ratio >= TARGET else "BELOW"
    print(f"{label}, two processes / one: {ratio:.2f}x (target >= {TARGET}x: {verdict})")
    if cpu_one == cpu_one and cpu_two == cpu_two and cpu_two:
        # Two processes, each with a core of its own, would do 2x one process's work per CPU second,
        # less what the second process costs per unit more than the first.
        print(
            f"  web CPU per unit of work: {cpu_one:.2f} vs {cpu_two:.2f} (two processes): with a core for each "
            f"web process and the rest elsewhere, the ratio would be 2 x {cpu_one:.2f} / {cpu_two:.2f} = "
            f"{2 * cpu_one / cpu_two:.2f}x"
        )


def report(args: argparse.Namespace, facts: dict[str, str], layouts: list[Layout], notes: list[str]) -> None:
    print()
    print_machine(facts)
    cores = os.cpu_count() or 1
    if args.front == "shared":
        print(
            "\nfront: `passline web` with PASSLINE_WEB_WORKERS=N, i.e. uvicorn's multiprocess supervisor: one "
            "listening socket, bound by the supervisor and inherited by the N workers, which all accept on it "
            "(not SO_REUSEPORT; whichever worker is awake takes the connection)"
        )
    else:
        print(
            "\nfront: N independent web processes (tests/load/_reuseport_web.py, the same uvicorn call as "
            "`passline web`), each with its own SO_REUSEPORT socket on the one port: the kernel hashes each "
            "new connection to one of them"
        )
    print(
        f"order creation: wrk -t1 -c{args.connections}, {args.seconds:.0f} s after a {args.warmup:.0f} s warm-up; "
        f"fan-out: {args.clients} /kanban sockets in one room, {args.bursts} bursts of {args.burst} moves"
    )
    if args.pin:
        print(f"pinned: web process k on CPU k mod {cores}; wrk and the Node probe on CPU {cores - 1}")
    else:
        print("not pinned: the kernel schedules every process on any core")
    header = f"{'':<48}" + "".join(f"{lay.label:>24}" for lay in layouts)
    print("\n" + header)
    print("-" * len(header))

    def row(label: str, values: list[str]) -> None:
        print(f"{label:<48}" + "".join(f"{v:>24}" for v in values))

    def each(values: dict[int, Any], fmt: str) -> str:
        return " / ".join(format(v, fmt) for v in values.values()) if values else "-"

    if any(lay.create for lay in layouts):
        row("order creation req/s", [f"{lay.create.rps:,.0f}" if lay.create else "-" for lay in layouts])
        row(
            "  p50 / p99 ms",
            [f"{lay.create.p50_ms:.0f} / {lay.create.p99_ms:.0f}" if lay.create else "-" for lay in layouts],
        )
        row("  non-2xx", [str(lay.create.non_2xx) if lay.create else "-" for lay in layouts])
        row(
            "  web CPU ms/req (all web processes)",
            [f"{lay.create_cpu_ms_per_request:.2f}" for lay in layouts],
        )
        row(
            "  web CPU per process (1.0 = a core)",
            [
                each({p: c / lay.create.seconds for p, c in lay.create_cpu.items()}, ".2f")
                if lay.create
                else "-"
                for lay in layouts
            ],
        )
        row("  wrk connections held per process", [each(lay.create_connections, "d") for lay in layouts])
        _usage_rows(row, layouts, [lay.create_usage for lay in layouts], cores)
    if any(lay.bursts for lay in layouts):
        row("fan-out deliveries/s (all bursts)", [f"{lay.deliveries_per_s:,.0f}" for lay in layouts])
        row(
            "  per burst: median (min-max)",
            [
                f"{statistics.median(lay.burst_rates):,.0f} ({min(lay.burst_rates):,.0f}-{max(lay.burst_rates):,.0f})"
                if lay.burst_rates
                else "-"
                for lay in layouts
            ],
        )
        row(
            "  received / expected",
            [
                f"{sum(b['got'] for b in lay.bursts):,} / {sum(b['expected'] for b in lay.bursts):,}"
                for lay in layouts
            ],
        )
        row(
            "  receipt p50 / p99 ms (last burst)",
            [
                f"{lay.bursts[-1]['send_to_receipt_ms']['p50']:,.0f} / {lay.bursts[-1]['send_to_receipt_ms']['p99']:,.0f}"
                if lay.bursts and lay.bursts[-1]["send_to_receipt_ms"]["n"]
                else "-"
                for lay in layouts
            ],
        )
        row("  sockets per process", [each(lay.fan_sockets, "d") for lay in layouts])
        row("  web CPU ms per 1,000 deliveries", [f"{lay.fan_cpu_ms_per_1000:.1f}" for lay in layouts])
        row(
            "  web CPU per process while bursting",
            [each({p: c / lay.burst_seconds for p, c in lay.fan_cpu.items()}, ".2f") for lay in layouts],
        )
        row(
            "  Node probe CPU while bursting",
            [f"{lay.fan_usage.generator * _stretch(lay):.2f}" if lay.fan_usage else "-" for lay in layouts],
        )
        row("  (the figures below: over bursts and pauses)", ["" for _ in layouts])
        _usage_rows(row, layouts, [lay.fan_usage for lay in layouts], cores)
    row(
        "web RSS per process (MiB)",
        [each({p: v / 1024 for p, v in lay.rss_kib.items()}, ".0f") for lay in layouts],
    )
    print()
    by_count = {lay.processes: lay for lay in layouts}
    one, two = by_count.get(1), by_count.get(2)
    if one and two:
        if one.create and two.create:
            _ratio(
                "order creation",
                one.create.rps,
                two.create.rps,
                one.create_cpu_ms_per_request,
                two.create_cpu_ms_per_request,
            )
        if one.bursts and two.bursts:
            _ratio(
                "fan-out deliveries/s",
                one.deliveries_per_s,
                two.deliveries_per_s,
                one.fan_cpu_ms_per_1000,
                two.fan_cpu_ms_per_1000,
            )
        print(
            f"on {cores} cores two web processes share them with the load generator, PostgreSQL, Redis and the "
            "worker (the CPU rows above): when the box is busy throughout, the measured ratio is the box's limit"
        )
    for note in notes:
        print(f"note: {note}")


def _stretch(layout: Layout) -> float:
    """Factor from a share over the whole metered stretch to a share over the bursts alone."""
    return layout.fan_seconds_metered / layout.burst_seconds if layout.burst_seconds else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layouts", default="1,2", help="web process counts to compare (default 1,2)")
    parser.add_argument("--only", default="create,fanout", help="create, fanout or both (default)")
    parser.add_argument("--seconds", type=float, default=12, help="measured wrk run (default 12)")
    parser.add_argument("--warmup", type=float, default=3, help="wrk warm-up (default 3)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--clients", type=int, default=1000, help="sockets in the fan-out (default 1000)")
    parser.add_argument("--burst", type=int, default=20, help="moves sent at once per burst (default 20)")
    parser.add_argument("--bursts", type=int, default=5, help="measured bursts (default 5)")
    parser.add_argument(
        "--pin", action="store_true", help="pin web process k to CPU k, generators to the last"
    )
    parser.add_argument(
        "--front",
        choices=("shared", "reuseport"),
        default="shared",
        help="how several web processes share the port: `passline web` with PASSLINE_WEB_WORKERS (uvicorn's "
        "supervisor, one shared socket; the default) or one SO_REUSEPORT socket per process",
    )
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
    args.only = {k.strip() for k in args.only.split(",") if k.strip()}
    if args.only - {"create", "fanout"}:
        parser.error(f"unknown measure(s) {sorted(args.only - {'create', 'fanout'})}")
    layouts = [int(n) for n in args.layouts.split(",") if n.strip()]
    args.passline_env = dict(item.split("=", 1) for item in args.passline_env)
    ensure_wrk()
    raise_file_limit(args.clients)
    facts = machine_facts(args.pg, args.redis, args.checkout.resolve())
    started = time.monotonic()
    results: list[Layout] = []
    with (
        log_directory(args.keep_logs) as log_dir,
        _passline.scratch_shop(
            args.pg, args.redis, log_dir=log_dir, extra_env=args.passline_env, root=args.checkout.resolve()
        ) as shop,
    ):
        bench = Bench(args, log_dir, shop)
        for processes in layouts:
            results.append(bench.layout(processes))
    report(args, facts, results, bench.notes)
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

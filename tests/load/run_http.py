"""HTTP throughput of Passline against the bare ceilings of its own stack, in one run on one box (DESIGN §10).

    .venv/bin/python -m tests.load.run_http            # everything, ~1.5 minutes
    .venv/bin/python -m tests.load.run_http --only create,insert --seconds 10

Each server runs as one uvicorn process on a free 127.0.0.1 port and gets `wrk -t1 -c32` (a short
warm-up, then the measured run). Ceilings: bare Litestar 1 kB JSON, one asyncpg INSERT + COMMIT, one
EVALSHA (HINCRBY + HSET + XADD). Passline: order creation (3 lines, priced, persisted, token, tickets,
event) as the demo cashier, and transitions over HTTP as the demo manager. Passline gets a scratch
database `passline_bench_<random>` (migrated, demo-seeded) and Redis prefix; the INSERT ceiling its own
scratch database; all of them are removed at the end, whatever happens. Prints figures, never asserts.

With `--py-spy DIR` the Passline web process is sampled by py-spy during each measured Passline run
(`pip install py-spy` into .venv); the collapsed stacks are written to DIR and the hottest frames printed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.load import _passline
from tests.load._harness import (
    CEILINGS,
    DEFAULT_PG,
    DEFAULT_REDIS,
    HOST,
    WRK_SCRIPTS,
    Child,
    WaitSampler,
    WrkResult,
    add_checkout_argument,
    ensure_wrk,
    finish_py_spy,
    free_port,
    log,
    log_directory,
    machine_facts,
    print_machine,
    run_wrk,
    scratch_database,
    scratch_prefix,
    start_py_spy,
    uvicorn_argv,
)

ALL = ("json", "insert", "lua", "create", "transitions")
TARGETS = {"create": ("insert", 0.40), "transitions": ("lua", 0.60)}
# DESIGN §10, measured before any Passline code on a box like this one.
DESIGN_FIGURES = {
    "json": "4,400 req/s, p99 15 ms",
    "insert": "2,100 req/s, p99 40 ms",
    "lua": "2,300 req/s, p99 28 ms",
}
LABELS = {
    "json": "bare Litestar, 1 kB JSON",
    "insert": "bare Litestar + asyncpg INSERT + COMMIT",
    "lua": "bare Litestar + EVALSHA (HINCRBY+HSET+XADD)",
    "create": "Passline order creation (3 lines)",
    "transitions": "Passline transitions over HTTP",
}


class Bench:
    def __init__(self, args: argparse.Namespace, log_dir: Path) -> None:
        self.args = args
        self.log_dir = log_dir
        self.results: dict[str, WrkResult] = {}
        self.notes: list[str] = []

    def measure(
        self,
        key: str,
        url: str,
        *,
        script: Path | None = None,
        env: Callable[[], dict[str, str]] | None = None,
        settle: Callable[[], None] | None = None,
        server: Child,
        profile: bool = False,
        database: str | None = None,
    ) -> WrkResult:
        """A warm-up then the measured wrk run. `env` is called before each (fresh ids, current states);
        `settle` after each (waits for the server to finish what wrk left in flight)."""
        args = self.args
        if args.warmup > 0:
            run_wrk(
                f"{key} warm-up",
                url,
                seconds=args.warmup,
                connections=args.connections,
                script=script,
                env=env() if env else None,
            )
            if settle:
                settle()
        run_env = env() if env else None
        profiler = self._start_profile(key, server.pid if profile else None)
        cpu_before = server.cpu_seconds()
        sessions_before = _sessions(args.pg, database) if database else 0
        log(f"measuring {key}: wrk -t1 -c{args.connections} -d{args.seconds:.0f}s {url}")
        with WaitSampler(args.pg, database or "-") as waits:
            result = run_wrk(
                LABELS[key],
                url,
                seconds=args.seconds,
                connections=args.connections,
                script=script,
                env=run_env,
            )
        result.server_cpu_s = server.cpu_seconds() - cpu_before
        if database:
            opened = _sessions(args.pg, database) - sessions_before
            self.notes.append(
                f"{key}: PostgreSQL {waits.summary()}; {opened:,} new connections during the run"
            )
        self._finish_profile(key, profiler)
        if settle:
            settle()
        self.results[key] = result
        log(
            f"  {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
            f"non-2xx {result.non_2xx}"
        )
        return result

    # ------------------------------------------------------------------ ceilings

    def ceilings(self) -> None:
        wanted = [k for k in ("json", "insert", "lua") if k in self.args.only]
        if not wanted:
            return
        with (
            scratch_database(self.args.pg, "passline_ceiling") as database_url,
            scratch_prefix(self.args.redis, "plceil") as prefix,
        ):
            env = {
                **os.environ,
                "CEILING_DATABASE_URL": database_url,
                "CEILING_REDIS_PREFIX": prefix,
                "REDIS_URL": self.args.redis,
            }
            for key, target, path in (
                ("json", "bare_json:app", "/json"),
                ("insert", "bare_insert:app", "/insert"),
                ("lua", "bare_lua:app", "/lua"),
            ):
                if key not in wanted:
                    continue
                port = free_port()
                url = f"http://{HOST}:{port}{path}"
                ready = f"http://{HOST}:{port}/"  # a 404 or 405 answer is "up"
                with Child(
                    f"ceiling-{key}",
                    uvicorn_argv(target, port, app_dir=CEILINGS),
                    env=env,
                    log_dir=self.log_dir,
                    ready_url=ready,
                ) as server:
                    script = None if key == "json" else WRK_SCRIPTS / "post.lua"
                    self.measure(key, url, script=script, server=server)

    # ------------------------------------------------------------------ Passline

    def passline(self) -> None:
        wanted = [k for k in ("create", "transitions") if k in self.args.only]
        if not wanted:
            return
        with (
            _passline.scratch_shop(
                self.args.pg,
                self.args.redis,
                log_dir=self.log_dir,
                extra_env=self.args.passline_env,
                root=self.args.checkout.resolve(),
            ) as shop,
            _passline.web(shop, self.log_dir) as server,
        ):
            cashier = _passline.login(shop.base_url, "cashier")
            manager = _passline.login(shop.base_url, "manager")
            branch = _passline.branch_id(shop, "DT")
            products = _passline.order_products(shop, manager, stock_tracked=self.args.stock_line)
            check = httpx.post(
                f"{shop.base_url}/api/v1/orders",
                json=_passline.order_body(uuid.uuid4(), branch, products),
                headers=cashier.headers,
                timeout=10,
            )
            if check.status_code != 201:
                raise RuntimeError(f"a sample order was refused: {check.status_code} {check.text[:500]}")
            self.notes.append(
                f"sample order total {check.json()['totals']['total']}, "
                f"lines {', '.join(item.name for item in products)}, "
                f"{len(check.json()['tickets'])} kitchen tickets"
            )
            if "create" in wanted:
                if self.args.create_branches > 1:
                    # The demo cashier works in Downtown only; the manager belongs to every branch.
                    branches = _passline.add_branches(shop, self.args.create_branches)
                    seller = _passline.login(shop.base_url, "manager")
                else:
                    branches, seller = [branch], cashier
                self._create(shop, server, seller, branches, products)
            if "transitions" in wanted:
                self._transitions(shop, server, cashier, manager, branch, products)

    def _create(
        self,
        shop: _passline.Shop,
        server: Child,
        cashier: _passline.Login,
        branches: list[int],
        products: list[_passline.OrderItem],
    ) -> None:
        def env() -> dict[str, str]:
            return {
                "PL_COOKIE": cashier.cookie,
                "PL_CSRF": cashier.csrf,
                "PL_BRANCH_IDS": ",".join(map(str, branches)),
                "PL_LINES": _passline.lines_json(products),
                "PL_UUID_PREFIX": _uuid_prefix(),
            }

        before = _order_count(shop)
        if self.args.create_branches > 1:
            log(f"order creation spread over {len(branches)} branches, as the manager (a member of all)")
        result = self.measure(
            "create",
            f"{shop.base_url}/api/v1/orders",
            script=WRK_SCRIPTS / "create_order.lua",
            env=env,
            settle=lambda: _passline.wait_idle(shop.base_url),
            server=server,
            profile=True,
            database=shop.database,
        )
        after = _order_count(shop)
        self.notes.append(
            f"order creation: {after - before:,} orders in PostgreSQL after warm-up + run "
            f"({result.requests - result.non_2xx:,} answered 2xx in the measured run)"
        )

    def _transitions(
        self,
        shop: _passline.Shop,
        server: Child,
        cashier: _passline.Login,
        manager: _passline.Login,
        branch: int,
        products: list[_passline.OrderItem],
    ) -> None:
        rows = _passline.fetch(
            shop.dsn,
            "SELECT branch_id, id::text FROM orders WHERE state = 'received' ORDER BY created_at LIMIT $1",
            self.args.orders,
        )
        orders = [(int(row["branch_id"]), row["id"]) for row in rows]
        if len(orders) < self.args.orders:
            missing = self.args.orders - len(orders)
            # Over both demo branches: each branch's token counter serialises its own creations.
            branches = [branch, _passline.branch_id(shop, "RS")]
            log(f"creating {missing} orders to move")
            orders += asyncio.run(
                _passline.create_orders(shop.base_url, manager, branches, products, missing)
            )
        order_file = self.log_dir / "orders.txt"

        def env() -> dict[str, str]:
            # Read just before each wrk run: the previous run moved them.
            states = _passline.hot_states(shop, orders)
            lines = [f"{oid} {state}" for (_, oid), state in zip(orders, states, strict=True)]
            order_file.write_text("\n".join(lines) + "\n")
            return {
                "PL_COOKIE": manager.cookie,
                "PL_CSRF": manager.csrf,
                "PL_ORDERS": str(order_file),
                "PL_WRK_THREADS": "1",
            }

        self.measure(
            "transitions",
            f"{shop.base_url}/",
            script=WRK_SCRIPTS / "transitions.lua",
            env=env,
            settle=lambda: _passline.wait_idle(shop.base_url),
            server=server,
            profile=True,
            database=shop.database,
        )
        counts = collections.Counter(_passline.hot_states(shop, orders))
        self.notes.append(f"transitions: {len(orders):,} orders cycled; their states now {dict(counts)}")

    # ------------------------------------------------------------------ py-spy

    def _start_profile(self, key: str, pid: int | None) -> subprocess.Popen[bytes] | None:
        if not self.args.py_spy or pid is None:
            return None
        return start_py_spy(pid, self.args.seconds, Path(self.args.py_spy) / f"{key}.txt", self.notes)

    def _finish_profile(self, key: str, profiler: subprocess.Popen[bytes] | None) -> None:
        if profiler is not None:
            finish_py_spy(profiler, Path(self.args.py_spy) / f"{key}.txt", LABELS[key])

    # ------------------------------------------------------------------ report

    def report(self, facts: dict[str, str]) -> None:
        print()
        print_machine(facts)
        print(
            f"\nwrk -t1 -c{self.args.connections}, {self.args.seconds:.0f} s per run after a "
            f"{self.args.warmup:.0f} s warm-up; one uvicorn process per server; all on this box\n"
        )
        header = (
            f"{'measure':<46} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
            f"{'srv CPU':>8} {'CPU ms/req':>10}  DESIGN §10"
        )
        print(header)
        print("-" * len(header))
        for key in ALL:
            result = self.results.get(key)
            if result is None:
                continue
            busy = result.server_cpu_s / result.seconds if result.seconds else float("nan")
            print(
                f"{LABELS[key]:<46} {result.rps:>9,.0f} {result.p50_ms:>8.1f} {result.p99_ms:>8.1f} "
                f"{result.non_2xx:>8} {busy:>8.0%} {result.cpu_ms_per_request:>10.2f}  {DESIGN_FIGURES.get(key, '')}"
            )
        print(
            "srv CPU: the server process's CPU time over the run's length (100 % = one core); CPU ms/req: per request"
        )
        print()
        for key, (ceiling, target) in TARGETS.items():
            mine, bare = self.results.get(key), self.results.get(ceiling)
            if mine is None or bare is None or not bare.rps:
                continue
            ratio = mine.rps / bare.rps
            verdict = "meets" if ratio >= target else "BELOW"
            print(
                f"{LABELS[key]} / {LABELS[ceiling]}: {ratio:.0%} of req/s (target >= {target:.0%}: {verdict})"
            )
            print(
                f"  server CPU per request: {mine.cpu_ms_per_request:.2f} ms vs {bare.cpu_ms_per_request:.2f} ms "
                f"({mine.cpu_ms_per_request / bare.cpu_ms_per_request:.1f}x)"
            )
        for note in self.notes:
            print(f"note: {note}")


def _uuid_prefix() -> str:
    raw = secrets.token_hex(8)
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-8{secrets.token_hex(2)[1:]}-"


def _sessions(pg_url: str, database: str) -> int:
    """Connections ever opened to `database` (pg_stat_database.sessions, PostgreSQL 14+; 0 before)."""
    rows = _passline.fetch(
        pg_url,
        "SELECT coalesce((to_jsonb(d) ->> 'sessions')::bigint, 0) AS n FROM pg_stat_database d WHERE datname = $1",
        database,
    )
    return int(rows[0]["n"]) if rows else 0


def _order_count(shop: _passline.Shop) -> int:
    return int(_passline.fetch(shop.dsn, "SELECT count(*) AS n FROM orders")[0]["n"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=12, help="measured wrk run per server (default 12)")
    parser.add_argument("--warmup", type=float, default=3, help="wrk warm-up before each run (default 3)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--orders", type=int, default=1000, help="orders the transition run cycles through")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)}")
    add_checkout_argument(parser)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a maintenance database URL)")
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--py-spy", metavar="DIR", help="sample the Passline web process with py-spy")
    parser.add_argument(
        "--create-branches",
        type=int,
        default=1,
        metavar="N",
        help="spread order creation over N branches (default 1: Downtown, as its cashier); shows what the "
        "per-branch token counter costs",
    )
    parser.add_argument(
        "--passline-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for Passline's processes, e.g. PASSLINE_DB_POOL_SIZE=32 (repeatable)",
    )
    parser.add_argument(
        "--stock-line",
        action="store_true",
        help="sell a stock-tracked drink as the third line, so each order's statement also takes stock down "
        "and writes its stock ledger row",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    args = parser.parse_args(argv)
    args.only = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = sorted(set(args.only) - set(ALL))
    if unknown:
        parser.error(f"unknown measure(s) {unknown}")
    args.passline_env = dict(item.split("=", 1) for item in args.passline_env)
    ensure_wrk()
    facts = machine_facts(args.pg, args.redis, args.checkout.resolve())
    started = time.monotonic()
    with log_directory(args.keep_logs) as log_dir:
        bench = Bench(args, log_dir)
        bench.ceilings()
        bench.passline()
    bench.report(facts)
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reports at volume: generate a year of history (1,000,000 orders by default) with `seed-history`, then
time every report page's request (all of its queries, through the full app) and print p50 / p95 / max.

    .venv/bin/python tests/load/run_reports.py                     # scratch database, dropped at the end
    .venv/bin/python tests/load/run_reports.py --keep reports_1m   # keep (or reuse) a named database

Prints figures; asserts nothing about time (DESIGN §10).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.load._harness import (
    _admin,
    log,
    machine_facts,
    percentile,
    print_machine,
    scratch_database,
    with_database,
)

PAGES = (
    ("dashboard", "/api/v1/reports/dashboard", {}),
    ("sales 30 d by channel, compare", "/api/v1/reports/sales", {"by": "channel", "compare": "true"}),
    (
        "sales 90 d by product, weekly",
        "/api/v1/reports/sales",
        {"by": "product", "period": "week", "days": 90},
    ),
    (
        "sales 365 d by category, monthly",
        "/api/v1/reports/sales",
        {"by": "category", "period": "month", "days": 365},
    ),
    (
        "sales 30 d by hour, payment methods",
        "/api/v1/reports/sales",
        {"by": "payment_method", "period": "hour"},
    ),
    ("sales 30 d by cashier", "/api/v1/reports/sales", {"by": "cashier"}),
    ("sales 30 d by tax rate", "/api/v1/reports/sales", {"by": "tax_rate"}),
    ("sales 30 d by branch (comparison)", "/api/v1/reports/sales", {"by": "branch", "compare": "true"}),
    ("kitchen 30 d", "/api/v1/reports/kitchen", {"compare": "true"}),
    ("delivery 30 d", "/api/v1/reports/delivery", {"compare": "true"}),
    ("queue 30 d", "/api/v1/reports/queue", {}),
    ("customers 30 d", "/api/v1/reports/customers", {"compare": "true"}),
    ("customers 365 d", "/api/v1/reports/customers", {"days": 365}),
    ("invoices and payments 30 d", "/api/v1/reports/invoices", {"compare": "true"}),
    # The forecast is fitted once and cached ten minutes: the first call pays for the model (see the note).
    ("insights (forecast cached)", "/api/v1/reports/insights", {}),
    ("inventory 30 d, compare", "/api/v1/reports/inventory", {"compare": "true"}),
    ("inventory 90 d", "/api/v1/reports/inventory", {"days": 90}),
    ("inventory 365 d", "/api/v1/reports/inventory", {"days": 365}),
    ("inventory 30 d, one branch", "/api/v1/reports/inventory", {"branch_id": 1}),
    ("labour 30 d, compare", "/api/v1/reports/labour", {"compare": "true"}),
    ("labour 90 d", "/api/v1/reports/labour", {"days": 90}),
    ("labour 365 d", "/api/v1/reports/labour", {"days": 365}),
)


@contextlib.contextmanager
def database(pg_url: str, keep: str | None) -> Iterator[str]:
    if keep is None:
        with scratch_database(pg_url, "bench_reports") as url:
            yield url
        return
    with contextlib.suppress(Exception):
        asyncio.run(_admin(pg_url, f'CREATE DATABASE "{keep}"'))
    yield with_database(pg_url, keep)


async def seed(days: int, per_day: int) -> None:
    from sqlalchemy import text

    from app.demo.seed import seed_demo
    from app.lib.deps import provide_services
    from app.lib.runtime import open_runtime
    from app.reports.history import seed_history
    from app.reports.inventory_history import seed_inventory_history
    from app.staff.labour_history import seed_labour

    async with open_runtime() as runtime, provide_services(runtime) as scope:
        await seed_demo(scope.session)
        have = await scope.session.scalar(text("SELECT count(*) FROM orders"))
        await scope.session.rollback()
        report = None
        if have:
            log(f"reusing {have:,} orders already there")
        else:
            report = await seed_history(scope.session, days=days, orders_per_day=per_day)
            # The staff's clock entries beside the sales, as `passline seed-history` writes them.
            await seed_labour(scope.session, days=days)
        # The inventory behind the orders (once; it leaves a ledger that has history alone).
        began = time.perf_counter()
        stock = await seed_inventory_history(scope.session)
        stock_seconds = time.perf_counter() - began
    for line in stock.lines_out():
        print(f"  {line} in {stock_seconds:.0f} s")
    if report is None:
        return
    print("seed-history")
    for line in report.lines_out():
        print(f"  {line}")
    slowest = sorted(report.timings.items(), key=lambda kv: -kv[1])[:6]
    print("  slowest steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))
    print(f"  {report.orders / report.seconds:,.0f} orders/s")


class SqlClock:
    """Time spent inside PostgreSQL statements (the driver's execute, decoding included), per statement
    text: what a page's time is made of, beside its wall time."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.spent: dict[str, float] = collections.defaultdict(float)
        self._began: list[float] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._began.append(time.perf_counter())

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._began:
            self.spent[" ".join(statement.split())[:90]] += (time.perf_counter() - self._began.pop()) * 1000

    def take(self) -> dict[str, float]:
        spent, self.spent = dict(self.spent), collections.defaultdict(float)
        return spent


async def measure(rounds: int, only: list[str], statements: bool = False) -> None:
    import datetime as dt

    import httpx
    from sqlalchemy import text

    from app.lib.runtime import Runtime
    from app.main import create_app
    from app.settings import get_settings
    from app.wiring import wire

    wire()
    runtime = Runtime(get_settings())
    await runtime.open()
    try:
        async with runtime.sessionmaker() as session:
            orders = await session.scalar(text("SELECT count(*) FROM orders"))
            lines = await session.scalar(text("SELECT count(*) FROM order_lines"))
        clock = SqlClock(runtime.engine)
        app = create_app(runtime=runtime)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            response = await http.post(
                "/api/v1/auth/login", json={"username": "manager", "password": "passline-demo"}
            )
            response.raise_for_status()
            today = dt.datetime.now(dt.UTC).date()
            print(
                f"\nReport pages over {orders:,} orders ({lines:,} lines), {rounds} rounds each, full app in-process"
            )
            print(f"  {'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'first ms':>9} {'SQL p50':>8}")
            for name, path, options in PAGES:
                if only and not any(word in name for word in only):
                    continue
                params = {k: str(v) for k, v in options.items() if k != "days"}
                days = int(options.get("days", 30))
                if path not in ("/api/v1/reports/dashboard", "/api/v1/reports/insights"):
                    params["from"] = (today - dt.timedelta(days=days - 1)).isoformat()
                    params["to"] = today.isoformat()
                timings, sql, per_statement = [], [], collections.defaultdict(list)
                for _ in range(rounds + 1):
                    clock.take()
                    began = time.perf_counter()
                    response = await http.get(path, params=params)
                    timings.append((time.perf_counter() - began) * 1000)
                    response.raise_for_status()
                    spent = clock.take()
                    sql.append(sum(spent.values()))
                    for statement, ms in spent.items():
                        per_statement[statement].append(ms)
                first = timings[0]
                # The first round warms the plan caches (and fits the forecast).
                timings, sql = timings[1:], sql[1:]
                print(
                    f"  {name:<40} {percentile(timings, 50):8.0f} {percentile(timings, 95):8.0f} "
                    f"{max(timings):8.0f} {first:9.0f} {percentile(sql, 50):8.0f}"
                )
                if statements:
                    ranked = sorted(per_statement.items(), key=lambda kv: -percentile(kv[1][1:] or kv[1], 50))
                    for statement, ms in ranked[:6]:
                        print(f"      {percentile(ms[1:] or ms, 50):7.1f} ms  {statement}")
    finally:
        await runtime.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--orders-per-day", type=int, default=1370, help="per branch (2 demo branches)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", metavar="DATABASE", help="keep (or reuse) this database")
    parser.add_argument("--only", nargs="*", default=[], help="time only the pages whose name has a word")
    parser.add_argument(
        "--statements", action="store_true", help="also print each page's slowest statements (p50 ms)"
    )
    args = parser.parse_args()
    pg_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    print_machine(machine_facts(pg_url, redis_url))
    with database(pg_url, args.keep) as url:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("PASSLINE_REDIS_PREFIX", "bench-reports:")
        from app.settings import get_settings

        get_settings.cache_clear()
        from app.db.migrate import upgrade

        upgrade(get_settings().database.async_url)
        asyncio.run(seed(args.days, args.orders_per_day))
        asyncio.run(measure(args.rounds, args.only, args.statements))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`passline` command line: run | web | worker | migrate | seed-demo | seed-history | rebuild | create-admin |
reset-totp."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from types import FrameType

from app.embedded import EmbeddedServices
from app.settings import get_settings

# Screens that exist today; each screen's issue adds its line here and to displays.routes.SCREENS.
SCREENS = (
    ("Sign in", "/login"),
    ("Home (your screens)", "/"),
    ("Health", "/health/ready"),
    ("Metrics", "/metrics"),
    ("OpenAPI", "/schema"),
    ("Kitchen displays (pick a station)", "/kds"),
    ("Kitchen expo (the pass)", "/kds/expo"),
    ("Queue TV (branch 1)", "/queue/1"),
    ("Walk-in kiosk (branch 1)", "/queue/1/kiosk"),
    ("Till (cashiers' tablets)", "/pos"),
    ("Pair a display", "/pair"),
    ("Admin (managers)", "/admin"),
    ("Courier cash (managers)", "/admin/courier-cash"),
    ("Shifts and Z reports (managers)", "/admin/shifts"),
    ("Displays (managers)", "/admin/devices"),
    ("Orders board (managers)", "/kanban"),
    ("Reports and dashboards (managers)", "/reports"),
    ("Stock, purchasing and petty cash (managers)", "/inventory"),
    ("My deliveries (couriers' phones)", "/courier"),
)


@contextlib.contextmanager
def services_for_this_process() -> Iterator[EmbeddedServices | None]:
    """Use the configured PostgreSQL/Redis, or start the embedded ones and point the environment at them."""
    need_pg = not os.environ.get("DATABASE_URL")
    need_redis = not os.environ.get("REDIS_URL")
    if not (need_pg or need_redis):
        yield None
        return
    settings = get_settings()
    embedded = EmbeddedServices(settings.data.dir)
    print(
        f"Starting embedded {'PostgreSQL' if need_pg else ''}{' and ' if need_pg and need_redis else ''}"
        f"{'Redis' if need_redis else ''} in {settings.data.dir} …",
        flush=True,
    )
    database_url, redis_url = embedded.start(need_postgres=need_pg, need_redis=need_redis)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    get_settings.cache_clear()
    try:
        yield embedded
    finally:
        embedded.stop()


def migrate() -> None:
    from app.db.migrate import upgrade

    upgrade(get_settings().database.async_url)


async def _seed_demo() -> bool:
    from app.catalog.cache import bump_catalog_epoch
    from app.demo.seed import seed_demo
    from app.lib.deps import provide_services
    from app.lib.runtime import open_runtime

    async with open_runtime() as runtime, provide_services(runtime) as services:
        report = await seed_demo(services.session)
        if report.created:
            await bump_catalog_epoch(services.redis, services.keys)
    return report.created


async def _seed_history(*, days: int, orders_per_day: int, only_if_absent: bool) -> list[str]:
    from app.catalog.cache import bump_catalog_epoch
    from app.lib.deps import provide_services
    from app.lib.runtime import open_runtime
    from app.reports.history import history_present, seed_history
    from app.reports.inventory_history import seed_inventory_history
    from app.staff.labour_history import seed_labour

    async with open_runtime() as runtime, provide_services(runtime) as services:
        if only_if_absent and await history_present(services.session):
            # A demo made before the time clock existed gets its clock history once (then nothing).
            entries = await seed_labour(services.session, days=days)
            return [f"{entries} clock entries"] if entries else []
        report = await seed_history(services.session, days=days, orders_per_day=orders_per_day, today=True)
        # The staff's clock entries and rates beside the sales: the labour report has figures at once.
        entries = await seed_labour(services.session, days=days)
        # The kitchen behind those orders (ingredients, recipes, purchasing, waste, counts): new recipes
        # change what a sale takes, so every till reloads its catalog.
        stock = await seed_inventory_history(services.session)
        if not stock.skipped:
            await bump_catalog_epoch(services.redis, services.keys)
    return [*report.lines_out(), f"{entries} clock entries", *stock.lines_out()]


def cmd_seed_history(args: argparse.Namespace) -> int:
    from app.reports.history import DEMO_DAYS, DEMO_ORDERS_PER_DAY

    if args.demo:
        # `passline run`'s own call: the databases are up and migrated; history only once.
        lines = asyncio.run(
            _seed_history(days=DEMO_DAYS, orders_per_day=DEMO_ORDERS_PER_DAY, only_if_absent=True)
        )
        for line in lines:
            print(f"Demo history: {line}", flush=True)
        return 0
    if not 1 <= args.days <= 1100 or not 1 <= args.orders_per_day <= 100_000:
        print("error: --days must be 1..1100 and --orders-per-day 1..100000", file=sys.stderr)
        return 2
    with services_for_this_process():
        migrate()
        lines = asyncio.run(
            _seed_history(days=args.days, orders_per_day=args.orders_per_day, only_if_absent=False)
        )
    print("History written:" if lines else "Every day asked for already has orders; nothing written.")
    for line in lines:
        print(f"  {line}")
    return 0


def print_demo_logins() -> None:
    from app.demo import DEMO_PASSWORD, DEMO_USERS

    print("Demo logins (password for all: %s):" % DEMO_PASSWORD)  # noqa: UP031
    for username, roles in DEMO_USERS:
        print(f"  {username:<10} {', '.join(roles)}")
    print("  (admins also enrol an authenticator app (TOTP) at their first sign-in)")


def print_screens(base_url: str) -> None:
    print(f"Passline is up at {base_url}")
    for title, path in SCREENS:
        print(f"  {title:<30} {base_url}{path}")


def cmd_web(_: argparse.Namespace) -> int:
    import uvicorn

    from app.lib.http_guard import GuardedHttpToolsProtocol

    with services_for_this_process():
        server = get_settings().server
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=server.host,
            port=server.port,
            workers=server.web_workers if server.web_workers > 1 else None,
            ws="websockets-sansio",
            # Events are small JSON; compressing each one once per socket costs CPU and ~memory per socket.
            ws_per_message_deflate=False,
            proxy_headers=True,
            log_config=None,
            access_log=False,
            ssl_certfile=server.ssl_certfile,
            ssl_keyfile=server.ssl_keyfile,
            # Slow, silent and oversized request heads are cut off (app/lib/http_guard.py).
            http=GuardedHttpToolsProtocol,
            timeout_keep_alive=server.keep_alive_seconds,
        )
    return 0


def cmd_worker(_: argparse.Namespace) -> int:
    from arq.worker import Worker

    from app.lib.logging import configure_logging
    from workers.settings import worker_options

    with services_for_this_process():
        settings = get_settings()
        configure_logging(level=settings.server.log_level, json=settings.server.log_json)
        asyncio.set_event_loop(asyncio.new_event_loop())
        Worker(**worker_options(settings)).run()
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    with services_for_this_process():
        migrate()
    print("Database is at the latest schema.")
    return 0


def cmd_seed_demo(_: argparse.Namespace) -> int:
    with services_for_this_process():
        migrate()
        created = asyncio.run(_seed_demo())
    print("Demo shop created." if created else "Demo shop already present; nothing changed.")
    print_demo_logins()
    return 0


async def _rebuild() -> list[str]:
    from app.lib.runtime import open_runtime
    from app.orders.rebuild import rebuild

    async with open_runtime() as runtime:
        report = await rebuild(runtime)
    return report.lines()


def cmd_rebuild(_: argparse.Namespace) -> int:
    # No migration here: rebuilding reads the schema the running shop already has.
    with services_for_this_process():
        lines = asyncio.run(_rebuild())
    print("Hot state of open orders restored from PostgreSQL:")
    for line in lines:
        print(f"  {line}")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from app.staff.admin import create_admin

    password = args.password or os.environ.get("PASSLINE_ADMIN_PASSWORD") or ""
    if not password:
        password = getpass.getpass("Password for the new admin: ")
    with services_for_this_process():
        migrate()
        try:
            user_id = asyncio.run(
                create_admin(username=args.username, password=password, full_name=args.full_name)
            )
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"Admin {args.username!r} created (id {user_id}); they see every branch.")
    return 0


def cmd_reset_totp(args: argparse.Namespace) -> int:
    from app.staff.admin import reset_second_factor

    with services_for_this_process():
        migrate()
        try:
            asyncio.run(reset_second_factor(username=args.username))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"{args.username!r} has no second factor now and was signed out; they enrol a new one at sign-in.")
    return 0


def _spawn(command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "app.cli", command], env=os.environ.copy())


def cmd_run(_: argparse.Namespace) -> int:
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    with services_for_this_process():
        migrate()
        if asyncio.run(_seed_demo()):
            print("Seeded the demo shop.")
        # The demo's 90 days of history are written beside the web process's start (one transaction, about
        # half a minute on a busy 2-core box); the report pages fill in when it commits.
        history = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "seed-history", "--demo"], env=os.environ.copy()
        )
        children = {"web": _spawn("web"), "worker": _spawn("worker")}
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        server = get_settings().server
        host = "localhost" if server.host in {"127.0.0.1", "0.0.0.0", "::"} else server.host  # noqa: S104
        if _wait_until_ready(f"http://127.0.0.1:{server.port}/health/ready", children, lambda: stopping):
            print_screens(f"http://{host}:{server.port}")
            print_demo_logins()
            print("Ctrl-C stops Passline (web, worker and the embedded databases).", flush=True)
        while not stopping and all(child.poll() is None for child in children.values()):
            time.sleep(0.25)
        exit_code = 0
        for name, child in children.items():
            if child.poll() is not None and not stopping:
                print(f"{name} exited with {child.returncode}; stopping.", file=sys.stderr)
                exit_code = 1
        if history.poll() is None:
            history.terminate()
            history.wait()
        _stop_children(children)
    print("Passline stopped.")
    return exit_code


def _wait_until_ready(url: str, children: dict[str, subprocess.Popen[bytes]], stopped: object) -> bool:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if callable(stopped) and stopped():
            return False
        if any(child.poll() is not None for child in children.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    print("Passline did not become ready within 60 s; see the log above.", file=sys.stderr)
    return True


def _stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="passline", description="Passline order orchestration server")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="everything for a newcomer: databases, migrate, demo shop, web + worker")
    commands.add_parser("web", help="the web process (HTTP API, pages, Socket.IO)")
    commands.add_parser("worker", help="the arq worker")
    commands.add_parser("migrate", help="upgrade the database schema to the latest version")
    commands.add_parser("seed-demo", help="create the demo shop (idempotent)")
    commands.add_parser(
        "rebuild", help="restore the Redis hot state of open orders from PostgreSQL (after Redis lost data)"
    )
    admin = commands.add_parser("create-admin", help="create an admin user")
    admin.add_argument("--username", required=True)
    admin.add_argument("--full-name", default="Administrator")
    admin.add_argument("--password", help="omit to be prompted (or set PASSLINE_ADMIN_PASSWORD)")
    history = commands.add_parser(
        "seed-history", help="write N days of realistic trading history for the reports (set-based, fast)"
    )
    history.add_argument("--days", type=int, default=90)
    history.add_argument("--orders-per-day", type=int, default=250, help="per branch, on an average day")
    history.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)
    reset = commands.add_parser("reset-totp", help="clear a user's second factor (lost phone)")
    reset.add_argument("--username", required=True)
    for name, handler in (
        ("run", cmd_run),
        ("web", cmd_web),
        ("worker", cmd_worker),
        ("migrate", cmd_migrate),
        ("seed-demo", cmd_seed_demo),
        ("rebuild", cmd_rebuild),
        ("create-admin", cmd_create_admin),
        ("reset-totp", cmd_reset_totp),
        ("seed-history", cmd_seed_history),
    ):
        commands.choices[name].set_defaults(handler=handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

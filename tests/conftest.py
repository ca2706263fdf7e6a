"""Test harness: real PostgreSQL and Redis for every test, a database and a key prefix per xdist worker.

When `DATABASE_URL` / `REDIS_URL` point at running servers (this machine and CI), the run uses them;
otherwise the first process starts the embedded ones once and its workers share them. The run migrates one
template database; each worker clones it and takes its own Redis prefix (tests/support/services.py).
Integration tests start from empty tables and an empty keyspace (see `clean_state`).

`-n` comes from pyproject's addopts (`-n auto`): `PYTEST_WORKERS` sets how many workers `auto` means, and
`-n0` runs everything in this one process.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM
from tests.support.clean import emptying_statement
from tests.support.factory import Factory
from tests.support.live import LiveServer, start_live_server
from tests.support.services import SOLO, Run


def _default_workers() -> int:
    """Workers when `-n auto` and no PYTEST_WORKERS: one a core, plus one to use the time the others wait
    on PostgreSQL, Redis, uvicorn and Chromium. Measured on the 2-core box, whole suite: 3 and 4 workers
    about equal and fastest, 2 slower, 6 slower still (each worker also starts a server and a browser)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores + 1


_RUN = pytest.StashKey[Run]()
_WORKER = pytest.StashKey[str]()


# ---------------------------------------------------------------- hooks: the run's services


def _xdist_worker(config: pytest.Config) -> str | None:
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    return None if workerinput is None else str(workerinput["workerid"])


def _hands_tests_to_workers(config: pytest.Config) -> bool:
    # xdist's own test: a distribution mode and worker specs (it runs nothing itself when collecting only).
    return (
        config.getoption("dist", "no") != "no"
        and bool(config.getoption("tx", None))
        and not config.getoption("collectonly")
    )


def _interrupt_on_sigterm() -> None:
    """CI ends a run past its time limit with SIGTERM, which by default kills pytest on the spot, leaving
    the run's databases, keys and embedded servers behind. As Ctrl-C, pytest unwinds and cleans up."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, signal.default_int_handler)


def pytest_configure(config: pytest.Config) -> None:
    worker = _xdist_worker(config)
    if worker is None:
        _interrupt_on_sigterm()
        config.stash[_RUN] = Run.start()
        if _hands_tests_to_workers(config):
            return
        worker = SOLO
    else:
        config.stash[_RUN] = Run.from_workerinput(config.workerinput["passline_run"])
    config.stash[_RUN].clone_for(worker)
    config.stash[_WORKER] = worker


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist, in the first process, before starting a worker: tell it where the run's servers are."""
    node.workerinput["passline_run"] = node.config.stash[_RUN].to_workerinput()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    raw = os.environ.get("PYTEST_WORKERS", "").strip()
    if not raw:
        return _default_workers()
    if not raw.isdigit():
        raise pytest.UsageError(f"PYTEST_WORKERS must be a number of workers (0: none), got {raw!r}")
    return int(raw)


# The longest modules (measured: seconds of one worker's time each), started first so that none of them is
# the last thing a worker does while the others sit idle. xdist hands each worker its tests two ahead
# (`--maxschedchunk 1` in pyproject), so these spread over the workers. Whole modules move, so module
# fixtures and the order within a module are as written; everything else keeps its place.
HEAVY_FIRST = (
    "tests/integration/test_api_fuzz.py",  # ~60 s alone, twice that beside the other workers: schemathesis
    "tests/integration/reports/test_insights.py",  # ~2 x 12 s: forecasts fitted on generated history
    "tests/integration/test_faults_kill.py",
    "tests/e2e/test_admin_branch_setup.py",
    "tests/e2e/test_queue_counter.py",
    "tests/integration/test_faults_redis_restart.py",
    "tests/e2e/test_floor_day.py",
    "tests/integration/reports/test_report_figures.py",
    "tests/e2e/test_reports_pages.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: n for n, path in enumerate(HEAVY_FIRST)}
    # sort is stable: everything else keeps its collection order.
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(HEAVY_FIRST)))


def _release_worker(config: pytest.Config) -> None:
    worker = config.stash.get(_WORKER, None)
    if worker is not None:
        del config.stash[_WORKER]
        config.stash[_RUN].release(worker)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # trylast: after pytest has torn down the session's fixtures (live servers, connections). A worker
    # releases its database here, before it tells the first process it has finished.
    _release_worker(session.config)


def pytest_unconfigure(config: pytest.Config) -> None:
    try:
        _release_worker(config)  # when the session never finished (configure failed, Ctrl-C)
    finally:
        run = config.stash.get(_RUN, None)
        if run is not None and _xdist_worker(config) is None:
            run.finish()


# ---------------------------------------------------------------- fixtures: databases and services


@pytest.fixture(scope="session")
def pg_admin_dsn(pytestconfig: pytest.Config) -> str:
    """asyncpg DSN of the maintenance `postgres` database, for tests that make their own databases."""
    return pytestconfig.stash[_RUN].maintenance_dsn


@pytest.fixture(scope="session")
def database_name(pytestconfig: pytest.Config) -> str:
    """This worker's database; a test that makes a database of its own names it with this as a prefix,
    so the end of the run removes it even if the test could not."""
    return pytestconfig.stash[_RUN].database(pytestconfig.stash[_WORKER])


@pytest.fixture(scope="session")
def database_url() -> str:
    from app.settings import get_settings

    return get_settings().database.async_url


@pytest.fixture(scope="session")
def settings() -> Any:
    from app.settings import get_settings

    return get_settings()


@pytest.fixture(scope="session")
async def runtime(settings: Any) -> AsyncIterator[Any]:
    from app.lib.runtime import Runtime
    from app.wiring import wire

    wire()
    rt = Runtime(settings)
    await rt.open()
    yield rt
    await rt.close()


@pytest.fixture(scope="session")
def table_names() -> list[str]:
    import app.db.models  # noqa: F401 - registers every table
    from app.db.base import Base

    return [table.name for table in Base.metadata.sorted_tables]


@pytest.fixture
async def clean_state(runtime: Any, table_names: list[str]) -> None:
    """Empty every table and this worker's Redis keys, so each test starts from nothing."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    # A request the previous test left in flight on a live server (a page saving as its browser closed)
    # can hold row locks; emptying then waits, or loses a deadlock. Waiting briefly and retrying is enough.
    for attempt in range(5):
        try:
            async with runtime.engine.begin() as conn:
                await conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                statement = await emptying_statement(conn, table_names)
                await (await conn.get_raw_connection()).driver_connection.execute(statement)
            break
        except (DBAPIError, asyncpg.PostgresError):
            if attempt == 4:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))
    keys = [key async for key in runtime.redis.scan_iter(match=f"{runtime.keys.prefix}*", count=1000)]
    if keys:
        await runtime.redis.unlink(*keys)


@pytest.fixture
async def db_session(runtime: Any, clean_state: None) -> AsyncIterator[Any]:
    async with runtime.sessionmaker() as session:
        yield session


@pytest.fixture(scope="session")
def asgi_app(runtime: Any) -> Any:
    """The full app (Socket.IO wrapper and all), built once per worker: Litestar's construction is ~0.1 s of
    CPU, which over every test was a large share of the suite."""
    from app.main import create_app

    return create_app(runtime=runtime)


@pytest.fixture
async def client(asgi_app: Any, clean_state: None) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking ASGI to the full app in this process; its metrics start from zero."""
    asgi_app.metrics.registry.reset()
    app = asgi_app
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def factory(db_session: Any, runtime: Any) -> Factory:
    return Factory(db_session, runtime)


# ---------------------------------------------------------------- fixtures: a real server and a browser


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """This worker's `passline web`; its log is in the worker's pytest temp folder."""
    server = start_live_server(Path(tmp_path_factory.mktemp("live-server")))
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        pytest.skip("Debian's chromium-headless-shell is not installed (make test installs it as root)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()

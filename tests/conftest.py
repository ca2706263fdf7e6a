"""Test harness: real PostgreSQL and Redis for every test.

When `DATABASE_URL` / `REDIS_URL` point at running servers (this machine and CI), the run uses them;
otherwise it starts the embedded ones in a temporary folder. Either way the run creates its own
database (`passline_test_<run>`) and Redis key prefix (`pltest:<run>:`), and removes both at the end.
Integration tests start from empty tables and an empty keyspace (see `clean_state`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from redis import Redis as SyncRedis

RUN_ID = uuid.uuid4().hex[:10]
TEST_DATABASE = f"passline_test_{RUN_ID}"
REDIS_PREFIX = f"pltest:{RUN_ID}:"
ROOT = Path(__file__).resolve().parent.parent


class TestServices:
    """Where this run's databases live; filled in by pytest_configure, emptied by pytest_unconfigure."""

    maintenance_dsn: str = ""
    database_url: str = ""
    redis_url: str = ""
    embedded: Any = None
    embedded_dir: Path | None = None


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    server_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not server_url or not redis_url:
        from app.embedded import EmbeddedServices

        # A short path: PostgreSQL's Unix socket path must stay under ~100 bytes.
        TestServices.embedded_dir = Path(tempfile.mkdtemp(prefix="pl-"))
        TestServices.embedded = EmbeddedServices(TestServices.embedded_dir)
        embedded_pg, embedded_redis = TestServices.embedded.start(
            need_postgres=not server_url, need_redis=not redis_url
        )
        server_url = server_url or embedded_pg
        redis_url = redis_url or embedded_redis
    assert server_url and redis_url
    TestServices.maintenance_dsn = _plain_dsn(_with_database(server_url, "postgres"))
    TestServices.database_url = _with_database(server_url, TEST_DATABASE)
    TestServices.redis_url = redis_url

    asyncio.run(_create_database())
    os.environ.update(
        {
            "DATABASE_URL": TestServices.database_url,
            "REDIS_URL": redis_url,
            "PASSLINE_REDIS_PREFIX": REDIS_PREFIX,
            "PASSLINE_LOG_LEVEL": "WARNING",
            "PASSLINE_LOGIN_RATE": "1000",
            # Tests rewrite the catalog between requests; production checks for changes once a second.
            "PASSLINE_CATALOG_CHECK_SECONDS": "0",
            # argon2 at its cheapest: every test makes users and signs them in, and the production cost
            # (~0.25 s a hash on this box) was a third of the suite's time. The code path is the same.
            "PASSLINE_ARGON2_TIME_COST": "1",
            "PASSLINE_ARGON2_MEMORY_KIB": "1024",
            "PASSLINE_ARGON2_PARALLELISM": "1",
        }
    )
    from app.settings import get_settings

    get_settings.cache_clear()
    from app.db.migrate import upgrade

    upgrade(get_settings().database.async_url)


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not TestServices.database_url:
        return
    try:
        asyncio.run(_drop_database())
        _purge_redis()
    finally:
        if TestServices.embedded is not None:
            TestServices.embedded.stop()
            shutil.rmtree(TestServices.embedded_dir or "", ignore_errors=True)


async def _create_database() -> None:
    conn = await asyncpg.connect(TestServices.maintenance_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{TEST_DATABASE}"')
    finally:
        await conn.close()


async def _drop_database() -> None:
    conn = await asyncpg.connect(TestServices.maintenance_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DATABASE}" WITH (FORCE)')
    finally:
        await conn.close()


def _purge_redis(prefix: str = REDIS_PREFIX) -> None:
    client = SyncRedis.from_url(TestServices.redis_url)
    try:
        # arq keeps job and result keys under its own `arq:` names; ours carry the prefix inside them.
        for pattern in (f"{prefix}*", f"arq:*{prefix}*"):
            batch = list(client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(batch), 500):
                client.unlink(*batch[start : start + 500])
    finally:
        client.close()


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def pg_admin_dsn() -> str:
    """asyncpg DSN of the maintenance `postgres` database, for tests that make their own databases."""
    return TestServices.maintenance_dsn


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


_EMPTYING: list[str] = []


async def _emptying_statement(conn: Any, table_names: list[str]) -> str:
    """DELETE every table, children first, and restart every identity: what TRUNCATE … RESTART IDENTITY
    does, but ~30x faster on a test's handful of rows (TRUNCATE makes new files for every table and index,
    ~0.25 s a test here)."""
    from sqlalchemy import text

    if not _EMPTYING:
        rows = await conn.execute(
            text(
                "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name) FROM"
                " information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'"
            )
        )
        sequences = sorted(name for (name,) in rows if name)
        deletes = [f"DELETE FROM {name}" for name in reversed(table_names)]
        _EMPTYING.append("; ".join(deletes + [f"ALTER SEQUENCE {name} RESTART" for name in sequences]))
    return _EMPTYING[0]


@pytest.fixture
async def clean_state(runtime: Any, table_names: list[str]) -> None:
    """Empty every table and this run's Redis keys, so each test starts from nothing."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    # A request the previous test left in flight on a live server (a page saving as its browser closed)
    # can hold row locks; emptying then waits, or loses a deadlock. Waiting briefly and retrying is enough.
    for attempt in range(5):
        try:
            async with runtime.engine.begin() as conn:
                await conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                statement = await _emptying_statement(conn, table_names)
                await (await conn.get_raw_connection()).driver_connection.execute(statement)
            break
        except (DBAPIError, asyncpg.PostgresError):
            if attempt == 4:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))
    keys = [key async for key in runtime.redis.scan_iter(match=f"{REDIS_PREFIX}*", count=1000)]
    if keys:
        await runtime.redis.unlink(*keys)


@pytest.fixture
async def db_session(runtime: Any, clean_state: None) -> AsyncIterator[Any]:
    async with runtime.sessionmaker() as session:
        yield session


@pytest.fixture
async def client(runtime: Any, clean_state: None) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking ASGI to the full app (Socket.IO wrapper and all) in this process."""
    from app.main import create_app

    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# ---------------------------------------------------------------- headless Debian Chromium (never a downloaded one)

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
# Without the background-networking flags Chromium keeps dialling Google, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


# ---------------------------------------------------------------- a real uvicorn server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    def __init__(self, port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.port = port
        self.process = process
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_live_server(extra_env: dict[str, str] | None = None) -> LiveServer:
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="passline-web-", suffix=".log")[1])
    env = {**os.environ, "PASSLINE_PORT": str(port), "PASSLINE_LOG_LEVEL": "INFO", **(extra_env or {})}
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "web"], cwd=ROOT, env=env, stdout=log_file, stderr=log_file
        )
    server = LiveServer(port, process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web process exited:\n{log_path.read_text()[-4000:]}")
        try:
            if httpx.get(f"{server.url}/health/ready", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"web process not ready in 30 s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    server = start_live_server()
    yield server
    server.stop()


# ---------------------------------------------------------------- data factories


class Factory:
    """Makes the few rows a test needs, fast (one flush each) and with obvious defaults."""

    PASSWORD = "correct horse battery"
    # argon2 is slow on purpose; tests hash each distinct password once per run.
    _hashes: dict[str, str] = {}

    def __init__(self, session: Any, runtime: Any = None) -> None:
        self.session = session
        self.runtime = runtime
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    async def branch(self, **fields: Any) -> Any:
        from app.db.models import Branch

        n = self._next()
        values = {
            "code": f"BR{n}",
            "name": f"Branch {n}",
            "timezone": "Africa/Cairo",
            "currency": "EGP",
            "currency_exponent": 2,
        } | fields
        branch = Branch(**values)
        self.session.add(branch)
        await self.session.flush()
        return branch

    async def user(
        self,
        username: str,
        *,
        roles: tuple[str, ...],
        branches: tuple[Any, ...] = (),
        password: str = PASSWORD,
        is_active: bool = True,
    ) -> Any:
        from app.db.models import BranchMembership, User, UserRole
        from app.lib.security import hash_password

        if password not in self._hashes:
            self._hashes[password] = hash_password(password)
        user = User(
            username=username,
            password_hash=self._hashes[password],
            full_name=username.title(),
            is_active=is_active,
        )
        self.session.add(user)
        await self.session.flush()
        self.session.add_all([UserRole(user_id=user.id, role=role) for role in roles])
        self.session.add_all([BranchMembership(user_id=user.id, branch_id=b.id) for b in branches])
        await self.session.flush()
        return user

    async def station(self, branch: Any, code: str) -> Any:
        from app.db.models import Station

        station = Station(
            branch_id=branch.id, code=code, name=code.title(), warn_after_seconds=300, late_after_seconds=600
        )
        self.session.add(station)
        await self.session.flush()
        return station

    async def product(
        self,
        name: str,
        *,
        price: str,
        tax_rate: str = "14",
        station: str = "grill",
        base_unit: str = "piece",
        units: dict[str, str] | None = None,
        wholesale: str | None = None,
        branch_prices: dict[int, str] | None = None,
    ) -> Any:
        from decimal import Decimal

        from app.db.models import Category, Product, ProductPrice, ProductUnit

        if not hasattr(self, "_category"):
            self._category = Category(code="test", name="Test")
            self.session.add(self._category)
            await self.session.flush()
        n = self._next()
        product = Product(
            sku=f"SKU-{n}",
            barcode=None,
            name=name,
            category_id=self._category.id,
            base_unit=base_unit,
            tax_rate=Decimal(tax_rate),
            station_code=station,
        )
        self.session.add(product)
        await self.session.flush()
        self.session.add(ProductUnit(product_id=product.id, unit=base_unit, factor=Decimal(1)))
        for unit, factor in (units or {}).items():
            self.session.add(ProductUnit(product_id=product.id, unit=unit, factor=Decimal(factor)))
        await self.session.flush()
        self.session.add(
            ProductPrice(product_id=product.id, price_list="counter", unit=base_unit, price=Decimal(price))
        )
        if wholesale is not None:
            self.session.add(
                ProductPrice(
                    product_id=product.id, price_list="wholesale", unit=base_unit, price=Decimal(wholesale)
                )
            )
        for branch_id, branch_price in (branch_prices or {}).items():
            self.session.add(
                ProductPrice(
                    product_id=product.id,
                    price_list="counter",
                    unit=base_unit,
                    price=Decimal(branch_price),
                    branch_id=branch_id,
                )
            )
        await self.session.flush()
        return product

    async def territory(self, *, delivery_charge: str = "20", courier_fee: str = "15") -> Any:
        from decimal import Decimal

        from app.db.models import Territory

        n = self._next()
        territory = Territory(
            code=f"T{n}",
            name=f"Territory {n}",
            delivery_charge=Decimal(delivery_charge),
            courier_fee=Decimal(courier_fee),
        )
        self.session.add(territory)
        await self.session.flush()
        return territory

    async def customer(self, name: str, *, phone: str) -> Any:
        from app.db.models import Customer, CustomerPhone

        customer = Customer(name=name)
        self.session.add(customer)
        await self.session.flush()
        self.session.add(CustomerPhone(customer_id=customer.id, phone=phone, is_primary=True))
        await self.session.flush()
        return customer

    async def courier(self, branch: Any, *, user: Any = None, name: str = "Cora Courier") -> Any:
        from app.db.models import Courier

        courier = Courier(branch_id=branch.id, user_id=user.id if user is not None else None, name=name)
        self.session.add(courier)
        await self.session.flush()
        return courier

    async def commit(self) -> None:
        await self.session.commit()
        if self.runtime is not None:
            # Catalog rows changed behind the services' backs: drop every process's cached copy.
            from app.catalog.cache import bump_catalog_epoch

            await bump_catalog_epoch(self.runtime.redis, self.runtime.keys)


@pytest.fixture
async def factory(db_session: Any, runtime: Any) -> Factory:
    return Factory(db_session, runtime)


# Second factors the tests' admins enrolled at their first login, by username, and the last step used.
TOTP_SECRETS: dict[str, str] = {}
_TOTP_LAST_STEP: dict[str, int] = {}


def totp_code(username: str) -> str:
    """A fresh code for a test user: the step after the last one used, so signing in again within one
    30-second step still works (the server refuses a spent step)."""
    from app.auth import totp

    # The server takes one step either side of now, so up to three sign-ins per 30 s.
    step = max(totp.current_step() - totp.DRIFT_STEPS, _TOTP_LAST_STEP.get(username, -1) + 1)
    _TOTP_LAST_STEP[username] = step
    return totp.code_at(TOTP_SECRETS[username], step)


async def login(http: httpx.AsyncClient, username: str, password: str = Factory.PASSWORD) -> dict[str, Any]:
    """Sign in through the API, answering the second-factor challenge admins get (enrolling on first use)."""
    response = await http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    if body.get("totp_required"):
        if body["enrol"]:
            TOTP_SECRETS[username] = body["secret"]
            _TOTP_LAST_STEP.pop(username, None)  # a new secret has spent no step
        response = await http.post(
            "/api/v1/auth/login/totp", json={"challenge": body["challenge"], "code": totp_code(username)}
        )
        assert response.status_code == 200, response.text
        body = response.json()
    http.headers["X-CSRF-Token"] = body["csrf_token"]
    return body

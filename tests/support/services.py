"""Where a test run's PostgreSQL databases and Redis keys live: made once per run, cloned once per worker.

A run (one `pytest` command) has an id. Its first process (the xdist controller, or the only process with
`-n0`) finds the servers (`DATABASE_URL` / `REDIS_URL`, or the embedded ones, started once and shared) and
migrates ONE template database, `passline_test_<run>_template`. Each process that runs tests (an xdist
worker `gwN`, or that first process with `-n0`) clones its own database from the template (`CREATE
DATABASE … TEMPLATE`: a file copy, not a migration) and takes its own Redis prefix `pltest:<run>:<gwN>:`,
then points the environment at both: the app's cached settings, the live servers and arq workers the
process starts all read it. Each worker removes its own database and keys when its session ends; the first
process then removes whatever of the run is left (a worker that crashed) and stops the embedded servers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from redis import Redis as SyncRedis

# What every process of the run sets besides its database and prefix.
TEST_ENVIRONMENT = {
    "PASSLINE_LOG_LEVEL": "WARNING",
    "PASSLINE_LOGIN_RATE": "1000",
    # Tests rewrite the catalog between requests; production checks for changes once a second.
    "PASSLINE_CATALOG_CHECK_SECONDS": "0",
    # argon2 at its cheapest: every test makes users and signs them in, and the production cost
    # (~0.25 s a hash on this box) was a third of the suite's time. The code path is the same.
    "PASSLINE_ARGON2_TIME_COST": "1",
    "PASSLINE_ARGON2_MEMORY_KIB": "1024",
    "PASSLINE_ARGON2_PARALLELISM": "1",
    # Every worker's processes (its own runtime, live servers, arq workers) share one PostgreSQL, whose
    # default max_connections (100) other runs on the box use too. At the production pool (20 + 10 a
    # process) one worker's concurrency test took 31 and a run hit "too many clients"; 5 + 5 still lets
    # those tests run ten transactions at once.
    "PASSLINE_DB_POOL_SIZE": "5",
    "PASSLINE_DB_MAX_OVERFLOW": "5",
}

# The name of the process that runs tests when there are no xdist workers.
SOLO = "main"


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@dataclass
class Run:
    """One run's servers and names. Plain data, so the controller can hand it to its workers."""

    run_id: str
    server_url: str  # any database on the PostgreSQL server; only its host and credentials are used
    redis_url: str
    embedded_dir: str | None = None  # set in the process that started embedded servers
    _embedded: Any = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------ names

    @property
    def database_prefix(self) -> str:
        return f"passline_test_{self.run_id}"

    @property
    def template(self) -> str:
        return f"{self.database_prefix}_template"

    def database(self, worker: str) -> str:
        return f"{self.database_prefix}_{worker}"

    @property
    def redis_prefix(self) -> str:
        return f"pltest:{self.run_id}:"

    def worker_prefix(self, worker: str) -> str:
        return f"{self.redis_prefix}{worker}:"

    @property
    def maintenance_dsn(self) -> str:
        """asyncpg DSN of the server's `postgres` database, from which databases are made and dropped."""
        return _plain_dsn(_with_database(self.server_url, "postgres"))

    def database_url(self, name: str) -> str:
        return _with_database(self.server_url, name)

    # ------------------------------------------------------------ handing over to workers

    def to_workerinput(self) -> dict[str, Any]:
        # Workers share the embedded servers but must not stop them: they get no embedded_dir.
        return {"run_id": self.run_id, "server_url": self.server_url, "redis_url": self.redis_url}

    @classmethod
    def from_workerinput(cls, data: dict[str, Any]) -> Run:
        return cls(**data)

    # ------------------------------------------------------------ the first process

    @classmethod
    def start(cls) -> Run:
        """Find (or start) the servers and migrate the run's template database."""
        server_url = os.environ.get("DATABASE_URL")
        redis_url = os.environ.get("REDIS_URL")
        run = cls(run_id=uuid.uuid4().hex[:10], server_url=server_url or "", redis_url=redis_url or "")
        try:
            if not server_url or not redis_url:
                from app.embedded import EmbeddedServices

                # A short path: PostgreSQL's Unix socket path must stay under ~100 bytes.
                run.embedded_dir = tempfile.mkdtemp(prefix="pl-")
                run._embedded = EmbeddedServices(Path(run.embedded_dir))
                embedded_pg, embedded_redis = run._embedded.start(
                    need_postgres=not server_url, need_redis=not redis_url
                )
                run.server_url = server_url or embedded_pg or ""
                run.redis_url = redis_url or embedded_redis or ""
            asyncio.run(run._execute(f'CREATE DATABASE "{run.template}"'))
            from app.db.migrate import upgrade

            # Alembic's engine uses NullPool and is disposed, so no connection to the template outlives
            # this; PostgreSQL refuses to copy a database someone is connected to.
            upgrade(run.database_url(run.template))
        except BaseException:
            run.finish()
            raise
        return run

    def finish(self) -> None:
        """Remove every database and key of the run, whichever process made them, and stop what we started.
        Each step runs even if the one before it failed."""
        try:
            if self.server_url:
                asyncio.run(self._drop_databases(starting_with=f"{self.database_prefix}_"))
        finally:
            try:
                if self.redis_url:
                    self._purge_redis(self.redis_prefix)
            finally:
                if self._embedded is not None:
                    self._embedded.stop()
                    self._embedded = None
                if self.embedded_dir:
                    shutil.rmtree(self.embedded_dir, ignore_errors=True)

    # ------------------------------------------------------------ each process that runs tests

    def clone_for(self, worker: str) -> None:
        """Give `worker` (this process) its own database and prefix, and point the environment at them."""
        asyncio.run(self._execute(f'CREATE DATABASE "{self.database(worker)}" TEMPLATE "{self.template}"'))
        os.environ.update(
            {
                "DATABASE_URL": self.database_url(self.database(worker)),
                "REDIS_URL": self.redis_url,
                "PASSLINE_REDIS_PREFIX": self.worker_prefix(worker),
                **TEST_ENVIRONMENT,
            }
        )
        from app.settings import get_settings

        get_settings.cache_clear()

    def release(self, worker: str) -> None:
        try:
            asyncio.run(self._drop_databases(named=self.database(worker)))
        finally:
            self._purge_redis(self.worker_prefix(worker))

    # ------------------------------------------------------------ plumbing

    async def _execute(self, statement: str) -> None:
        conn = await asyncpg.connect(self.maintenance_dsn)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    async def _drop_databases(self, *, named: str = "", starting_with: str = "") -> None:
        conn = await asyncpg.connect(self.maintenance_dsn)
        try:
            rows = await conn.fetch(
                "SELECT datname FROM pg_database WHERE datname = $1 OR ($2 <> '' AND starts_with(datname, $2))",
                named,
                starting_with,
            )
            for name in [row["datname"] for row in rows]:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def _purge_redis(self, prefix: str) -> None:
        client = SyncRedis.from_url(self.redis_url)
        try:
            # arq keeps job and result keys under its own `arq:` names; ours carry the prefix inside them.
            for pattern in (f"{prefix}*", f"arq:*{prefix}*"):
                batch = list(client.scan_iter(match=pattern, count=1000))
                for start in range(0, len(batch), 500):
                    client.unlink(*batch[start : start + 500])
        finally:
            client.close()

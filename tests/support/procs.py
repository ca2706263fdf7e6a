"""Child processes for the fault drills: Passline's own CLI (web, worker) or a redis-server, each in its own
process group with its output in a temporary file, so a drill can kill -9 one and stop the rest."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"  # the factory's password for every user


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Proc:
    """A child in its own process group, its output in a temporary file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name = name
        fd, path = tempfile.mkstemp(prefix=f"passline-fault-{name}-", suffix=".log")
        os.close(fd)
        self.log_path = Path(path)
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL to the whole group: nothing gets to finish, flush or clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        for sig, grace in ((signal.SIGINT, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def passline(command: str, env: dict[str, str], name: str | None = None) -> Proc:
    """`python -m app.cli <command>` (web, worker) as a child."""
    return Proc(name or command, [sys.executable, "-m", "app.cli", command], env)


def wait_ready(url: str, proc: Proc, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")
        try:
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{proc.name} not ready in {timeout:.0f} s:\n{proc.tail()}")


@contextmanager
def processes() -> Iterator[list[Proc]]:
    """The children a drill starts, stopped (last started first) and their logs removed at the end."""
    started: list[Proc] = []
    try:
        yield started
    finally:
        for proc in reversed(started):
            proc.stop()
        for proc in started:
            proc.log_path.unlink(missing_ok=True)


async def signed_in(url: str, username: str, *, connections: int = 32) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=url, timeout=20, limits=httpx.Limits(max_connections=connections))
    response = await http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return http

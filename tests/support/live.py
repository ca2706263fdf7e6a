"""Real uvicorn web processes (`passline web`, as production runs them) for socket and browser tests.

A server inherits this process's environment, so it uses this worker's database and Redis prefix. It binds
port 0 and reports the port the kernel gave it: choosing a "free" port here and handing it over would race,
between the probe and the bind, with every other process on the box (other workers' servers, outgoing
connections that take an ephemeral port).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30
# uvicorn's startup line, logged once the app's lifespan has started: "Uvicorn running on http://h:port".
_LISTENING = re.compile(r"Uvicorn running on https?://\S+?:(\d+)")
# The server gets SIGTERM when the process that started it dies, however it dies (a worker killed at a
# time limit never runs its teardown), so no server outlives its run. Linux's util-linux has it.
_DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []


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


def start_live_server(log_dir: Path, extra_env: dict[str, str] | None = None) -> LiveServer:
    """Start `passline web` on a port of the kernel's choosing and wait until it is ready.

    Call it from the main thread: the parent-death signal follows the thread that started the server.
    """
    log_path = Path(tempfile.mkstemp(prefix="web-", suffix=".log", dir=log_dir)[1])
    # The port and log level come last: the startup line (INFO) is how the port is learned.
    env = {**os.environ, **(extra_env or {}), "PASSLINE_PORT": "0", "PASSLINE_LOG_LEVEL": "INFO"}
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [*_DIE_WITH_PARENT, sys.executable, "-m", "app.cli", "web"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=log_file,
        )
    deadline = time.monotonic() + START_SECONDS
    port = None
    while port is None:
        if process.poll() is not None:
            raise RuntimeError(f"web process exited:\n{log_path.read_text()[-4000:]}")
        if time.monotonic() > deadline:
            LiveServer(0, process, log_path).stop()
            raise RuntimeError(
                f"web process not listening in {START_SECONDS} s:\n{log_path.read_text()[-4000:]}"
            )
        found = _LISTENING.search(log_path.read_text(errors="replace"))
        port = int(found.group(1)) if found else None
        if port is None:
            time.sleep(0.05)
    server = LiveServer(port, process, log_path)
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/health/ready", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"web process not ready in {START_SECONDS} s:\n{log_path.read_text()[-4000:]}")

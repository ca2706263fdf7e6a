"""Plumbing shared by the load drivers (run_http.py, run_latency.py).

Machine facts, a scratch PostgreSQL database and Redis key prefix per run (always removed), child servers
on free loopback ports (always stopped, by their own process group), and `wrk` runs parsed into figures.
Nothing here asserts on timing: the drivers print what they measured.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from redis import Redis

ROOT = Path(__file__).resolve().parents[2]
LOAD = Path(__file__).resolve().parent
CEILINGS = LOAD / "ceilings"
WRK_SCRIPTS = LOAD / "wrk"
PYTHON = sys.executable
HOST = "127.0.0.1"

DEFAULT_PG = os.environ.get("BENCH_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/0"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: installing Debian's package")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


# --------------------------------------------------------------------------- the machine


def _first(pattern: str, text: str, default: str = "?") -> str:
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1).strip() if match else default


def _output(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout


def machine_facts(pg_url: str, redis_url: str, root: Path = ROOT) -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = int(_first(r"^MemTotal:\s+(\d+)", meminfo, "0"))

    async def pg_version() -> str:
        conn = await asyncpg.connect(pg_url)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    try:
        pg = asyncio.run(pg_version())
    except (OSError, asyncpg.PostgresError) as exc:
        pg = f"unreachable ({exc})"
    try:
        redis_version = str(Redis.from_url(redis_url).info("server")["redis_version"])
    except Exception as exc:
        redis_version = f"unreachable ({exc})"
    wrk = shutil.which("wrk")
    wrk_version = _first(r"^(wrk \S+)", _output(wrk, "-v")) if wrk else "missing"
    node = shutil.which("node")
    node_version = _output(node, "--version") if node else ""
    revision = _output("git", "-C", str(root), "rev-parse", "--short", "HEAD").strip() or "?"
    if _output("git", "-C", str(root), "status", "--porcelain", "--", "app", "realtime", "workers").strip():
        revision += " + uncommitted changes in app/, realtime/ or workers/"
    revision += f" ({root})"
    return {
        "passline": revision,
        "cpu": _first(r"^model name\s*:\s*(.+)$", cpuinfo, platform.processor() or "?"),
        "cores": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg,
        "redis": redis_version,
        "wrk": wrk_version,
        "node": node_version.strip() or "missing",
        "load avg": load_average(),
    }


def load_average() -> str:
    """The 1/5/15-minute load averages: anything else running on the box skews every figure."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min)"


def print_machine(facts: dict[str, str]) -> None:
    print("Machine")
    for key, value in facts.items():
        print(f"  {key:<11} {value}")
    print(f"  {'load now':<11} {load_average()}")


# --------------------------------------------------------------------------- scratch PostgreSQL / Redis


async def _admin(pg_url: str, sql: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def scratch_database(pg_url: str, stem: str) -> Iterator[str]:
    """A new database `<stem>_<random>` on the server of `pg_url`, dropped on the way out; yields its URL."""
    name = f"{stem}_{secrets.token_hex(5)}"
    asyncio.run(_admin(pg_url, f'CREATE DATABASE "{name}"'))
    log(f"created database {name}")
    try:
        yield with_database(pg_url, name)
    finally:
        asyncio.run(_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        log(f"dropped database {name}")


def delete_prefix(redis_url: str, prefix: str) -> int:
    client = Redis.from_url(redis_url)
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            deleted += int(client.unlink(*batch))
            batch = []
    if batch:
        deleted += int(client.unlink(*batch))
    client.close()
    return deleted


@contextlib.contextmanager
def scratch_prefix(redis_url: str, stem: str) -> Iterator[str]:
    """A Redis key prefix of this run; every key under it is deleted on the way out."""
    prefix = f"{stem}_{secrets.token_hex(5)}:"
    try:
        yield prefix
    finally:
        log(f"deleted {delete_prefix(redis_url, prefix)} Redis keys under {prefix}")


# --------------------------------------------------------------------------- child servers


class Child:
    """A server process in its own process group, its output in a log file; stopped on exit."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        log_dir: Path,
        ready_url: str | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.ready_url = ready_url
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> Child:
        log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log_file.close()
        if self.ready_url:
            try:
                self.wait_ready(self.ready_url)
            except BaseException:
                self.stop()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_ready(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=1):
                    return
            except urllib.error.HTTPError:
                return  # it answers: an error status still means the server is up
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s; see {self.log_path}")

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(_first(r"^VmRSS:\s+(\d+)", status, "0"))

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (all its threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        for sig, grace in ((signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue


def uvicorn_argv(target: str, port: int, *, app_dir: Path = CEILINGS) -> list[str]:
    """One uvicorn process with the options `passline web` uses (uvloop, httptools, no access log)."""
    return [
        PYTHON,
        "-m",
        "uvicorn",
        target,
        "--app-dir",
        str(app_dir),
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--ws",
        "websockets-sansio",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def add_checkout_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--checkout",
        type=Path,
        default=ROOT,
        help="the Passline checkout to run (default: this one), e.g. a `git worktree` of a commit to compare",
    )


@contextlib.contextmanager
def log_directory(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="passline-bench-"))
    try:
        yield path
    finally:
        if keep:
            log(f"server logs kept in {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    name: str
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    non_2xx: int = 0
    socket_errors: str = ""
    # CPU time the server process used during the run (set by the driver), whatever else ran on the box.
    server_cpu_s: float = float("nan")

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu_s * 1000 / self.requests if self.requests else float("nan")

    raw: str = field(default="", repr=False)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(name: str, text: str) -> WrkResult:
    result = WrkResult(name=name, raw=text)
    totals = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", text)
    if totals:
        result.requests = int(totals.group(1))
        result.seconds = _ms(totals.group(2) + totals.group(3)) / 1000
    result.rps = float(_first(r"^Requests/sec:\s+([\d.]+)", text, "0"))
    for percent, attr in (("50", "p50_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        setattr(result, attr, _ms(_first(rf"^\s+{percent}(?:\.000)?%\s+(\S+)", text, "nan")))
    result.non_2xx = int(_first(r"Non-2xx or 3xx responses:\s+(\d+)", text, "0"))
    result.socket_errors = _first(r"Socket errors:\s+(.+)$", text, "")
    return result


def run_wrk(
    name: str,
    url: str,
    *,
    seconds: float,
    connections: int = 32,
    threads: int = 1,
    script: Path | None = None,
    env: dict[str, str] | None = None,
) -> WrkResult:
    argv = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(int(seconds), 1)}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    if script is not None:
        argv += ["-s", str(script)]
    argv.append(url)
    completed = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=seconds + 60,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    return parse_wrk(name, completed.stdout)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


# --------------------------------------------------------------------------- what PostgreSQL waits on


class WaitSampler:
    """Samples pg_stat_activity of one database every `interval` s in a background thread: what the
    server's backends were doing (a wait event, or running) while the load ran."""

    def __init__(self, pg_url: str, database: str, interval: float = 0.1) -> None:
        self.pg_url = pg_url
        self.database = database
        self.interval = interval
        self.counts: collections.Counter[str] = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-wait-sampler", daemon=True)

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.run(self._sample())

    async def _sample(self) -> None:
        conn = await asyncpg.connect(self.pg_url)
        try:
            while not self._stop.is_set():
                rows = await conn.fetch(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle'",
                    self.database,
                )
                self.samples += 1
                for row in rows:
                    wait = (
                        f"{row['wait_event_type']}:{row['wait_event']}"
                        if row["wait_event_type"]
                        else "on CPU"
                    )
                    self.counts[f"{wait} ({row['state']})"] += 1
                await asyncio.sleep(self.interval)
        finally:
            await conn.close()

    def summary(self, top: int = 5) -> str:
        if not self.samples:
            return "no samples"
        parts = [f"{name} {n / self.samples:.1f}" for name, n in self.counts.most_common(top)]
        return "mean non-idle backends by wait: " + ", ".join(parts)


# --------------------------------------------------------------------------- py-spy


def start_py_spy(pid: int, seconds: float, out: Path, notes: list[str]) -> subprocess.Popen[bytes] | None:
    """Sample `pid` for `seconds` into `out` (collapsed stacks), if py-spy is installed (into .venv)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        notes.append("py-spy not found: .venv/bin/pip install py-spy")
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(int(seconds), 1)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish_py_spy(profiler: subprocess.Popen[bytes], out: Path, title: str) -> None:
    try:
        profiler.wait(timeout=30)
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait()
    if out.exists():
        print(f"\npy-spy, {title} ({out}):")
        print(summarise_profile(out.read_text()))


# Where a request's time goes, by library; a sample counts for every group it has a frame of.
PROFILE_GROUPS = {
    "sqlalchemy": "sqlalchemy/",
    "asyncpg": "asyncpg/",
    "redis-py": "/redis/",
    "litestar": "litestar/",
    "python-socketio / engineio": "socketio/",
    "uvicorn": "uvicorn/",
    "logging": "logging/",
    "thread pool (sync code run in threads)": "concurrent/futures/thread.py",
    "msgspec": "msgspec",
}


# py-spy counts a pool thread blocked on its work queue as active; it is waiting for work.
IDLE_LEAVES = frozenset({"_worker (concurrent/futures/thread.py:81)"})


def summarise_profile(raw: str, top: int = 15) -> str:
    """py-spy's collapsed stacks ('frame;frame;frame count') -> shares by library, the hottest frames of
    our own code (app/, realtime/, inclusive) and the hottest frames overall (own time)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    groups: collections.Counter[str] = collections.Counter()
    total = idle = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        if frames[-1] in IDLE_LEAVES:
            idle += count
            continue
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
        for group, marker in PROFILE_GROUPS.items():
            if marker in stack:
                groups[group] += count
    if not total:
        return "  (no samples)"
    ours = [(f, n) for f, n in inclusive.most_common() if re.search(r"\((?:app|realtime|workers)/", f)]
    ours = [(f, n) for f, n in ours if not re.search(r"app/cli\.py", f)]
    out = [f"  {total} samples ({idle} more of idle pool threads left out); by library (inclusive):"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in groups.most_common()]
    out.append("  our code, inclusive:")
    out += [f"  {n / total:6.1%}  {frame[:150]}" for frame, n in ours[:top]]
    out.append("  own time:")
    out += [f"  {n / total:6.1%}  {frame[:150]}" for frame, n in own.most_common(top)]
    return "\n".join(out)

"""What the kernel says about the processes of a run (Linux /proc): CPU time, memory, the children of a
supervisor, which process holds which TCP connection, how busy the whole box was, and CPU pinning.

Used by run_scaleout.py and run_soak.py. Nothing here starts or stops a process.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads); NaN once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    """Direct children of `pid` (by the parent pid in /proc/*/stat)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(entry.name))
    return sorted(found)


def uvicorn_workers(supervisor: int, count: int, timeout: float = 60) -> list[int]:
    """The processes that serve requests under `passline web`: the process itself when it runs one, else
    the `count` workers uvicorn's multiprocess supervisor spawned (multiprocessing `spawn_main` children;
    the supervisor only forwards signals and restarts them)."""
    if count <= 1:
        return [supervisor]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = [pid for pid in children(supervisor) if "spawn_main" in cmdline(pid)]
        if len(workers) >= count:
            return workers[:count]
        time.sleep(0.1)
    raise RuntimeError(f"uvicorn started {len(workers)} of {count} worker processes within {timeout:.0f} s")


# --------------------------------------------------------------------------- TCP connections per process


def _established_inodes(port: int, *, local: bool) -> set[int]:
    """Socket inodes of ESTABLISHED TCP connections whose local (or remote) port is `port`."""
    inodes: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            next(rows, None)
            for row in rows:
                parts = row.split()
                if len(parts) < 10 or parts[3] != "01":
                    continue
                address = parts[1] if local else parts[2]
                if int(address.rsplit(":", 1)[1], 16) == port:
                    inodes.add(int(parts[9]))
    return inodes


def connections_by_pid(port: int, pids: Iterable[int]) -> dict[int, int]:
    """How many established connections to `port` each of `pids` holds (the accepted side)."""
    inodes = _established_inodes(port, local=True)
    counts = {}
    for pid in pids:
        n = 0
        with contextlib.suppress(OSError):
            for fd in os.scandir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    link = os.readlink(fd.path)
                    if link.startswith("socket:[") and int(link[8:-1]) in inodes:
                        n += 1
        counts[pid] = n
    return counts


def wait_all_accepting(host: str, port: int, pids: list[int], timeout: float = 60) -> None:
    """Wait until every one of `pids` accepts connections on the shared port: open a handful of
    keep-alive connections, ask for /health/ready on each, see who holds them, and try again until each
    process held at least one. (A worker still starting up accepts nothing, so the one that is up would
    take every connection of a benchmark that began too early.)"""
    if len(pids) <= 1:
        return
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sockets = []
        try:
            for _ in range(8 * len(pids)):
                sock = socket.create_connection((host, port), timeout=5)
                sock.sendall(b"GET /health/ready HTTP/1.1\r\nHost: bench\r\n\r\n")
                sockets.append(sock)
            for sock in sockets:
                sock.recv(4096)
            seen |= {pid for pid, n in connections_by_pid(port, pids).items() if n}
        except OSError:
            pass
        finally:
            for sock in sockets:
                sock.close()
        if seen >= set(pids):
            return
        time.sleep(0.2)
    raise RuntimeError(f"only {sorted(seen)} of {pids} accepted connections within {timeout:.0f} s")


# --------------------------------------------------------------------------- the whole box


@dataclass(frozen=True)
class BoxCpu:
    busy: float  # seconds of CPU time spent on anything but idle / iowait, summed over the cores
    total: float

    @classmethod
    def read(cls) -> BoxCpu:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        total = sum(fields[:8])
        return cls(busy=(total - idle) / CLOCK_TICKS, total=total / CLOCK_TICKS)

    def cores_busy_since(self, before: BoxCpu, seconds: float) -> float:
        """Cores' worth of CPU the whole box used between `before` and this reading."""
        return (self.busy - before.busy) / seconds if seconds > 0 else float("nan")


def pids_named(prefix: str) -> list[int]:
    """Processes whose command line starts with `prefix` (e.g. "postgres" for the server and backends)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and cmdline(int(entry.name)).startswith(prefix):
            found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU time of some processes (and of the box) over a stretch of a run: `with CpuMeter(pids) as m:`,
    then `m.seconds[pid]`, `m.box_cores` (cores' worth of CPU the whole box used) and `m.groups[name]`
    for the process groups named in `groups` (name -> command-line prefix): every matching process alive
    at the end, counted from the start or from its birth (one that ended inside the stretch is missed)."""

    def __init__(self, pids: Iterable[int], groups: dict[str, str] | None = None) -> None:
        self.pids = list(pids)
        self.group_prefixes = groups or {}
        self.seconds: dict[int, float] = {}
        self.groups: dict[str, float] = {}
        self.elapsed = 0.0
        self.box_cores = float("nan")

    def __enter__(self) -> CpuMeter:
        self._start = {pid: cpu_seconds(pid) for pid in self.pids}
        self._group_start = {
            name: {pid: cpu_seconds(pid) for pid in pids_named(prefix)}
            for name, prefix in self.group_prefixes.items()
        }
        self._box = BoxCpu.read()
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.monotonic() - self._t0
        self.seconds = {pid: cpu_seconds(pid) - self._start[pid] for pid in self.pids}
        self.box_cores = BoxCpu.read().cores_busy_since(self._box, self.elapsed)
        for name, prefix in self.group_prefixes.items():
            start = self._group_start[name]
            used = [cpu_seconds(pid) - start.get(pid, 0.0) for pid in pids_named(prefix)]
            self.groups[name] = sum(u for u in used if u == u)

    def group_share(self, name: str) -> float:
        return self.groups.get(name, float("nan")) / self.elapsed if self.elapsed else float("nan")

    def share(self, pid: int) -> float:
        """The process's CPU over the stretch, 1.0 = one core."""
        return self.seconds.get(pid, float("nan")) / self.elapsed if self.elapsed else float("nan")


# --------------------------------------------------------------------------- pinning


def threads_of(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    return []


def pin(pid: int, cpus: set[int]) -> None:
    """Pin every thread of `pid` (Node and uvicorn start their threads early) to `cpus`."""
    for tid in threads_of(pid) or [pid]:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(tid, cpus)


@contextlib.contextmanager
def pinned_children(cpus: set[int] | None) -> Iterator[None]:
    """Processes started in this block inherit `cpus` (the calling thread's affinity, restored after)."""
    if cpus is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def affinity(pid: int) -> str:
    with contextlib.suppress(OSError):
        return ",".join(str(c) for c in sorted(os.sched_getaffinity(pid)))
    return "?"


def rusage_children_cpu() -> float:
    """CPU time of this process's waited-for children so far (wrk runs are waited for by subprocess)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

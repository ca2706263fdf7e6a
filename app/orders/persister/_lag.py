"""The persister's lag per branch, for /metrics in any process: read from XINFO / XPENDING, not kept."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from app.events import id_key
from app.lib.metrics import Gauge

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.metrics import Registry
    from app.lib.redis import Keys
    from app.lib.runtime import Runtime

log = logging.getLogger("app.orders.persister")

# Counting undelivered entries on Redis < 7 (no `lag` in XINFO GROUPS) reads them; past this many the
# gauge says "at least this", which is already an alarm.
UNREAD_COUNT_CAP = 1000


class _SnapshotGauge(Gauge):
    """A gauge whose label sets are replaced on each scrape, so a branch that went away disappears."""

    def replace(self, values: dict[tuple[str, ...], float]) -> None:
        self._values = values


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True, slots=True)
class BranchLag:
    branch_id: int
    pending: int  # not yet acknowledged: delivered and in flight, plus not yet delivered
    lag_seconds: float  # age of the oldest of those entries, 0 when there is none


@dataclass(slots=True)
class _Plan:
    branch_id: int
    in_flight: int = 0
    oldest_ms: int | None = None
    # Set when entries wait undelivered after this id; `unread` is their count when Redis knows it.
    unread_after: str | None = None
    unread: int | None = 0


def _plan(branch_id: int, group: str, info: Any, groups: Any, pending: Any) -> _Plan:
    plan = _Plan(branch_id)
    if isinstance(info, Exception):  # no stream: nothing to persist
        return plan
    ours = None
    if not isinstance(groups, Exception):
        ours = next((g for g in groups if _s(g.get("name", b"")) == group), None)
    if ours is None:  # the persister never ran on this stream: all of it is unread
        first = info.get("first-entry")
        plan.oldest_ms = id_key(_s(first[0]))[0] if first else None
        plan.unread = int(info.get("length", 0))
        return plan
    if not isinstance(pending, Exception) and int(pending["pending"]):
        plan.in_flight = int(pending["pending"])
        plan.oldest_ms = id_key(_s(pending["min"]))[0]
    delivered = _s(ours.get("last-delivered-id", b"0-0"))
    if id_key(delivered) < id_key(_s(info.get("last-generated-id", b"0-0"))):
        plan.unread_after = delivered
        lag = ours.get("lag")  # Redis >= 7 counts them for us
        plan.unread = None if lag is None else int(lag)
    return plan


async def persister_lag(redis: Redis, keys: Keys, branch_ids: list[int]) -> list[BranchLag]:
    """Per branch: how far the persister is behind its stream, from XINFO/XPENDING (of the stream's
    entries only the first undelivered one is read, or up to UNREAD_COUNT_CAP on Redis < 7)."""
    if not branch_ids:
        return []
    group = keys.persister_group()
    async with redis.pipeline(transaction=False) as pipe:
        pipe.time()
        for branch_id in branch_ids:
            stream = keys.events(branch_id)
            pipe.xinfo_stream(stream)
            pipe.xinfo_groups(stream)
            pipe.xpending(stream, group)
        replies = await pipe.execute(raise_on_error=False)
    seconds, micros = replies[0]
    now_ms = int(seconds) * 1000 + int(micros) // 1000
    plans = [
        _plan(branch_id, group, *replies[1 + 3 * n : 4 + 3 * n]) for n, branch_id in enumerate(branch_ids)
    ]

    behind = [p for p in plans if p.unread_after is not None]
    if behind:
        async with redis.pipeline(transaction=False) as pipe:
            for plan in behind:
                cap = UNREAD_COUNT_CAP if plan.unread is None else 1
                pipe.xrange(keys.events(plan.branch_id), min=f"({plan.unread_after}", max="+", count=cap)
            firsts = await pipe.execute()
        for plan, entries in zip(behind, firsts, strict=True):
            if plan.unread is None:
                plan.unread = len(entries)
            if entries:
                first_ms = id_key(_s(entries[0][0]))[0]
                plan.oldest_ms = first_ms if plan.oldest_ms is None else min(plan.oldest_ms, first_ms)

    out = []
    for plan in plans:
        total = plan.in_flight + (plan.unread or 0)
        lag_s = max(0.0, (now_ms - plan.oldest_ms) / 1000) if plan.oldest_ms is not None and total else 0.0
        out.append(BranchLag(plan.branch_id, total, lag_s))
    return out


def register_persister_metrics(registry: Registry, runtime: Runtime) -> None:
    """Gauges of the persister's lag per branch, refreshed from Redis on every scrape of /metrics."""
    lag = _SnapshotGauge(
        "passline_persister_lag_seconds",
        "Age of the oldest event not yet persisted to PostgreSQL (0 when caught up)",
        ("branch",),
    )
    pending = _SnapshotGauge(
        "passline_persister_pending",
        f"Events not yet acknowledged by the persister (undelivered ones counted up to "
        f"{UNREAD_COUNT_CAP} on Redis < 7)",
        ("branch",),
    )
    registry.register(lag)
    registry.register(pending)

    async def collect() -> None:
        try:
            members = await cast(
                "Awaitable[set[bytes]]", runtime.redis.smembers(runtime.keys.event_branches())
            )
            rows = await persister_lag(runtime.redis, runtime.keys, sorted(int(m) for m in members))
        except Exception:
            # A scrape must not fail because Redis does: the readiness probe reports Redis being down.
            log.warning("persister lag metrics unavailable", exc_info=True)
            return
        lag.replace({(str(r.branch_id),): r.lag_seconds for r in rows})
        pending.replace({(str(r.branch_id),): float(r.pending) for r in rows})

    registry.add_collector(collect)

"""The bridge: every web process follows every branch stream and feeds its own sockets.

One background task per process XREADs all branch streams from the ids it last dispatched (BLOCK ~1 s,
COUNT 500 per stream), projects each entry per namespace and queues it to the local sockets of the rooms
that get it. Web processes share nothing but Redis: two processes each read the same streams and each
serve their own sockets, so a change made through process A reaches a client of process B.

Where a stream starts ('$' semantics): at start the bridge takes each known stream's current last id;
a branch seen later (a new entry in `Keys.event_branches`, or a client of a branch the bridge does not
follow yet) starts just before the moment the bridge started, so nothing appended while it runs is
missed and nothing older is replayed to everyone.

Handoff with resuming clients (see replay.py): `cursor(branch)` is the id of the last entry the bridge has
*claimed*. Claiming an entry, taking the list of its recipients (minus the sids held for replay on that
branch) happen in one synchronous step, before any await. The replay loop pages a held client up to the
current cursor and releases it in one synchronous step too. So each entry is either claimed while the sid
is held (the replay loop sends it) or after the release (the bridge sends it): never both, never neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from app.events import StreamEntry, id_key, parse_entry
from app.events.stream import epoch_start
from app.lib.metrics import Counter, Gauge, Histogram, Registry
from realtime import _wire
from realtime.projection import NAMESPACES, project

if TYPE_CHECKING:
    import socketio

    from app.lib.runtime import Runtime

log = logging.getLogger(__name__)

BLOCK_MS = 1000
COUNT = 500
REFRESH_SECONDS = 1.0
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

# Acts on a server-side control event after it has been delivered (e.g. `device.revoked` ends the sockets
# of that display: realtime/devices.py).
Control = Callable[[StreamEntry, dict[str, Any]], Awaitable[None]]


class BridgeMetrics:
    def __init__(self) -> None:
        self.events_read = Counter("passline_realtime_events_read", "Stream entries read by the bridge")
        self.deliveries = Counter(
            "passline_realtime_deliveries",
            "Events queued to sockets (live and replayed)",
            ("namespace", "path"),
        )
        self.lag = Histogram(
            "passline_realtime_bridge_lag_seconds",
            "Time from the stream append to the bridge queueing the event to sockets",
            buckets=LAG_BUCKETS,
        )
        self.errors = Counter(
            "passline_realtime_bridge_errors", "Bridge read or dispatch failures", ("kind",)
        )
        self.resyncs = Counter("passline_realtime_resyncs", "Resuming clients told to reload", ("namespace",))
        self.sockets = Gauge("passline_realtime_sockets", "Connected sockets", ("namespace",))

    def register(self, registry: Registry) -> None:
        registry.register(self.events_read)
        registry.register(self.deliveries)
        registry.register(self.lag)
        registry.register(self.errors)
        registry.register(self.resyncs)
        registry.register(self.sockets)


class Bridge:
    def __init__(
        self,
        runtime: Runtime,
        sio: socketio.AsyncServer,
        *,
        block_ms: int = BLOCK_MS,
        count: int = COUNT,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.sio = sio
        self.block_ms = block_ms
        self.count = count
        self.refresh_seconds = refresh_seconds
        self.metrics = BridgeMetrics()
        self._cursors: dict[int, str] = {}
        self._held: dict[int, set[str]] = {}
        self._replays: dict[str, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        # Before start() nothing is dispatched, so a branch is "current" from the beginning.
        self._new_branch_cursor = "0-0"
        self._refreshed_at = 0.0
        # The stream epoch seen last (app/events/stream.py); None until the first look.
        self._epoch: tuple[str | None] | None = None
        self._registered = False
        self.controls: dict[str, Control] = {}

    # ------------------------------------------------------------------ state shared with replay

    def cursor(self, branch_id: int) -> str:
        """Id of the last entry of this branch the bridge has claimed for dispatch."""
        return self._cursors.get(branch_id, self._new_branch_cursor)

    def follow(self, branch_id: int) -> None:
        if branch_id not in self._cursors:
            self._cursors[branch_id] = self._new_branch_cursor
            self._wake.set()

    def hold(self, branch_id: int, sid: str) -> None:
        self._held.setdefault(branch_id, set()).add(sid)

    def release(self, branch_id: int, sid: str) -> None:
        held = self._held.get(branch_id)
        if held is not None:
            held.discard(sid)
            if not held:
                del self._held[branch_id]

    def add_replay(self, sid: str, replay: Awaitable[None]) -> None:
        task = asyncio.ensure_future(replay)
        self._replays[sid] = task
        task.add_done_callback(
            lambda _: self._replays.pop(sid, None) if self._replays.get(sid) is task else None
        )

    def forget(self, sid: str) -> None:
        """A socket left: stop its replay and drop its holds."""
        task = self._replays.pop(sid, None)
        if task is not None:
            task.cancel()
        for branch_id in [b for b, sids in self._held.items() if sid in sids]:
            self.release(branch_id, sid)

    # ------------------------------------------------------------------ encoding and sending

    def plan(
        self,
        namespace: str,
        entry: StreamEntry,
        data: dict[str, Any],
        *,
        payloads: _wire.Payloads,
        recipients: Iterable[tuple[str, str]] | None = None,
        rooms: frozenset[str] | None = None,
        skip: Iterable[str] = (),
    ) -> list[tuple[str, Any]]:
        """(eio sid, packet) pairs for one entry in one namespace; each payload is encoded once.

        Live dispatch passes nothing and gets every local socket of the target rooms except `skip`;
        replay passes its single recipient and the rooms it joined.
        """
        out: list[tuple[str, Any]] = []
        skip = skip if isinstance(skip, set | frozenset) else set(skip)
        for route in project(namespace, entry.type, entry.branch_id, data):
            if rooms is not None:
                if rooms.isdisjoint(route.rooms):
                    continue
                targets = list(recipients or ())
            else:
                participants = self.sio.manager.get_participants(
                    namespace, route.rooms[0] if len(route.rooms) == 1 else list(route.rooms)
                )
                targets = [(sid, eio_sid) for sid, eio_sid in participants if sid not in skip]
            if not targets:
                continue
            packet = _wire.event_packet(namespace, entry.type, payloads.envelope(route.data))
            out.extend((eio_sid, packet) for _, eio_sid in targets)
        return out

    async def send(self, eio_sid: str, packet: Any) -> None:
        try:
            await self.sio.eio.send_packet(eio_sid, packet)
        except Exception:  # a socket closing under us must not stop the others' deliveries
            log.debug("send to %s failed", eio_sid, exc_info=True)

    # ------------------------------------------------------------------ the loop

    async def start(self, registry: Registry | None = None) -> None:
        if self._task is not None:
            return
        if registry is not None and not self._registered:
            self.metrics.register(registry)
            registry.add_collector(self._collect)
            self._registered = True
        redis, keys = self.runtime.redis, self.runtime.keys
        seconds, micros = await redis.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        self._new_branch_cursor = f"{now_ms - 1}-0"
        branches = [b for b in await self._known_branches() if b not in self._cursors]
        if branches:
            # '$' semantics, but explicit per stream: XREAD keeps one cursor per branch from here on.
            async with redis.pipeline(transaction=False) as pipe:
                for branch_id in branches:
                    pipe.xrevrange(keys.events(branch_id), count=1)
                replies = await pipe.execute()
            for branch_id, newest in zip(branches, replies, strict=True):
                self._cursors[branch_id] = _text(newest[0][0]) if newest else "0-0"
        self._epoch = (await epoch_start(redis, keys),)
        self._refreshed_at = time.monotonic()
        self._task = asyncio.create_task(self._run(), name="realtime-bridge")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._replays.values()) if t is not None]
        self._task = None
        self._replays.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _known_branches(self) -> list[int]:
        members = await cast(
            "Awaitable[set[bytes]]", self.runtime.redis.smembers(self.runtime.keys.event_branches())
        )
        out = []
        for member in members:
            with contextlib.suppress(ValueError):
                out.append(int(member))
        return sorted(out)

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            try:
                await self.step()
                backoff = 0.2
            except Exception:
                # Redis away or restarting: keep the cursors and try again; clients see a pause, not a gap.
                self.metrics.errors.inc("read")
                log.exception("realtime bridge read failed; retrying in %.1f s", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def step(self) -> int:
        """One read and dispatch; returns the number of entries dispatched."""
        if time.monotonic() - self._refreshed_at >= self.refresh_seconds:
            for branch_id in await self._known_branches():
                self.follow(branch_id)
            await self._check_epoch()
            self._refreshed_at = time.monotonic()
        if not self._cursors:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.refresh_seconds)
            return 0
        keys = self.runtime.keys
        by_key = {keys.events(b).encode(): b for b in self._cursors}
        self._wake.clear()
        reply = await self.runtime.redis.xread(
            {keys.events(b): c for b, c in self._cursors.items()}, count=self.count, block=self.block_ms
        )
        total = 0
        for stream_key, entries in reply or ():
            stream = by_key.get(stream_key if isinstance(stream_key, bytes) else stream_key.encode())
            if stream is not None and entries:
                total += await self.dispatch(stream, entries)
        return total

    async def dispatch(self, branch_id: int, entries: Sequence[tuple[Any, dict[bytes, bytes]]]) -> int:
        """Queue a burst of one branch's entries, in order, to the local sockets that get them."""
        self.metrics.events_read.inc(amount=len(entries))
        # Namespaces with no socket in this process are skipped whole: a process serving only HTTP (or
        # only tills) projects nothing for the others.
        rooms = getattr(self.sio.manager, "rooms", {})
        active = [namespace for namespace in NAMESPACES if rooms.get(namespace, {}).get(None)]
        dispatched = 0
        for entry_id, fields in entries:
            try:
                entry = parse_entry(branch_id, entry_id, fields)
                data = entry.data() if active or entry.type in self.controls else {}
            except Exception:
                # A malformed entry is skipped (and logged), never retried forever.
                self.metrics.errors.inc("entry")
                log.exception("unreadable stream entry %r of branch %s", entry_id, branch_id)
                self._claim(branch_id, _text(entry_id))
                continue
            # Claim, then pick recipients, with no await in between: see the module docstring.
            self._claim(branch_id, entry.id)
            skip = self._held.get(branch_id, set())
            payloads = _wire.Payloads(entry)
            sends: list[tuple[str, Any]] = []
            for namespace in active:
                planned = self.plan(namespace, entry, data, payloads=payloads, skip=skip)
                if planned:
                    self.metrics.deliveries.inc(namespace, "live", amount=len(planned))
                    sends.extend(planned)
            if entry.ts_ms:
                self.metrics.lag.observe(max(0.0, time.time() - entry.ts_ms / 1000))
            for eio_sid, packet in sends:
                await self.send(eio_sid, packet)
            control = self.controls.get(entry.type)
            if control is not None:
                try:
                    await control(entry, data)
                except Exception:
                    self.metrics.errors.inc("control")
                    log.exception("control event %s of branch %s failed", entry.id, branch_id)
            dispatched += 1
        return dispatched

    async def _check_epoch(self) -> None:
        """A rebuild started a new stream epoch: what every connected page shows may miss orders Redis lost
        (and the rebuild restored without events), so each is told to reload the snapshot of each branch
        it follows — `resync`, as a resuming client from before the epoch is."""
        seen = (await epoch_start(self.runtime.redis, self.runtime.keys),)
        before, self._epoch = self._epoch, seen
        # The key vanishing is Redis losing data: the pages reload once the rebuild has put the orders
        # back (a new value), not before, when their snapshot would come back empty.
        if before is None or before == seen or seen[0] is None:
            return
        rooms = getattr(self.sio.manager, "rooms", {})
        for namespace in NAMESPACES:
            for sid in list(rooms.get(namespace, {}).get(None, ())):
                eio_sid = self.sio.manager.eio_sid_from_sid(sid, namespace)
                if eio_sid is None:
                    continue  # gone meanwhile
                try:
                    branches = (await self.sio.get_session(sid, namespace=namespace)).get("branches", ())
                except KeyError:
                    continue
                for branch_id in branches:
                    payload = _wire.encode({"branch_id": branch_id, "reason": "epoch"})
                    self.metrics.resyncs.inc(namespace)
                    await self.send(eio_sid, _wire.event_packet(namespace, "resync", payload))

    def _claim(self, branch_id: int, entry_id: str) -> None:
        current = self._cursors.get(branch_id)
        if current is None or id_key(entry_id) > id_key(current):
            self._cursors[branch_id] = entry_id

    async def _collect(self) -> None:
        rooms = getattr(self.sio.manager, "rooms", {})
        for namespace in NAMESPACES:
            self.metrics.sockets.set(len(rooms.get(namespace, {}).get(None, ())), namespace)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# ---------------------------------------------------------------------- one bridge per Socket.IO server

_BRIDGES: weakref.WeakKeyDictionary[Any, Bridge] = weakref.WeakKeyDictionary()


def bridge_for(runtime: Runtime, sio: socketio.AsyncServer) -> Bridge:
    """The bridge of this server (made on first use): namespaces and the lifespan share it."""
    bridge = _BRIDGES.get(sio)
    if bridge is None:
        bridge = _BRIDGES[sio] = Bridge(runtime, sio)
    return bridge


async def start(runtime: Runtime, sio: socketio.AsyncServer, *, registry: Registry | None = None) -> Bridge:
    """Start the process's bridge task (Litestar lifespan, after the runtime is open)."""
    bridge = bridge_for(runtime, sio)
    await bridge.start(registry)
    return bridge


async def stop(sio: socketio.AsyncServer) -> None:
    """Stop the bridge and any replay still running (lifespan shutdown, before the runtime closes)."""
    bridge = _BRIDGES.get(sio)
    if bridge is not None:
        await bridge.stop()

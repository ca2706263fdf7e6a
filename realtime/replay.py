"""Resume: a reconnecting client gets what it missed, in order, before any live event (DESIGN §5).

The client sends `auth.last_event_id` (a connection that follows one branch) or
`auth.last_event_ids = {"<branch_id>": "<stream id>"}`. For each followed branch with a resume point:

1. on connect, before the socket joins any room, the bridge *holds* the sid for that branch: live
   dispatch skips it (bridge.py);
2. a replay task checks the point is still inside the retained window and the current stream epoch (an
   id from before the last `passline rebuild` is stale). If not, it sends `resync {branch_id, reason}`
   (the client reloads its snapshot) and releases the hold;
3. otherwise it pages XRANGE from the point, sending each entry projected for the namespace and
   filtered to the rooms the socket joined, but only entries up to the bridge's cursor (the last id
   the bridge claimed); entries past it are the bridge's to send;
4. when its position reaches the bridge's cursor it releases the hold, with no await between that check
   and the release. Every later entry is claimed by the bridge after the release, so the bridge sends it.

Ordering on the socket holds because both paths put into the same per-socket send queue, the replay's
last put happening before the release and the bridge's first put after it.

The client's rule, which makes any remaining repeat harmless: apply an event only if its id is greater
than the last applied id of its branch (ids compare as (ms, seq) numerically). Repeats can only be exact
ids the client already has: a resume point newer than this process's bridge (taken from a snapshot or
from another process), whose entries the bridge then delivers once more.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from redis.exceptions import ResponseError

from app.events import id_key, is_stream_id
from app.events.stream import epoch_start, read_after
from app.lib.i18n import _
from realtime import _wire
from realtime.auth import ConnectAuth, refuse

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.redis import Keys
    from realtime.bridge import Bridge

log = logging.getLogger(__name__)

PAGE = 500
_MAX_PART = 2**64 - 1  # Redis stream id parts are unsigned 64-bit


def normalise_id(value: Any) -> str | None:
    """`ms-seq` for a valid stream id (`ms` alone means `ms-0`), else None."""
    if not is_stream_id(value):
        return None
    ms, seq = id_key(value)
    if ms > _MAX_PART or seq > _MAX_PART:
        return None
    return f"{ms}-{seq}"


def parse_resume(auth: ConnectAuth, branches: Sequence[int]) -> dict[int, str]:
    """Resume points per followed branch; refuses a malformed one with `bad_event_id`."""
    points: dict[int, str] = {}
    if auth.last_event_id is not None:
        point = normalise_id(auth.last_event_id)
        if point is None:
            raise refuse("bad_event_id", _("last_event_id must be a stream id like 1700000000000-0"))
        if len(branches) != 1:
            raise refuse(
                "bad_request",
                _(
                    "last_event_id is for a connection to one branch; this one follows %(n)s:"
                    " send last_event_ids {branch_id: id}",
                    n=len(branches),
                ),
            )
        points[branches[0]] = point
    if auth.last_event_ids is not None:
        if not isinstance(auth.last_event_ids, Mapping):
            raise refuse("bad_event_id", _("last_event_ids must be an object {branch_id: stream id}"))
        for key, value in auth.last_event_ids.items():
            branch = int(key) if isinstance(key, str) and key.isdigit() else None
            point = normalise_id(value)
            if branch is None or point is None:
                raise refuse(
                    "bad_event_id",
                    _("last_event_ids[%(key)s] must map a branch id to a stream id", key=repr(key)),
                )
            # A branch the connection does not follow is ignored, not refused: a manager moved off a
            # branch must not be locked out by the ids an open page still holds.
            if branch in branches:
                points[branch] = point
    return points


async def _stream_info(redis: Redis, key: str) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = await redis.xinfo_stream(key)
    except ResponseError:  # no such key
        return None
    return info


def _id(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    return id_key(value.decode() if isinstance(value, bytes) else str(value))


def gap_reason(after: str, info: Mapping[str, Any] | None) -> str | None:
    """Why entries after `after` cannot all be replayed from this stream (None: they can).

    `info` is XINFO STREAM. Trimming removes the oldest entries, so a point at or past the first retained
    entry misses nothing. Before it, Redis 7 tells us whether anything was ever removed (`entries-added`
    vs `length`); Redis 6 does not, so a point before the first entry means resync unless it is `0-0`
    (a snapshot of a then-empty stream).
    """
    point = id_key(after)
    if info is None:
        # No stream: fine for a client that has seen nothing; otherwise Redis lost the stream it read.
        return None if point == (0, 0) else "stream_reset"
    last_generated = _id(info.get("last-generated-id")) or (0, 0)
    if point > last_generated:
        return "unknown_id"  # an id this stream never had: Redis lost its data and the stream restarted
    max_deleted = _id(info.get("max-deleted-entry-id"))  # XDEL (Redis 7); trimming does not set it
    if max_deleted is not None and point < max_deleted:
        return "trimmed"
    first_entry = info.get("first-entry")
    first = _id(first_entry[0]) if first_entry else None
    added = info.get("entries-added")
    removed = None if added is None else int(added) - int(info.get("length", 0))
    if first is None:
        # An empty stream that once had entries: everything after the point is gone.
        intact = point >= last_generated or removed == 0
    elif point >= first or (removed is None and point == (0, 0)):
        intact = True
    elif removed == 0:
        # Nothing was ever removed, yet the client holds an id before the first entry: not one of this
        # stream's (only `0-0`, a snapshot of an empty stream, is). Redis lost the stream it read from.
        return None if point == (0, 0) else "stream_reset"
    else:
        intact = False
    return None if intact else "trimmed"


async def check_retained(redis: Redis, keys: Keys, branch_id: int, after: str) -> str | None:
    start = await epoch_start(redis, keys)
    if start is not None and (0, 0) < id_key(after) < id_key(start):
        return "epoch"  # an id from before the last rebuild (app/events/stream.py)
    return gap_reason(after, await _stream_info(redis, keys.events(branch_id)))


async def replay(
    bridge: Bridge, namespace: str, sid: str, rooms: frozenset[str], points: Mapping[int, str]
) -> None:
    """Replay every held branch of one socket, then hand it to the bridge (always releases its holds)."""
    try:
        for branch_id, after in points.items():
            await _replay_branch(bridge, namespace, sid, rooms, branch_id=branch_id, after=after)
    finally:
        for branch_id in points:
            bridge.release(branch_id, sid)


async def _replay_branch(
    bridge: Bridge, namespace: str, sid: str, rooms: frozenset[str], *, branch_id: int, after: str
) -> None:
    eio_sid = bridge.sio.manager.eio_sid_from_sid(sid, namespace)
    if eio_sid is None:
        return  # gone before we started
    try:
        reason = await check_retained(bridge.runtime.redis, bridge.runtime.keys, branch_id, after)
        if reason is None:
            await _page_until_live(bridge, namespace, sid, eio_sid, rooms, branch_id=branch_id, after=after)
            return
    except Exception:
        # Redis went away mid-replay: the client cannot know what it missed, so it reloads.
        log.exception("replay of branch %s failed", branch_id)
        reason = "unavailable"
    bridge.metrics.resyncs.inc(namespace)
    # Queued while still held, then released: the client sees `resync` before any live event of the
    # branch, holds those back while it reloads, and keeps the ones newer than its new snapshot.
    payload = _wire.encode({"branch_id": branch_id, "reason": reason})
    await bridge.send(eio_sid, _wire.event_packet(namespace, "resync", payload))
    bridge.release(branch_id, sid)


async def _page_until_live(
    bridge: Bridge,
    namespace: str,
    sid: str,
    eio_sid: str,
    rooms: frozenset[str],
    *,
    branch_id: int,
    after: str,
) -> None:
    redis, keys = bridge.runtime.redis, bridge.runtime.keys
    recipients = [(sid, eio_sid)]
    position = after
    while True:
        target = bridge.cursor(branch_id)
        if id_key(position) >= id_key(target):
            # Caught up with the bridge; no await between this check and the release (module docstring).
            bridge.release(branch_id, sid)
            return
        entries = await read_after(redis, keys, branch_id, position, count=PAGE)
        target = bridge.cursor(branch_id)  # the bridge may have claimed more while we read
        reached = not entries
        for entry in entries:
            if id_key(entry.id) > id_key(target):
                reached = True  # the rest is the bridge's to send
                break
            try:
                data = entry.data()
            except Exception:
                log.exception("unreadable stream entry %s of branch %s", entry.id, branch_id)
                position = entry.id
                continue
            packets = bridge.plan(
                namespace, entry, data, payloads=_wire.Payloads(entry), recipients=recipients, rooms=rooms
            )
            for to_eio, packet in packets:
                await bridge.send(to_eio, packet)
            if packets:
                bridge.metrics.deliveries.inc(namespace, "replay", amount=len(packets))
            position = entry.id
        if reached and id_key(target) > id_key(position):
            # Nothing else up to the cursor (it may be a start mark, not an entry): we are there.
            position = target

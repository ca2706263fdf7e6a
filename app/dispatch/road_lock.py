"""The road lock: one holder at a time moves an order onto or off the road (DESIGN §6).

A dispatch commits its delivery and money to PostgreSQL first and moves the order in Redis after, so that
nothing reaches a socket before the commit. Between the two, PostgreSQL and Redis disagree for a moment;
the lock makes that moment invisible to everyone who could act on it: a second dispatcher (or a courier's
"delivered" racing a manager's "returned") waits for the first to finish both steps, then reads a settled
picture. The repair job takes the same lock, so it only ever sees orders nobody is moving.

The lock expires on its own (a holder that died), and PostgreSQL's row lock and one-active-delivery index
still decide who wins should it ever lapse mid-move: the lock keeps answers consistent, not money safe.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from app.lib.errors import conflict
from app.lib.i18n import _
from app.lib.lua import Script

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.lua import LuaScripts

# Far above a commit plus a Redis move (milliseconds); it only matters when a holder died. Callers pass
# the process's setting (PASSLINE_ROAD_LOCK_HOLD_MS), whose default this is.
HOLD_MS = 10_000
WAIT_SECONDS = 5.0
POLL_SECONDS = 0.02
RELEASE = Script(
    "app.dispatch",
    "road_lock_release",
    inline="if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\nreturn 0\n",
)


@asynccontextmanager
async def hold(
    redis: Redis,
    lua: LuaScripts,
    keys: Sequence[str],
    *,
    wait_seconds: float = WAIT_SECONDS,
    hold_ms: int = HOLD_MS,
) -> AsyncIterator[None]:
    """Hold every key (taken in sorted order, so overlapping trips queue instead of deadlocking).

    Waits up to `wait_seconds` for a key someone else holds, then answers 409 `busy`; 0 means do not wait
    (the repair job skips what is being moved). A key lapses `hold_ms` after it was taken."""
    token = uuid.uuid4().hex
    taken: list[str] = []
    release = lua[RELEASE]
    try:
        for key in sorted(set(keys)):
            deadline = time.monotonic() + wait_seconds
            while not await redis.set(key, token, nx=True, px=hold_ms):
                if time.monotonic() >= deadline:
                    raise conflict(_("Someone else is moving this order right now; try again"), reason="busy")
                await asyncio.sleep(POLL_SECONDS)
            taken.append(key)
        yield
    finally:
        for key in taken:
            await release(keys=[key], args=[token])

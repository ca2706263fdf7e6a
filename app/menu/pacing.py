"""Prep times, the kitchen's live load, the ready-time quote and pacing.

The quote treats each station as a queue worked by `cooks` people at once: an order's part at a station is
ready when the station's backlog (the work left on its open tickets) and then its own work are done, and
the order is ready when its slowest station is. The backlog is read live from Redis at each quote: the
kitchen's open tickets at the station (its own ticket hashes say which are started, and when) and the work
this module recorded for each when it was created; a started ticket counts only what is left of it, so a
fast or slow kitchen corrects the next quote by itself.

Pacing: each station takes `items_per_15min` items per 15-minute window. Partner and scheduled orders are
booked into windows; an ASAP partner order beyond the current window's room is slotted into the first
window with room (its quote moves later), a scheduled order whose window is full is refused with the next
window that has room. Walk-in channels are never refused: the queue in front of the counter is the pacing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.catalog.menu_depth import StationPace as Pace
from app.lib.lua import Script

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.catalog.cache import ProductInfo
    from app.lib.lua import LuaScripts
    from app.lib.redis import Keys

# A product nobody has timed yet: five minutes, what a line cook would guess.
DEFAULT_PREP_SECONDS = 300
WINDOW_MS = 15 * 60 * 1000
# How far ahead an ASAP partner order may be slotted before it is refused (two hours of windows).
MAX_WINDOWS_AHEAD = 8
# A started ticket past its expected time still has a little left (the cook has not bumped it).
LATE_FLOOR = Decimal("0.1")
PACED_CHANNELS = frozenset({"partner"})
BACKLOG = Script("app.menu", "backlog")


@dataclass(frozen=True, slots=True)
class StationWork:
    """One order's work at one station: all its items' prep (ms), its longest single item, its item count."""

    work_ms: int
    longest_ms: int
    items: int


@dataclass(frozen=True, slots=True)
class LineWork:
    product_id: int
    qty: Decimal
    station_code: str
    # Stations of the line's modifiers made elsewhere (a side of fries at the fryer).
    modifier_stations: tuple[str, ...] = ()


def order_work(lines: Iterable[LineWork], products: Mapping[int, ProductInfo]) -> dict[str, StationWork]:
    """What each station has to make for an order, from the products' prep times per station."""
    work: dict[str, list[int]] = {}
    items: dict[str, int] = {}
    for line in lines:
        product = products.get(line.product_id)
        prep = product.prep_seconds if product is not None else {}
        count = max(1, int(line.qty.to_integral_value())) if line.qty >= 1 else 1
        for station in (line.station_code, *line.modifier_stations):
            seconds = prep.get(station, DEFAULT_PREP_SECONDS if station == line.station_code else 120)
            work.setdefault(station, []).extend([seconds * 1000] * count)
            items[station] = items.get(station, 0) + count
    return {
        station: StationWork(work_ms=sum(each), longest_ms=max(each), items=items[station])
        for station, each in work.items()
    }


def quote_ms(
    now_ms: int, work: Mapping[str, StationWork], backlog_ms: Mapping[str, int], pace: Mapping[str, Pace]
) -> int:
    """When the order will be ready: its slowest station's backlog share plus its own work there (shared
    among the station's cooks, never less than its longest item)."""
    ready = now_ms
    for station, w in work.items():
        cooks = pace.get(station, Pace()).cooks
        own = max(w.longest_ms, w.work_ms // cooks)
        ready = max(ready, now_ms + backlog_ms.get(station, 0) // cooks + own)
    return ready


def naive_quote_ms(now_ms: int, average_prep_ms: int) -> int:
    """The quote a shop without live load gives: now plus the menu's average prep time (the benchmark's
    baseline)."""
    return now_ms + average_prep_ms


def window_of(ms: int) -> int:
    return ms - ms % WINDOW_MS


class KitchenLoad:
    """The live load in Redis: the work recorded per open ticket, and the items booked per window."""

    def __init__(self, redis: Redis, keys: Keys, lua: LuaScripts) -> None:
        self.redis = redis
        self.keys = keys
        self.lua = lua

    async def backlog(
        self, branch_id: int, stations: Iterable[str], now_ms: int | None = None
    ) -> tuple[int, dict[str, int]]:
        """(now, work left in ms on each station's open tickets). `now` is the Redis clock (the one the
        kitchen stamps tickets with), read in the same call, unless given (a simulation's).

        One script call (lua/backlog.lua) walks the open tickets where they are: each one's recorded work,
        less what has passed since it was started (never below LATE_FLOOR of it), bumped ones and those of
        orders no longer in the kitchen's hands (ready, handed over, cancelled) left out.
        Read from here it was two round trips and a hash read per open ticket decoded in Python, on every
        order's creation."""
        stations = list(stations)
        numerator, denominator = LATE_FLOOR.as_integer_ratio()
        reply = await self.lua[BACKLOG](
            keys=[
                self.keys.menu_work(branch_id),
                *(self.keys.station_tickets(branch_id, s) for s in stations),
            ],
            args=[
                self.keys.ticket(branch_id, ""),
                "" if now_ms is None else now_ms,
                numerator,
                denominator,
                self.keys.order(branch_id, ""),
            ],
        )
        now, *totals = (int(value) for value in reply)
        if not totals:
            return now, {}
        return now, dict(zip(stations, totals, strict=True))

    async def record(
        self,
        branch_id: int,
        tickets: Mapping[str, int],
        *,
        order_id: str | None = None,
        ready_ms: int | None = None,
    ) -> None:
        """The work of new tickets (ticket id -> ms), and the order's quote for the queue TV, in one round
        trip. Bumped tickets drop out of the station sets by themselves, so a work entry is only read while
        its ticket is open. Kept for a day."""
        if not tickets and ready_ms is None:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            if tickets:
                key = self.keys.menu_work(branch_id)
                pipe.hset(key, mapping={k: str(v) for k, v in tickets.items()})
                pipe.expire(key, 86_400)
            if order_id is not None and ready_ms is not None:
                quotes = self.keys.menu_quotes(branch_id)
                pipe.hset(quotes, order_id, str(ready_ms))
                pipe.expire(quotes, 86_400)
            await pipe.execute()

    async def quotes(self, branch_id: int) -> dict[str, int]:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.keys.menu_quotes(branch_id))
            (raw,) = await pipe.execute()
        return {_text(k): int(v) for k, v in raw.items()}

    async def book(
        self,
        branch_id: int,
        work: Mapping[str, StationWork],
        pace: Mapping[str, Pace],
        *,
        from_ms: int,
        mode: str,
    ) -> tuple[int, int | None]:
        """Book the order's items into a window at every paced station. `force` books `from_ms`'s window
        whatever it holds (walk-ins); `move` the first window from there with room; `exact` only
        `from_ms`'s window. Returns (the window booked, None), or (-1, the next window with room or None)."""
        paced = {s: p.items_per_15min for s, p in pace.items() if s in work and p.items_per_15min}
        start = window_of(from_ms)
        if not paced:
            return start, None
        windows = [start + i * WINDOW_MS for i in range(MAX_WINDOWS_AHEAD + 1)]
        if mode == "force":
            free: int | None = start
        else:
            async with self.redis.pipeline(transaction=False) as pipe:
                for station in paced:
                    pipe.hmget(self.keys.menu_pace(branch_id, station), [str(w) for w in windows])
                booked = await pipe.execute()
            room = [
                all(
                    int(counts[i] or 0) + work[s].items <= cap
                    for (s, cap), counts in zip(paced.items(), booked, strict=True)
                )
                for i in range(len(windows))
            ]
            free = next((w for w, ok in zip(windows, room, strict=True) if ok), None)
            if free is None or (mode == "exact" and free != start):
                return -1, free
        assert free is not None
        async with self.redis.pipeline(transaction=True) as pipe:
            for station in paced:
                key = self.keys.menu_pace(branch_id, station)
                pipe.hincrby(key, str(free), work[station].items)
                pipe.expire(key, 2 * 86_400)
            await pipe.execute()
        return free, None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def at(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)

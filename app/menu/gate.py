"""The order path's menu-depth gate, after pricing and before the write: a paused channel is refused; the
kitchen's live load gives the ready-time quote; partner and scheduled orders are paced by each station's
capacity (slotted later, or refused with the next window that has room)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from app.catalog.cache import CATALOG
from app.lib.errors import unprocessable
from app.lib.i18n import LazyText, _
from app.menu.pacing import PACED_CHANNELS, WINDOW_MS, KitchenLoad, LineWork, at, order_work, quote_ms

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.catalog.cache import ProductInfo
    from app.lib.lua import LuaScripts
    from app.lib.redis import Keys


@dataclass(frozen=True, slots=True)
class Admission:
    quoted_ready_at: dt.datetime | None
    # Work (ms) per station of this order, recorded against its tickets once it is written.
    station_work_ms: dict[str, int] = field(default_factory=dict)


# Channel names as a refusal says them (the till's own labels are the browser's).
CHANNEL_NAMES: dict[str, LazyText] = {
    "counter": _("Counter"),
    "pickup": _("Pickup"),
    "dine_in": _("Dine-in"),
    "delivery": _("Delivery"),
    "partner": _("Partner"),
}


def _hhmm(ms: int, zone: ZoneInfo) -> str:
    return f"{at(ms).astimezone(zone):%H:%M}"


async def admit(
    session: AsyncSession,
    redis: Redis,
    keys: Keys,
    lua: LuaScripts,
    *,
    branch_id: int,
    timezone: str,
    channel: str,
    lines: Sequence[LineWork],
    products: Mapping[int, ProductInfo],
    slot_start: dt.datetime | None,
    scheduled: bool,
) -> Admission:
    pacing = await CATALOG.pacing(session, branch_id)
    zone = ZoneInfo(timezone)
    if channel in pacing.paused:
        until, reason = pacing.paused[channel]
        channel_name = CHANNEL_NAMES.get(channel, channel)
        if until is not None:
            message = _(
                "%(channel)s orders are paused: the kitchen is busy until %(time)s (%(reason)s)",
                channel=channel_name,
                time=until.astimezone(zone).strftime("%H:%M"),
                reason=reason or "-",
            )
        else:
            message = _(
                "%(channel)s orders are paused: the kitchen is busy (%(reason)s)",
                channel=channel_name,
                reason=reason or "-",
            )
        raise unprocessable("channel", message)
    work = order_work(lines, products)
    if not work:
        return Admission(quoted_ready_at=None)
    load = KitchenLoad(redis, keys, lua)
    per_station = {station: w.work_ms for station, w in work.items()}
    if scheduled and slot_start is not None:
        slot_ms = int(slot_start.timestamp() * 1000)
        booked, next_free = await load.book(branch_id, work, pacing.stations, from_ms=slot_ms, mode="exact")
        if booked < 0:
            start = slot_ms - slot_ms % WINDOW_MS
            full = f"{_hhmm(start, zone)}-{_hhmm(start + WINDOW_MS, zone)}"
            if next_free:
                raise unprocessable(
                    "delivery.slot_start",
                    _(
                        "the kitchen is full for %(window)s; the next window with room starts at %(time)s",
                        window=full,
                        time=_hhmm(next_free, zone),
                    ),
                )
            raise unprocessable("delivery.slot_start", _("the kitchen is full for %(window)s", window=full))
        return Admission(quoted_ready_at=slot_start, station_work_ms=per_station)
    now, backlog = await load.backlog(branch_id, work)
    quote = quote_ms(now, work, backlog, pacing.stations)
    mode = "move" if channel in PACED_CHANNELS else "force"
    booked, _next = await load.book(branch_id, work, pacing.stations, from_ms=now, mode=mode)
    if booked < 0:
        raise unprocessable(
            "channel", _("the kitchen is full for the next two hours: the order cannot be taken now")
        )
    if booked > now:
        # Slotted into a later window: the kitchen starts it then.
        quote = max(quote, booked + max(w.longest_ms for w in work.values()))
    return Admission(quoted_ready_at=at(quote), station_work_ms=per_station)


async def record_work(
    redis: Redis,
    keys: Keys,
    lua: LuaScripts,
    *,
    branch_id: int,
    order_id: str,
    tickets: Mapping[str, str],
    admission: Admission,
) -> None:
    """After the write: each new ticket's work, so the next quote counts it in the station's backlog, and
    the order's quote for the queue TV's snapshot."""
    quoted = admission.quoted_ready_at
    await KitchenLoad(redis, keys, lua).record(
        branch_id,
        {
            ticket_id: admission.station_work_ms[station]
            for ticket_id, station in tickets.items()
            if station in admission.station_work_ms
        },
        order_id=order_id,
        ready_ms=int(quoted.timestamp() * 1000) if quoted is not None else None,
    )

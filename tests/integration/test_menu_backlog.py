"""The kitchen's backlog for the ready-time quote, read by one script call (app/menu/lua/backlog.lua)
against real Redis: recorded work per open ticket, what is left of a started one (never below the late
floor), bumped and unrecorded tickets left out, tickets of orders out of the kitchen's hands left out (and
those of finished orders dropped from the station set), and the Redis clock when no `now` is given."""

from __future__ import annotations

import time
from typing import Any

from app.menu.pacing import LATE_FLOOR, KitchenLoad

BRANCH = 7
NOW = 1_800_000_000_000


async def _ticket(
    runtime: Any,
    station: str,
    ticket_id: str,
    *,
    work: int | None,
    state: str = "queued",
    started: int | None = None,
    order: str = "o-cooking",
    order_state: str | None = "preparing",
) -> None:
    redis, keys = runtime.redis, runtime.keys
    await redis.zadd(keys.station_tickets(BRANCH, station), {ticket_id: 1})
    fields = {
        "state": state,
        "order_id": order,
        **({"started_ms": str(started)} if started is not None else {}),
    }
    if order_state is not None:
        await redis.hset(keys.order(BRANCH, order), "state", order_state)
    await redis.hset(keys.ticket(BRANCH, ticket_id), mapping=fields)
    if work is not None:
        await redis.hset(keys.menu_work(BRANCH), ticket_id, str(work))


async def test_the_backlog_counts_what_is_left_of_each_open_ticket(runtime: Any, clean_state: None) -> None:
    await _ticket(runtime, "grill", "a", work=300_000)  # not started: all of it
    await _ticket(runtime, "grill", "b", work=420_000, state="started", started=NOW - 100_000)  # 320,000 left
    await _ticket(runtime, "grill", "c", work=600_000, state="started", started=NOW - 590_000)  # floor 60,000
    await _ticket(runtime, "grill", "d", work=100_000, state="bumped")  # done
    await _ticket(runtime, "grill", "e", work=None)  # no work recorded (made before the quote existed)
    await _ticket(runtime, "fryer", "f", work=123_457, state="started", started=NOW - 200_000)  # late
    load = KitchenLoad(runtime.redis, runtime.keys, runtime.lua)

    now, backlog = await load.backlog(BRANCH, ["grill", "fryer", "drinks"], NOW)

    assert now == NOW
    assert backlog == {
        "grill": 300_000 + 320_000 + 60_000,
        "fryer": int(123_457 * LATE_FLOOR),  # 12,345: the floor, truncated as the quote always did
        "drinks": 0,
    }
    # Stations asked in another order or alone get the same figures.
    assert (await load.backlog(BRANCH, ["fryer"], NOW))[1] == {"fryer": 12_345}


async def test_no_open_ticket_is_no_backlog_at_the_redis_clock(runtime: Any, clean_state: None) -> None:
    load = KitchenLoad(runtime.redis, runtime.keys, runtime.lua)
    before = int(time.time() * 1000)
    now, backlog = await load.backlog(BRANCH, ["grill", "fryer"])
    assert backlog == {}
    assert before - 1_000 <= now <= int(time.time() * 1000) + 1_000
    assert (await load.backlog(BRANCH, []))[1] == {}


async def test_a_started_ticket_is_measured_against_the_redis_clock(runtime: Any, clean_state: None) -> None:
    seconds, micros = await runtime.redis.time()
    redis_now = int(seconds) * 1000 + int(micros) // 1000
    await _ticket(runtime, "grill", "a", work=300_000, state="started", started=redis_now - 60_000)
    now, backlog = await KitchenLoad(runtime.redis, runtime.keys, runtime.lua).backlog(BRANCH, ["grill"])
    assert now >= redis_now
    assert backlog == {"grill": 300_000 - (now - (redis_now - 60_000))}
    assert 238_000 <= backlog["grill"] <= 240_000


async def test_only_orders_in_the_kitchens_hands_count_and_finished_ones_leave_the_set(
    runtime: Any, clean_state: None
) -> None:
    await _ticket(runtime, "grill", "new", work=100_000, order="o1", order_state="received")
    await _ticket(runtime, "grill", "cooking", work=200_000, order="o2", order_state="preparing")
    # Out of the kitchen's hands: not counted, but still on the set (a returned order may come back).
    await _ticket(runtime, "grill", "ready", work=400_000, order="o3", order_state="ready")
    await _ticket(runtime, "grill", "out", work=400_000, order="o4", order_state="out_for_delivery")
    # Finished without anyone bumping the ticket, or the order's hash gone: dropped from the set.
    await _ticket(runtime, "grill", "handed", work=800_000, order="o5", order_state="completed")
    await _ticket(runtime, "grill", "voided", work=800_000, order="o6", order_state="cancelled")
    await _ticket(runtime, "grill", "expired", work=800_000, order="o7", order_state=None)
    load = KitchenLoad(runtime.redis, runtime.keys, runtime.lua)

    assert (await load.backlog(BRANCH, ["grill"], NOW))[1] == {"grill": 300_000}

    members = await runtime.redis.zrange(runtime.keys.station_tickets(BRANCH, "grill"), 0, -1)
    assert sorted(m.decode() if isinstance(m, bytes) else m for m in members) == [
        "cooking",
        "new",
        "out",
        "ready",
    ]
    # The dropped tickets' hashes go a day later, like a bumped ticket's.
    assert 0 < await runtime.redis.ttl(runtime.keys.ticket(BRANCH, "handed")) <= 86_400
    assert await runtime.redis.ttl(runtime.keys.ticket(BRANCH, "cooking")) == -1

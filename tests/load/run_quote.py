"""How good is the ready-time quote? A simulated lunch rush, quoted by Passline's own code against real
Redis, compared with the actual ready times and with a naive quote (now + the menu's average prep time).

    .venv/bin/python -m tests.load.run_quote [--minutes 90] [--seed 7] [--peak 1.2]

The kitchen is simulated in virtual time (nobody waits 90 minutes): three stations worked by their cooks,
each cook taking whole tickets first come first served, each item's actual prep time its nominal time with
log-normal noise (sigma 0.25: a 3-minute burger takes 2-4.5). Orders arrive as a Poisson stream whose rate
climbs to `--peak` orders a minute and falls again. At each arrival the kitchen's state at that moment is
written into Redis exactly as the kitchen keeps it (open tickets in each station's set, started ones with
their start time) and Passline's `KitchenLoad.backlog` + `quote_ms` quote the order, then record its work,
as the order path does. The actual ready time is when the order's last ticket is done. Prints the mean
absolute error (and the median, p90) of both quotes, overall and in the rush's busiest third.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import math
import os
import random
import secrets
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from redis.asyncio import Redis

from app.catalog.cache import ProductInfo
from app.catalog.menu_depth import StationPace
from app.lib.lua import LuaScripts
from app.lib.redis import Keys
from app.menu.pacing import KitchenLoad, LineWork, naive_quote_ms, order_work, quote_ms
from tests.load._harness import load_average

BRANCH = 1
# name -> (station, nominal prep seconds, popularity)
# Hands-on seconds a cook spends on one (a grill cook works a ticket's items one after another).
MENU = {
    "burger": ("grill", 180, 5),
    "chicken": ("grill", 240, 3),
    "steak": ("grill", 360, 1),
    "fries": ("fryer", 150, 5),
    "wings": ("fryer", 240, 2),
    "shake": ("drinks", 90, 3),
    "lemonade": ("drinks", 40, 3),
}
# Sized so that a quiet hour keeps up and the peak (about one order a minute) builds a queue.
COOKS = {"grill": 3, "fryer": 2, "drinks": 1}


@dataclass(order=True)
class Ticket:
    start_ms: int
    finish_ms: int = field(compare=False)
    ticket_id: str = field(compare=False)
    station: str = field(compare=False)
    created_ms: int = field(compare=False)


def products() -> dict[int, ProductInfo]:
    return {
        i: ProductInfo(
            id=i,
            name=name,
            base_unit="piece",
            tax_rate=Decimal(0),
            station_code=station,
            active=True,
            units={"piece": Decimal(1)},
            prices={},
            prep_seconds={station: seconds},
        )
        for i, (name, (station, seconds, _)) in enumerate(MENU.items(), 1)
    }


def arrivals(rng: random.Random, minutes: int, peak: float) -> list[int]:
    """Arrival times (ms) of a Poisson stream whose rate rises to `peak` a minute mid-rush (thinning)."""
    out, t, end = [], 0.0, minutes * 60.0
    while True:
        t += rng.expovariate(peak / 60.0)
        if t >= end:
            return out
        rate = 0.25 * peak + 0.75 * peak * math.sin(math.pi * t / end) ** 2
        if rng.random() < rate / peak:
            out.append(int(t * 1000))


async def simulate(minutes: int, seed: int, peak: float, redis: Redis) -> list[tuple[int, int, int, int]]:
    rng = random.Random(seed)
    keys = Keys(f"quotebench:{secrets.token_hex(4)}:")
    load = KitchenLoad(redis, keys, LuaScripts(redis))
    catalog = products()
    weights = [MENU[p.name][2] for p in catalog.values()]
    pace = {s: StationPace(cooks=c) for s, c in COOKS.items()}
    average_prep_ms = int(statistics.fmean(s for _, s, _ in MENU.values()) * 1000)
    cooks_free = {s: [0] * c for s, c in COOKS.items()}
    open_tickets: list[Ticket] = []  # heap by start
    running: list[tuple[int, Ticket]] = []  # heap by finish
    results = []
    try:
        for n, now in enumerate(arrivals(rng, minutes, peak)):
            # The kitchen as it stands at `now`: started tickets marked, finished ones gone from the sets.
            async with redis.pipeline(transaction=False) as pipe:
                while open_tickets and open_tickets[0].start_ms <= now:
                    t = heapq.heappop(open_tickets)
                    pipe.hset(
                        keys.ticket(BRANCH, t.ticket_id),
                        mapping={"state": "started", "started_ms": t.start_ms},
                    )
                    heapq.heappush(running, (t.finish_ms, t))
                while running and running[0][0] <= now:
                    _, t = heapq.heappop(running)
                    pipe.zrem(keys.station_tickets(BRANCH, t.station), t.ticket_id)
                await pipe.execute()
            picks = rng.choices(list(catalog.values()), weights=weights, k=rng.randint(1, 4))
            lines = [LineWork(product_id=p.id, qty=Decimal(1), station_code=p.station_code) for p in picks]
            work = order_work(lines, catalog)
            _, backlog = await load.backlog(BRANCH, work, now)
            quoted = quote_ms(now, work, backlog, pace)
            ready = now
            recorded = {}
            async with redis.pipeline(transaction=False) as pipe:
                for station, w in work.items():
                    ticket_id = f"t{n}-{station}"
                    actual = sum(
                        int(MENU[p.name][1] * 1000 * rng.lognormvariate(0, 0.25))
                        for p in picks
                        if p.station_code == station
                    )
                    free = cooks_free[station]
                    cook = min(range(len(free)), key=free.__getitem__)
                    start = max(now, free[cook])
                    free[cook] = finish = start + actual
                    ready = max(ready, finish)
                    heapq.heappush(open_tickets, Ticket(start, finish, ticket_id, station, now))
                    pipe.zadd(keys.station_tickets(BRANCH, station), {ticket_id: now})
                    pipe.hset(keys.ticket(BRANCH, ticket_id), mapping={"state": "queued", "created_ms": now})
                    recorded[ticket_id] = w.work_ms
                await pipe.execute()
            await load.record(BRANCH, recorded)
            results.append((now, quoted, naive_quote_ms(now, average_prep_ms), ready))
    finally:
        found = [k async for k in redis.scan_iter(match=f"{keys.prefix}*", count=1000)]
        if found:
            await redis.unlink(*found)
    return results


def report(name: str, rows: list[tuple[int, int, int, int]]) -> None:
    live = [abs(q - r) / 60_000 for _, q, _, r in rows]
    naive = [abs(q - r) / 60_000 for _, _, q, r in rows]
    waits = [(r - t) / 60_000 for t, _, _, r in rows]

    def figures(errors: list[float]) -> str:
        ordered = sorted(errors)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        return f"MAE {statistics.fmean(errors):6.2f} min   median {statistics.median(errors):6.2f}   p90 {p90:6.2f}"

    print(
        f"  {name} ({len(rows)} orders, actual wait mean {statistics.fmean(waits):.1f} min, max {max(waits):.1f})"
    )
    print(f"    live-load quote     {figures(live)}")
    print(f"    naive average quote {figures(naive)}")
    print(f"    naive / live MAE    {statistics.fmean(naive) / statistics.fmean(live):6.1f}x")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--peak", type=float, default=1.2, help="orders a minute at the rush's peak")
    args = parser.parse_args()
    redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        rows = await simulate(args.minutes, args.seed, args.peak, redis)
    finally:
        await redis.aclose()
    print(f"Machine: {os.cpu_count()} cores, load {load_average()} (the simulation runs in virtual time)")
    print(f"Rush: {args.minutes} min, peak {args.peak} orders/min, seed {args.seed}; cooks {COOKS}")
    report("whole rush", rows)
    third = args.minutes * 60_000 // 3
    report("busiest third", [r for r in rows if third <= r[0] < 2 * third])


if __name__ == "__main__":
    asyncio.run(main())

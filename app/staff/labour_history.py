"""Months of clock entries and pay rates for the demo shop, written beside `seed-history`'s sales, so the
labour report has something to show the moment `make run` opens.

Each active, non-admin person of a branch works their role's shift on most days, a few minutes early or late
(a seeded random, so two runs write the same history): managers the middle of the day on weekdays, cashiers
an early or a late week in turn, the kitchen long shifts with the odd overtime at the weekend, couriers a
lunch or an evening shift (the evening one ends after midnight), HR office hours. Rates start before the
history, and cashiers get a raise a month ago, so the report meets a rate change. Nothing is written when the
branches already have clock entries before today, so running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

# role → hourly rate (in the branch's currency) before the raise.
RATES = {
    "manager": Decimal("320.00"),
    "cashier": Decimal("150.00"),
    "kitchen": Decimal("170.00"),
    "courier": Decimal("120.00"),
    "hr": Decimal("200.00"),
}
RAISE = {"cashier": Decimal("165.00")}
ROLE_ORDER = ("manager", "cashier", "kitchen", "courier", "hr")
# role → shapes of a shift: (start hh:mm, length in minutes); which one depends on the person and the week.
SHIFTS = {
    "manager": (("10:00", 480),),
    "cashier": (("07:45", 480), ("15:30", 480)),
    "kitchen": (("10:30", 480), ("14:45", 495)),
    "courier": (("11:00", 420), ("17:30", 420)),
    "hr": (("09:00", 480),),
}


async def seed_labour(session: AsyncSession, *, days: int, today: bool = True, seed: int = 42) -> int:
    """Write `days` days of clock entries (ending yesterday; `today` adds the shifts begun by now) and the
    staff's rates; commits. Returns the entries written (0 when history is already there)."""
    branches = (
        await session.execute(text("SELECT id, timezone FROM branches WHERE active ORDER BY id"))
    ).all()
    if not branches:
        return 0
    there = await session.scalar(
        text("SELECT EXISTS (SELECT 1 FROM time_entries WHERE clock_in_at < now() - interval '1 day')")
    )
    if there:
        return 0
    people = (
        await session.execute(
            text(
                """
                SELECT u.id, array_agg(DISTINCT r.role) AS roles, array_agg(DISTINCT m.branch_id) AS branches
                FROM users AS u
                JOIN user_roles AS r ON r.user_id = u.id
                JOIN branch_memberships AS m ON m.user_id = u.id
                WHERE u.is_active
                GROUP BY u.id
                HAVING NOT bool_or(r.role = 'admin')
                ORDER BY u.id
                """
            )
        )
    ).all()
    rng = random.Random(seed)  # noqa: S311 - demo data, repeatable on purpose; nothing secret
    zones = {b.id: ZoneInfo(b.timezone) for b in branches}
    now = dt.datetime.now(dt.UTC)
    first_zone = zones[branches[0].id]
    last_day = now.astimezone(first_zone).date()
    start_day = last_day - dt.timedelta(days=days)
    rates: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []
    for index, person in enumerate(people):
        role = next((r for r in ROLE_ORDER if r in person.roles), None)
        if role is None:
            continue
        rates.append({"u": person.id, "r": RATES[role], "d": start_day - dt.timedelta(days=30)})
        if role in RAISE:
            rates.append({"u": person.id, "r": RAISE[role], "d": last_day - dt.timedelta(days=30)})
        homes = sorted(b for b in person.branches if b in zones)
        if homes:
            plan = _Plan(role=role, index=index, homes=homes, zones=zones, now=now, rng=rng)
            entries += plan.shifts(person.id, start_day, days + (1 if today else 0))
    # Only the latest start of each person may stay open (one open entry per person).
    open_seen: set[object] = set()
    for entry in sorted(entries, key=lambda e: e["i"], reverse=True):  # type: ignore[arg-type, return-value]
        if entry["o"] is None:
            if entry["u"] in open_seen:
                entry["o"] = entry["i"] + dt.timedelta(hours=8)  # type: ignore[operator]
            open_seen.add(entry["u"])
    if rates:
        await session.execute(
            text(
                "INSERT INTO pay_rates (user_id, branch_id, hourly_rate, effective_from) VALUES (:u, NULL, :r, :d) "
                "ON CONFLICT DO NOTHING"
            ),
            rates,
        )
    if entries:
        await session.execute(
            text(
                "INSERT INTO time_entries (user_id, branch_id, clock_in_at, clock_out_at, source) "
                "VALUES (:u, :b, :i, :o, 'home')"
            ),
            entries,
        )
    await session.commit()
    return len(entries)


@dataclass(frozen=True, slots=True)
class _Plan:
    """One person's working pattern."""

    role: str
    index: int
    homes: list[int]
    zones: dict[int, ZoneInfo]
    now: dt.datetime
    rng: random.Random

    def shifts(self, user_id: int, start_day: dt.date, count: int) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        role, index, rng = self.role, self.index, self.rng
        for offset in range(count):
            day = start_day + dt.timedelta(days=offset)
            weekday = day.isoweekday()
            # A day off or two a week (managers and HR take the weekend), and the odd sick day.
            if (
                (role in ("manager", "hr") and weekday >= 6)
                or (weekday + index) % 7 == 0
                or rng.random() < 0.03
            ):
                continue
            branch_id = self.homes[(offset + index) % len(self.homes)]
            shapes = SHIFTS[role]
            start_text, minutes = shapes[(day.isocalendar().week + index) % len(shapes)]
            hh, mm = (int(x) for x in start_text.split(":"))
            zone = self.zones[branch_id]
            clock_in = dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=zone) + dt.timedelta(
                minutes=rng.randint(-8, 10)
            )
            length = minutes + rng.randint(-10, 15)
            if role == "kitchen" and weekday in (5, 6) and rng.random() < 0.6:
                length += rng.choice((60, 90, 120))  # a busy weekend night: overtime
            clock_out = clock_in + dt.timedelta(minutes=length)
            if clock_in >= self.now:
                continue
            out.append(
                {
                    "u": user_id,
                    "b": branch_id,
                    "i": clock_in.astimezone(dt.UTC),
                    "o": clock_out.astimezone(dt.UTC) if clock_out < self.now else None,
                }
            )
        return out

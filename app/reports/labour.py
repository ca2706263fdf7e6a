"""Labour: hours at work and their cost against net sales, by hour of day, day/week/month, person, role and
branch; overtime.

Definitions (what the figures mean):
- hours are clock entries cut into branch-local clock hours; an open entry counts up to now; the report
  reads entries overlapping its range and counts only the part inside it;
- an hour's cost is its time x the rate in force on its local day: the person's rate for that branch if they
  have one from that day or earlier, else their general rate; no rate at all costs nothing (and the person is
  listed with no rate, so the gap shows);
- net sales are the sales reports' net (tax excluded, discounts off) of the same branch, day and hour;
  labour % = labour cost / net sales x 100;
- overtime is the time over `OVERTIME_HOURS` a person works in the shifts that started on one local day, so
  a night shift across midnight is one working day, not two short ones;
- a person's role is the first of their roles in `ROLE_ORDER` (hours are never counted twice);
- a manager's report leaves admins' hours out: their cost would tell an admin's pay.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import text

from app.lib.errors import unprocessable
from app.reports._build import figure, grouped, percent, quantize
from app.reports._text import _, _p
from app.reports.schemas import Chart, Column, Figure, Table

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.reports.scope import Dates, Scope

OVERTIME_HOURS = 8
HOUR = Decimal(3600)
ROLE_ORDER = ("manager", "cashier", "kitchen", "courier", "hr", "admin")
LabourPeriod = Literal["day", "week", "month"]
LabourSplit = Literal["none", "person", "role", "branch"]
PERIODS = ("day", "week", "month")
SPLITS = ("none", "person", "role", "branch")

# Each entry's part inside the range, cut at local clock hours (date_trunc in the branch's zone, so a zone
# on a half hour cuts at its own hours), with the rate of each local day.
_SLICES = text(
    """
WITH e AS (
    SELECT t.user_id, t.branch_id, b.timezone, (t.clock_in_at AT TIME ZONE b.timezone)::date AS shift_day,
           greatest(t.clock_in_at, CAST(:date_from AS date)::timestamp AT TIME ZONE b.timezone) AS s,
           least(coalesce(t.clock_out_at, now()), (CAST(:date_to AS date) + 1)::timestamp AT TIME ZONE b.timezone)
               AS f
    FROM time_entries AS t
    JOIN branches AS b ON b.id = t.branch_id
    WHERE t.branch_id = ANY(CAST(:branch_ids AS bigint[]))
      AND NOT (CAST(:hide_admins AS boolean) AND t.user_id IN (SELECT user_id FROM user_roles WHERE role = 'admin'))
      AND t.clock_in_at < (CAST(:date_to AS date) + 1)::timestamp AT TIME ZONE b.timezone
      AND coalesce(t.clock_out_at, now()) > CAST(:date_from AS date)::timestamp AT TIME ZONE b.timezone
),
slices AS (
    SELECT e.user_id, e.branch_id, e.shift_day, (h.h AT TIME ZONE e.timezone)::date AS day,
           extract(hour FROM h.h AT TIME ZONE e.timezone)::int AS hour,
           extract(epoch FROM least(h.h + interval '1 hour', e.f) - greatest(h.h, e.s)) AS secs
    FROM e
    CROSS JOIN LATERAL generate_series(date_trunc('hour', e.s, e.timezone), e.f, interval '1 hour') AS h(h)
    WHERE e.f > e.s AND h.h < e.f
),
g AS (
    SELECT branch_id, user_id, shift_day, day, hour, sum(secs) AS secs FROM slices GROUP BY 1, 2, 3, 4, 5
)
SELECT g.branch_id, g.user_id, g.shift_day, g.day, g.hour, g.secs, r.hourly_rate AS rate
FROM g
LEFT JOIN LATERAL (
    SELECT p.hourly_rate FROM pay_rates AS p
    WHERE p.user_id = g.user_id AND (p.branch_id = g.branch_id OR p.branch_id IS NULL) AND p.effective_from <= g.day
    ORDER BY (p.branch_id IS NULL), p.effective_from DESC
    LIMIT 1
) AS r ON true
"""
)

_PEOPLE = text(
    """
SELECT u.id, coalesce(nullif(u.full_name, ''), u.username) AS name,
       coalesce(array_agg(r.role) FILTER (WHERE r.role IS NOT NULL), '{}') AS roles
FROM users AS u LEFT JOIN user_roles AS r ON r.user_id = u.id
WHERE u.id = ANY(CAST(:ids AS bigint[]))
GROUP BY u.id
"""
)


@dataclass(frozen=True, slots=True)
class Slice:
    branch_id: int
    user_id: int
    shift_day: dt.date
    day: dt.date
    hour: int
    seconds: Decimal
    rate: Decimal | None
    # Worked out once: every table of the page adds it up again (a year is tens of thousands of slices).
    cost: Decimal


def labour_period(value: str | None) -> LabourPeriod:
    value = value or "day"
    if value not in PERIODS:
        raise unprocessable("period", _("must be one of %(choices)s", choices=", ".join(PERIODS)))
    return value  # type: ignore[return-value]


def labour_split(value: str | None) -> LabourSplit:
    value = value or "none"
    if value not in SPLITS:
        raise unprocessable("by", _("must be one of %(choices)s", choices=", ".join(SPLITS)))
    return value  # type: ignore[return-value]


async def slices(
    session: AsyncSession, branch_ids: list[int], dates: Dates, *, hide_admins: bool = False
) -> list[Slice]:
    rows = await session.execute(
        _SLICES,
        {
            "branch_ids": branch_ids,
            "date_from": dates.date_from,
            "date_to": dates.date_to,
            "hide_admins": hide_admins,
        },
    )
    parts = []
    for r in rows:
        seconds = Decimal(r.secs)
        parts.append(
            Slice(
                branch_id=r.branch_id,
                user_id=r.user_id,
                shift_day=r.shift_day,
                day=r.day,
                hour=r.hour,
                seconds=seconds,
                rate=r.rate,
                cost=seconds * (r.rate or 0) / HOUR,
            )
        )
    return parts


async def _net_sales(
    session: AsyncSession, scope: Scope, dates: Dates
) -> dict[tuple[int, dt.date, int], Decimal]:
    rows = await grouped(
        session,
        "report_sales_hourly",
        scope.branch_ids,
        dates,
        select="r.branch_id, r.business_date AS day, r.hour, sum(r.net) AS net",
        group="1, 2, 3",
    )
    return {(r["branch_id"], r["day"], int(r["hour"])): Decimal(r["net"] or 0) for r in rows}


def _bucket(day: dt.date, period: LabourPeriod) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _hours(seconds: Decimal) -> Decimal:
    return quantize(seconds / HOUR, 2)


def overtime_seconds(parts: list[Slice]) -> dict[tuple[int, dt.date], Decimal]:
    """Seconds over OVERTIME_HOURS per (person, day the shifts started)."""
    worked: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    for s in parts:
        worked[s.user_id, s.shift_day] += s.seconds
    limit = Decimal(OVERTIME_HOURS) * HOUR
    return {k: v - limit for k, v in worked.items() if v > limit}


@dataclass(slots=True)
class _Sums:
    seconds: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    overtime: Decimal = Decimal(0)

    def row(self, places: int) -> dict[str, Any]:
        return {
            "hours": _hours(self.seconds),
            "labour_cost": quantize(self.cost, places),
            "net_sales": quantize(self.net, places),
            "labour_pct": percent(self.cost, self.net),
            "overtime_hours": _hours(self.overtime),
        }


class _Period:
    """One range's slices, sales and people, summed every way the report shows."""

    def __init__(
        self,
        parts: list[Slice],
        net: dict[tuple[int, dt.date, int], Decimal],
        people: dict[int, tuple[str, str]],
    ) -> None:
        self.parts = parts
        self.net = net
        self.people = people
        self.overtime = overtime_seconds(parts)

    def total(self) -> _Sums:
        sums = _Sums(net=sum(self.net.values(), Decimal(0)), overtime=sum(self.overtime.values(), Decimal(0)))
        for s in self.parts:
            sums.seconds += s.seconds
            sums.cost += s.cost
        return sums

    def by(self, key_of: Any, net_key_of: Any = None, overtime_key_of: Any = None) -> dict[Any, _Sums]:
        out: dict[Any, _Sums] = defaultdict(_Sums)
        for s in self.parts:
            sums = out[key_of(s)]
            sums.seconds += s.seconds
            sums.cost += s.cost
        if net_key_of is not None:
            for (branch_id, day, hour), value in self.net.items():
                out[net_key_of(branch_id, day, hour)].net += value
        if overtime_key_of is not None:
            for (user_id, day), value in self.overtime.items():
                out[overtime_key_of(user_id, day)].overtime += value
        return out

    def name(self, user_id: int) -> str:
        return self.people.get(user_id, (str(user_id), ""))[0]

    def role(self, user_id: int) -> str:
        return self.people.get(user_id, ("", ""))[1]


async def _period(session: AsyncSession, scope: Scope, dates: Dates, *, hide_admins: bool) -> _Period:
    parts = await slices(session, scope.branch_ids, dates, hide_admins=hide_admins)
    net = await _net_sales(session, scope, dates)
    ids = sorted({s.user_id for s in parts})
    people: dict[int, tuple[str, str]] = {}
    if ids:
        for row in await session.execute(_PEOPLE, {"ids": ids}):
            roles = set(row.roles)
            people[row.id] = (row.name, next((r for r in ROLE_ORDER if r in roles), ""))
    return _Period(parts, net, people)


def _role_label(code: str) -> str:
    labels = {
        "manager": _("Manager"),
        "cashier": _("Cashier"),
        "kitchen": _("Kitchen"),
        "courier": _("Courier"),
        "hr": _("HR"),
        "admin": _p("role", "Admin"),
    }
    return labels.get(code, code or _("No role"))


def _money_columns() -> list[Column]:
    return [
        Column(key="hours", label=_("Hours"), kind="qty"),
        Column(key="labour_cost", label=_("Labour cost"), kind="money"),
        Column(key="net_sales", label=_("Net sales"), kind="money"),
        Column(key="labour_pct", label=_("Labour % of sales"), kind="percent"),
    ]


# A rise in these is bad news (the page colours the change accordingly).
_LOWER_IS_BETTER = frozenset({"labour_cost", "labour_pct", "overtime_hours"})


def _figures(now: _Sums, people: int, before: tuple[_Sums, int] | None, places: int) -> list[Figure]:
    figures = _plain_figures(now, people, before, places)
    for f in figures:
        f.lower_is_better = f.key in _LOWER_IS_BETTER
    return figures


def _plain_figures(now: _Sums, people: int, before: tuple[_Sums, int] | None, places: int) -> list[Figure]:
    compare = before is not None
    row = now.row(places)
    prev = before[0].row(places) if before else {}
    return [
        figure(
            "labour_cost",
            _("Labour cost"),
            "money",
            row["labour_cost"],
            prev.get("labour_cost"),
            compare=compare,
        ),
        figure("hours", _("Hours worked"), "qty", row["hours"], prev.get("hours"), compare=compare),
        figure(
            "net_sales", _("Net sales"), "money", row["net_sales"], prev.get("net_sales"), compare=compare
        ),
        figure(
            "labour_pct",
            _("Labour % of sales"),
            "percent",
            row["labour_pct"],
            prev.get("labour_pct"),
            compare=compare,
        ),
        figure(
            "overtime_hours",
            _("Overtime hours"),
            "qty",
            row["overtime_hours"],
            prev.get("overtime_hours"),
            compare=compare,
        ),
        figure("people", _("People at work"), "int", people, before[1] if before else None, compare=compare),
    ]


def _hour_rows(p: _Period, hours: list[int], places: int) -> list[dict[str, Any]]:
    sums = p.by(lambda s: s.hour, lambda _b, _d, hour: hour)
    return [{"bucket": h} | sums.get(h, _Sums()).row(places) for h in hours]


async def labour_report(
    session: AsyncSession,
    scope: Scope,
    dates: Dates,
    *,
    period: LabourPeriod,
    split: LabourSplit,
    compare: bool,
    hide_admins: bool = False,
) -> tuple[list[Figure], list[Table]]:
    """`hide_admins`: leave admins' hours out (a manager's report), since hours and cost would tell an
    admin's rate, which is not a manager's to see."""
    places = scope.exponent
    now = await _period(session, scope, dates, hide_admins=hide_admins)
    before = await _period(session, scope, dates.previous(), hide_admins=hide_admins) if compare else None

    people_now = len({s.user_id for s in now.parts})
    figures = _figures(
        now.total(),
        people_now,
        (before.total(), len({s.user_id for s in before.parts})) if before else None,
        places,
    )

    # Hour of day: every hour with work or sales in either period, so the two lines share one axis.
    hours = sorted(
        {s.hour for s in now.parts}
        | {k[2] for k in now.net}
        | ({s.hour for s in before.parts} | {k[2] for k in before.net} if before else set())
    )
    by_hour = Table(
        name="by_hour",
        title=_("Labour cost and net sales by hour of day"),
        columns=[Column(key="bucket", label=_("Hour"), kind="hour"), *_money_columns()],
        rows=_hour_rows(now, hours, places),
        chart=Chart(kind="bar", x="bucket", series=["net_sales", "labour_cost"], compare=compare),
        previous=_hour_rows(before, hours, places) if before else None,
    )

    labels = {"day": _("Day"), "week": _("Week of"), "month": _("Month")}
    over_time = now.by(
        lambda s: _bucket(s.day, period),
        lambda _b, day, _h: _bucket(day, period),
        lambda _u, day: _bucket(day, period),
    )
    period_table = Table(
        name="over_time",
        title=_("Labour cost against net sales over time"),
        columns=[
            Column(key="bucket", label=labels[period], kind="date"),
            *_money_columns(),
            Column(key="overtime_hours", label=_("Overtime hours"), kind="qty"),
        ],
        rows=[{"bucket": k} | v.row(places) for k, v in sorted(over_time.items())],
        chart=Chart(kind="line", x="bucket", series=["net_sales", "labour_cost"]),
    )

    per_person = now.by(lambda s: s.user_id, None, lambda user_id, _d: user_id)
    days_worked: dict[int, set[dt.date]] = defaultdict(set)
    no_rate: set[int] = set()
    for s in now.parts:
        days_worked[s.user_id].add(s.shift_day)
        if s.rate is None:
            no_rate.add(s.user_id)
    person_rows = [
        {
            "person": now.name(user_id),
            "role": _role_label(now.role(user_id)),
            "days": len(days_worked[user_id]),
            "hours": _hours(v.seconds),
            "overtime_hours": _hours(v.overtime),
            "labour_cost": quantize(v.cost, places),
            "rate_missing": _("no rate") if user_id in no_rate else "",
        }
        for user_id, v in sorted(per_person.items(), key=lambda kv: (-kv[1].cost, now.name(kv[0])))
    ]
    by_person = Table(
        name="by_person",
        title=_("By person"),
        columns=[
            Column(key="person", label=_("Person")),
            Column(key="role", label=_("Role")),
            Column(key="days", label=_("Days"), kind="int"),
            Column(key="hours", label=_("Hours"), kind="qty"),
            Column(key="overtime_hours", label=_("Overtime hours"), kind="qty"),
            Column(key="labour_cost", label=_("Labour cost"), kind="money"),
            Column(key="rate_missing", label=_("Note")),
        ],
        rows=person_rows,
        chart=Chart(kind="bar", x="person", series=["hours", "overtime_hours"]),
    )

    per_role = now.by(lambda s: now.role(s.user_id), None, lambda user_id, _d: now.role(user_id))
    people_in_role: dict[str, set[int]] = defaultdict(set)
    for s in now.parts:
        people_in_role[now.role(s.user_id)].add(s.user_id)
    total_cost = now.total().cost
    by_role = Table(
        name="by_role",
        title=_("By role"),
        columns=[
            Column(key="role", label=_("Role")),
            Column(key="people", label=_("People"), kind="int"),
            Column(key="hours", label=_("Hours"), kind="qty"),
            Column(key="overtime_hours", label=_("Overtime hours"), kind="qty"),
            Column(key="labour_cost", label=_("Labour cost"), kind="money"),
            Column(key="share", label=_("Share of labour cost"), kind="percent"),
        ],
        rows=[
            {
                "role": _role_label(role),
                "people": len(people_in_role[role]),
                "hours": _hours(v.seconds),
                "overtime_hours": _hours(v.overtime),
                "labour_cost": quantize(v.cost, places),
                "share": percent(v.cost, total_cost),
            }
            for role, v in sorted(per_role.items(), key=lambda kv: -kv[1].cost)
        ],
        chart=Chart(kind="donut", x="role", series=["labour_cost"]),
    )
    tables = [by_hour, period_table, by_person, by_role]

    if len(scope.branches) > 1:
        names = {b.id: b.name for b in scope.branches}
        per_branch = now.by(lambda s: s.branch_id, lambda branch_id, _d, _h: branch_id)
        tables.append(
            Table(
                name="by_branch",
                title=_("Branches side by side"),
                columns=[Column(key="branch", label=_("Branch")), *_money_columns()],
                rows=[
                    {"branch": names.get(k, str(k))}
                    | {x: y for x, y in v.row(places).items() if x != "overtime_hours"}
                    for k, v in sorted(per_branch.items(), key=lambda kv: names.get(kv[0], ""))
                ],
                chart=Chart(kind="bar", x="branch", series=["net_sales", "labour_cost"]),
            )
        )

    if split != "none":
        names = {b.id: b.name for b in scope.branches}

        def key_of(s: Slice) -> str:
            if split == "person":
                return now.name(s.user_id)
            if split == "role":
                return _role_label(now.role(s.user_id))
            return names.get(s.branch_id, str(s.branch_id))

        split_sums = now.by(lambda s: (_bucket(s.day, period), key_of(s)))
        split_labels = {"person": _("Person"), "role": _("Role"), "branch": _("Branch")}
        split_titles = {
            "person": _("Labour cost over time by person"),
            "role": _("Labour cost over time by role"),
            "branch": _("Labour cost over time by branch"),
        }
        tables.append(
            Table(
                name="split",
                title=split_titles[split],
                columns=[
                    Column(key="bucket", label=labels[period], kind="date"),
                    Column(key="key", label=split_labels[split]),
                    Column(key="hours", label=_("Hours"), kind="qty"),
                    Column(key="labour_cost", label=_("Labour cost"), kind="money"),
                ],
                rows=[
                    {
                        "bucket": k[0],
                        "key": k[1],
                        "hours": _hours(v.seconds),
                        "labour_cost": quantize(v.cost, places),
                    }
                    for k, v in sorted(split_sums.items())
                ],
                chart=Chart(kind="stacked_bar", x="bucket", series=["labour_cost"], stack="key"),
            )
        )
    return figures, tables

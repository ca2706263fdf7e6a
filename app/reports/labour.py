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
- overtime is the time a person works past their branch's limit (`branches.overtime_after_minutes`, 8 h
  unless the branch says otherwise) in the shifts that started on one local day, so a night shift across
  midnight is one working day, not two short ones; a day worked at two branches takes the lower limit;
- a person's role is the first of their roles in `ROLE_ORDER` (hours are never counted twice);
- a manager's report leaves admins' hours out: their cost would tell an admin's pay.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import text

from app.lib.errors import unprocessable
from app.reports._build import BUCKETS, figure, grouped, percent, quantize
from app.reports._text import _, _p
from app.reports.schemas import Chart, Column, Figure, Table

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.reports.scope import Dates, Scope

HOUR = Decimal(3600)
ROLE_ORDER = ("manager", "cashier", "kitchen", "courier", "hr", "admin")
LabourPeriod = Literal["day", "week", "month"]
LabourSplit = Literal["none", "person", "role", "branch"]
PERIODS = ("day", "week", "month")
SPLITS = ("none", "person", "role", "branch")

# Each entry's part inside the range is cut at the branch's local midnights into pieces (a night shift is
# two), each costed at the rate of its local day, looked up once per piece (a year is ~3 k pieces); every
# table but the one by hour of day is summed from the pieces. That table cuts the pieces again at local
# clock hours (date_trunc in the branch's zone, so a zone on a half hour cuts at its own hours; cut in
# absolute time, so a DST night has its real length) and sums them straight into 24 rows, the rate carried
# along. All of it in SQL: decoding ~25 k hour slices a year in Python was most of the page.
# `rated_secs` is seconds x rate, exact in numeric; Python divides by 3600 once per figure. Overtime is a
# person's time past the limit in the shifts that started on one local day.
# A row's grouping set is told by which of hour/bucket/user_id/branch_id are not null (none of them is
# ever null in the data), and `overtime` marks the overtime sums.
_SUMS = text(
    """
WITH e AS (
    SELECT t.user_id, t.branch_id, b.timezone, b.overtime_after_minutes * 60 AS limit_secs,
           (t.clock_in_at AT TIME ZONE b.timezone)::date AS shift_day,
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
cut AS (
    SELECT e.branch_id, e.user_id, e.timezone, e.limit_secs, e.shift_day, d.day::date AS day,
           greatest(e.s, d.day AT TIME ZONE e.timezone) AS ps,
           least(e.f, (d.day + interval '1 day') AT TIME ZONE e.timezone) AS pf
    FROM e
    -- Local midnights as plain timestamps (never the session's zone), each read in the branch's zone.
    CROSS JOIN LATERAL generate_series(
        date_trunc('day', e.s AT TIME ZONE e.timezone), e.f AT TIME ZONE e.timezone, interval '1 day'
    ) AS d(day)
    WHERE e.f > e.s
),
pieces AS MATERIALIZED (
    SELECT c.branch_id, c.user_id, c.timezone, c.limit_secs, c.shift_day, c.ps, c.pf,
           extract(epoch FROM c.pf - c.ps) AS secs,
           r.hourly_rate AS rate, date_trunc(CAST(:period AS text), c.day::timestamp)::date AS bucket
    FROM cut AS c
    LEFT JOIN LATERAL (
        SELECT p.hourly_rate FROM pay_rates AS p
        WHERE p.user_id = c.user_id AND (p.branch_id = c.branch_id OR p.branch_id IS NULL)
          AND p.effective_from <= c.day
        ORDER BY (p.branch_id IS NULL), p.effective_from DESC
        LIMIT 1
    ) AS r ON true
    WHERE c.pf > c.ps
),
overtime AS (
    SELECT user_id, date_trunc(CAST(:period AS text), shift_day::timestamp)::date AS bucket,
           sum(secs) - min(limit_secs) AS secs
    FROM pieces GROUP BY user_id, shift_day HAVING sum(secs) > min(limit_secs)
)
SELECT false AS overtime, h.hour, NULL::date AS bucket, NULL::bigint AS user_id, NULL::bigint AS branch_id,
       sum(h.secs) AS secs, sum(h.secs * coalesce(p.rate, 0)) AS rated_secs, false AS no_rate, 0::bigint AS days
FROM pieces AS p
CROSS JOIN LATERAL (
    SELECT extract(hour FROM x.h AT TIME ZONE p.timezone)::int AS hour,
           extract(epoch FROM least(x.h + interval '1 hour', p.pf) - greatest(x.h, p.ps)) AS secs
    FROM generate_series(date_trunc('hour', p.ps, p.timezone), p.pf, interval '1 hour') AS x(h)
    WHERE x.h < p.pf
) AS h
GROUP BY h.hour
UNION ALL
SELECT false, NULL, bucket, user_id, branch_id, sum(secs), sum(secs * coalesce(rate, 0)), bool_or(rate IS NULL),
       count(DISTINCT shift_day)
FROM pieces
GROUP BY GROUPING SETS ((), (bucket), (user_id), (branch_id), (bucket, user_id), (bucket, branch_id))
UNION ALL
SELECT true, NULL, bucket, user_id, NULL, sum(secs), 0, false, 0
FROM overtime
GROUP BY GROUPING SETS ((), (bucket), (user_id))
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


async def _net_sales(session: AsyncSession, scope: Scope, dates: Dates, period: LabourPeriod) -> list[Any]:
    """Net sales summed in SQL: in all, per hour of day, per bucket of the period and per branch (which of
    hour/bucket/branch_id is not null tells the grouping set)."""
    bucket = BUCKETS[period]
    return await grouped(
        session,
        "report_sales_hourly",
        scope.branch_ids,
        dates,
        select=f"r.hour, {bucket} AS bucket, r.branch_id, sum(r.net) AS net",
        group=f"GROUPING SETS ((), (r.hour), ({bucket}), (r.branch_id))",
        months=period == "month",
    )


def _hours(seconds: Decimal) -> Decimal:
    return quantize(seconds / HOUR, 2)


@dataclass(slots=True)
class _Sums:
    seconds: Decimal = Decimal(0)
    rated_seconds: Decimal = Decimal(0)  # seconds x hourly rate: the cost is this / 3600
    net: Decimal = Decimal(0)
    overtime: Decimal = Decimal(0)

    @property
    def cost(self) -> Decimal:
        return self.rated_seconds / HOUR

    def add(self, other: _Sums) -> None:
        self.seconds += other.seconds
        self.rated_seconds += other.rated_seconds
        self.net += other.net
        self.overtime += other.overtime

    def row(self, places: int) -> dict[str, Any]:
        return {
            "hours": _hours(self.seconds),
            "labour_cost": quantize(self.cost, places),
            "net_sales": quantize(self.net, places),
            "labour_pct": percent(self.cost, self.net),
            "overtime_hours": _hours(self.overtime),
        }


@dataclass(slots=True)
class _Period:
    """One range's time, cost, overtime and sales, summed in SQL every way the report shows."""

    total: _Sums = field(default_factory=_Sums)
    by_hour: dict[int, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    by_bucket: dict[dt.date, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    by_person: dict[int, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    by_branch: dict[int, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    by_bucket_person: dict[tuple[dt.date, int], _Sums] = field(default_factory=dict)
    by_bucket_branch: dict[tuple[dt.date, int], _Sums] = field(default_factory=dict)
    days_worked: dict[int, int] = field(default_factory=dict)
    no_rate: set[int] = field(default_factory=set)
    people: dict[int, tuple[str, str]] = field(default_factory=dict)

    def name(self, user_id: int) -> str:
        return self.people.get(user_id, (str(user_id), ""))[0]

    def role(self, user_id: int) -> str:
        return self.people.get(user_id, ("", ""))[1]


def _work(p: _Period, r: Any) -> None:
    sums = _Sums(seconds=Decimal(r.secs), rated_seconds=Decimal(r.rated_secs))
    if r.hour is not None:
        p.by_hour[r.hour].add(sums)
    elif r.user_id is not None and r.bucket is not None:
        p.by_bucket_person[r.bucket, r.user_id] = sums
    elif r.branch_id is not None and r.bucket is not None:
        p.by_bucket_branch[r.bucket, r.branch_id] = sums
    elif r.bucket is not None:
        p.by_bucket[r.bucket].add(sums)
    elif r.user_id is not None:
        p.by_person[r.user_id].add(sums)
        p.days_worked[r.user_id] = r.days
        if r.no_rate:
            p.no_rate.add(r.user_id)
    elif r.branch_id is not None:
        p.by_branch[r.branch_id].add(sums)
    else:
        p.total.add(sums)


def _overtime(p: _Period, r: Any) -> None:
    seconds = Decimal(r.secs)
    if r.bucket is not None:
        p.by_bucket[r.bucket].overtime += seconds
    elif r.user_id is not None:
        p.by_person[r.user_id].overtime += seconds
    else:
        p.total.overtime += seconds


async def _period(
    session: AsyncSession, scope: Scope, dates: Dates, period: LabourPeriod, *, hide_admins: bool
) -> _Period:
    p = _Period()
    rows = await session.execute(
        _SUMS,
        {
            "branch_ids": scope.branch_ids,
            "date_from": dates.date_from,
            "date_to": dates.date_to,
            "hide_admins": hide_admins,
            "period": period,
        },
    )
    for r in rows:
        if r.secs is None:
            continue  # the grand total of nothing at all
        (_overtime if r.overtime else _work)(p, r)
    for n in await _net_sales(session, scope, dates, period):
        net = Decimal(n["net"] or 0)
        if n["hour"] is not None:
            p.by_hour[int(n["hour"])].net += net
        elif n["bucket"] is not None:
            p.by_bucket[n["bucket"]].net += net
        elif n["branch_id"] is not None:
            p.by_branch[n["branch_id"]].net += net
        else:
            p.total.net += net
    if p.by_person:
        for row in await session.execute(_PEOPLE, {"ids": sorted(p.by_person)}):
            roles = set(row.roles)
            p.people[row.id] = (row.name, next((r for r in ROLE_ORDER if r in roles), ""))
    return p


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
    return [{"bucket": h} | p.by_hour.get(h, _Sums()).row(places) for h in hours]


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
    now = await _period(session, scope, dates, period, hide_admins=hide_admins)
    before = (
        await _period(session, scope, dates.previous(), period, hide_admins=hide_admins) if compare else None
    )
    figures = _figures(
        now.total, len(now.by_person), (before.total, len(before.by_person)) if before else None, places
    )

    # Hour of day: every hour with work or sales in either period, so the two lines share one axis.
    hours = sorted(set(now.by_hour) | (set(before.by_hour) if before else set()))
    by_hour = Table(
        name="by_hour",
        title=_("Labour cost and net sales by hour of day"),
        columns=[Column(key="bucket", label=_("Hour"), kind="hour"), *_money_columns()],
        rows=_hour_rows(now, hours, places),
        chart=Chart(kind="bar", x="bucket", series=["net_sales", "labour_cost"], compare=compare),
        previous=_hour_rows(before, hours, places) if before else None,
    )

    labels = {"day": _("Day"), "week": _("Week of"), "month": _("Month")}
    period_table = Table(
        name="over_time",
        title=_("Labour cost against net sales over time"),
        columns=[
            Column(key="bucket", label=labels[period], kind="date"),
            *_money_columns(),
            Column(key="overtime_hours", label=_("Overtime hours"), kind="qty"),
        ],
        rows=[{"bucket": k} | v.row(places) for k, v in sorted(now.by_bucket.items())],
        chart=Chart(kind="line", x="bucket", series=["net_sales", "labour_cost"]),
    )

    person_rows = [
        {
            "person": now.name(user_id),
            "role": _role_label(now.role(user_id)),
            "days": now.days_worked.get(user_id, 0),
            "hours": _hours(v.seconds),
            "overtime_hours": _hours(v.overtime),
            "labour_cost": quantize(v.cost, places),
            "rate_missing": _("no rate") if user_id in now.no_rate else "",
        }
        for user_id, v in sorted(now.by_person.items(), key=lambda kv: (-kv[1].cost, now.name(kv[0])))
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

    # A person has one role (the first in ROLE_ORDER), so roles are their people's sums.
    per_role: dict[str, _Sums] = defaultdict(_Sums)
    people_in_role: dict[str, int] = defaultdict(int)
    for user_id, v in now.by_person.items():
        per_role[now.role(user_id)].add(v)
        people_in_role[now.role(user_id)] += 1
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
                "people": people_in_role[role],
                "hours": _hours(v.seconds),
                "overtime_hours": _hours(v.overtime),
                "labour_cost": quantize(v.cost, places),
                "share": percent(v.cost, now.total.cost),
            }
            for role, v in sorted(per_role.items(), key=lambda kv: -kv[1].cost)
        ],
        chart=Chart(kind="donut", x="role", series=["labour_cost"]),
    )
    tables = [by_hour, period_table, by_person, by_role]

    names = {b.id: b.name for b in scope.branches}
    if len(scope.branches) > 1:
        tables.append(
            Table(
                name="by_branch",
                title=_("Branches side by side"),
                columns=[Column(key="branch", label=_("Branch")), *_money_columns()],
                rows=[
                    {"branch": names.get(k, str(k))}
                    | {x: y for x, y in v.row(places).items() if x != "overtime_hours"}
                    for k, v in sorted(now.by_branch.items(), key=lambda kv: names.get(kv[0], ""))
                ],
                chart=Chart(kind="bar", x="branch", series=["net_sales", "labour_cost"]),
            )
        )

    if split != "none":
        split_sums: dict[tuple[dt.date, str], _Sums] = defaultdict(_Sums)
        if split == "branch":
            for (bucket, branch_id), v in now.by_bucket_branch.items():
                split_sums[bucket, names.get(branch_id, str(branch_id))].add(v)
        else:
            for (bucket, user_id), v in now.by_bucket_person.items():
                key = now.name(user_id) if split == "person" else _role_label(now.role(user_id))
                split_sums[bucket, key].add(v)
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

"""The labour report against an independent computation: clock entries walked minute by minute in the
branch's zone (Cairo, not UTC), rates looked up by plain Python rules, net sales summed from the order rows.
A night shift crosses midnight, a rate changes at that midnight, a branch rate beats a general one, an entry
starts before the range, one person has no rate."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

from tests.integration.reports.shop import Rows, make_shop, q
from tests.support.auth import login
from tests.support.factory import Factory

OVERTIME = Decimal(8 * 3600)


async def _user_id(session: Any, username: str) -> int:
    found = await session.scalar(text("SELECT id FROM users WHERE username = :u"), {"u": username})
    assert found is not None
    return int(found)


def _rate(
    rates: list[tuple[int, int | None, Decimal, dt.date]], user: int, branch: int, day: dt.date
) -> Decimal | None:
    own = [r for r in rates if r[0] == user and r[1] == branch and r[3] <= day]
    general = [r for r in rates if r[0] == user and r[1] is None and r[3] <= day]
    pool = own or general
    return max(pool, key=lambda r: r[3])[2] if pool else None


async def test_labour_figures_match_an_independent_computation(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await make_shop(factory, db_session, days=6, per_day=30)
    branch = shop.inclusive
    zone = ZoneInfo(branch.timezone)
    assert branch.timezone != "UTC"
    today = dt.datetime.now(zone).date()
    start, end = today - dt.timedelta(days=5), today - dt.timedelta(days=1)
    cook = await factory.user("cook", roles=("kitchen",), branches=(await _branch(db_session, branch.id),))
    del cook
    till, till2, boss, cook_id = (
        await _user_id(db_session, "till"),
        await _user_id(db_session, "till2"),
        await _user_id(db_session, "incboss"),
        await _user_id(db_session, "cook"),
    )
    night = start + dt.timedelta(days=1)
    rates: list[tuple[int, int | None, Decimal, dt.date]] = [
        (till, None, Decimal("50.00"), start - dt.timedelta(days=30)),
        # The raise starts at the midnight the night shift crosses.
        (till, None, Decimal("60.00"), night + dt.timedelta(days=1)),
        (till2, None, Decimal("99.00"), start - dt.timedelta(days=30)),
        (till2, branch.id, Decimal("45.50"), start - dt.timedelta(days=30)),
        (boss, None, Decimal("80.25"), start),
    ]
    for user, branch_id, rate, day in rates:
        await db_session.execute(
            text(
                "INSERT INTO pay_rates (user_id, branch_id, hourly_rate, effective_from) VALUES (:u, :b, :r, :d)"
            ),
            {"u": user, "b": branch_id, "r": rate, "d": day},
        )

    def local(day: dt.date, hh: int, mm: int) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=zone)

    entries = [
        (till, local(night, 20, 15), local(night + dt.timedelta(days=1), 6, 45)),  # 10.5 h across midnight
        (till2, local(start - dt.timedelta(days=1), 22, 0), local(start, 3, 10)),  # starts before the range
        (boss, local(start, 8, 58), local(start, 17, 31)),
        (boss, local(start + dt.timedelta(days=2), 9, 5), local(start + dt.timedelta(days=2), 19, 20)),
        (till2, local(start + dt.timedelta(days=2), 11, 0), local(start + dt.timedelta(days=2), 15, 7)),
        (cook_id, local(start + dt.timedelta(days=3), 10, 0), local(start + dt.timedelta(days=3), 18, 30)),
        (till, local(end, 12, 1), local(end, 16, 59)),
        # Outside the range altogether.
        (till, local(end + dt.timedelta(days=1), 1, 0), local(end + dt.timedelta(days=1), 2, 0)),
    ]
    for user, clock_in, clock_out in entries:
        await db_session.execute(
            text(
                "INSERT INTO time_entries (user_id, branch_id, clock_in_at, clock_out_at) VALUES (:u, :b, :i, :o)"
            ),
            {"u": user, "b": branch.id, "i": clock_in, "o": clock_out},
        )
    await db_session.commit()

    # ---- the independent computation: minute by minute in Cairo time
    seconds: dict[str, dict[Any, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    cost: dict[str, dict[Any, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    shift_seconds: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    roles = {till: "Cashier", till2: "Cashier", boss: "Manager", cook_id: "Kitchen"}
    for user, clock_in, clock_out in entries:
        minute = clock_in
        while minute < clock_out:
            here = minute.astimezone(zone)
            if start <= here.date() <= end:
                rate = _rate(rates, user, branch.id, here.date()) or Decimal(0)
                c = rate * 60 / Decimal(3600)
                for key, value in (
                    ("hour", here.hour),
                    ("day", here.date()),
                    ("user", user),
                    ("role", roles[user]),
                    ("all", 0),
                ):
                    seconds[key][value] += 60
                    cost[key][value] += c
                shift_seconds[user, clock_in.astimezone(zone).date()] += 60
            minute += dt.timedelta(minutes=1)
    overtime: dict[int, Decimal] = defaultdict(Decimal)
    for (user, _day), secs in shift_seconds.items():
        if secs > OVERTIME:
            overtime[user] += secs - OVERTIME
    # The night shift: 10.5 h on the day it started, so 2.5 h overtime; nobody else passes 8 h but the
    # boss's 10 h 15 min and the cook's 8.5 h.
    assert overtime[till] == Decimal(150 * 60)

    rows = await Rows().load(db_session)
    net_by_hour: dict[int, Decimal] = defaultdict(Decimal)
    net_by_day: dict[dt.date, Decimal] = defaultdict(Decimal)
    for o in rows.orders(branch.id, start, end):
        if o["state"] == "cancelled":
            continue
        hour = rows.local(branch.id, o["created_at"]).hour
        net_by_hour[hour] += o["subtotal"]
        net_by_day[o["business_date"]] += o["subtotal"]
    assert sum(net_by_hour.values()) > 0

    await login(client, "incboss")
    response = await client.get(
        "/api/v1/reports/labour", params={"from": start.isoformat(), "to": end.isoformat(), "compare": "true"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    figs = {f["key"]: f for f in body["figures"]}
    assert Decimal(figs["hours"]["value"]) == q(seconds["all"][0] / 3600)
    assert Decimal(figs["labour_cost"]["value"]) == q(cost["all"][0])
    assert Decimal(figs["net_sales"]["value"]) == q(sum(net_by_hour.values()))
    assert Decimal(figs["labour_pct"]["value"]) == q(cost["all"][0] * 100 / sum(net_by_hour.values()), 1)
    assert Decimal(figs["overtime_hours"]["value"]) == q(sum(overtime.values()) / 3600)
    assert figs["people"]["value"] == 4
    assert figs["hours"]["previous"] is not None  # compare asked: the period before is there (till2's 2 h)
    assert figs["labour_pct"]["lower_is_better"] and not figs["net_sales"]["lower_is_better"]

    tables = {t["name"]: t for t in body["tables"]}
    by_hour = {r["bucket"]: r for r in tables["by_hour"]["rows"]}
    for hour in set(seconds["hour"]) | set(net_by_hour):
        row = by_hour[hour]
        assert Decimal(row["hours"]) == q(seconds["hour"][hour] / 3600), hour
        assert Decimal(row["labour_cost"]) == q(cost["hour"][hour]), hour
        assert Decimal(row["net_sales"]) == q(net_by_hour[hour]), hour
        expected_pct = q(cost["hour"][hour] * 100 / net_by_hour[hour], 1) if net_by_hour[hour] else None
        assert (None if row["labour_pct"] is None else Decimal(row["labour_pct"])) == expected_pct, hour
    assert len(tables["by_hour"]["previous"]) == len(tables["by_hour"]["rows"])

    by_day = {r["bucket"]: r for r in tables["over_time"]["rows"]}
    for day, secs in seconds["day"].items():
        assert Decimal(by_day[day.isoformat()]["hours"]) == q(secs / 3600)
        assert Decimal(by_day[day.isoformat()]["labour_cost"]) == q(cost["day"][day])
        assert Decimal(by_day[day.isoformat()]["net_sales"]) == q(net_by_day[day])
    # The night shift's two days are costed at two rates: 3 h 45 min at 50, 6 h 45 min at 60.
    assert Decimal(by_day[(night + dt.timedelta(days=1)).isoformat()]["labour_cost"]) >= q(
        Decimal("6.75") * 60
    )

    names = dict(
        (
            await db_session.execute(text("SELECT id, coalesce(nullif(full_name, ''), username) FROM users"))
        ).all()
    )
    await db_session.rollback()
    names = {u: names[u] for u in (till, till2, boss, cook_id)}
    by_person = {r["person"]: r for r in tables["by_person"]["rows"]}
    for user, name in names.items():
        row = by_person[name]
        assert Decimal(row["hours"]) == q(seconds["user"][user] / 3600), name
        assert Decimal(row["labour_cost"]) == q(cost["user"][user]), name
        assert Decimal(row["overtime_hours"]) == q(overtime[user] / 3600), name
        assert row["role"] == roles[user]
    assert by_person[names[cook_id]]["rate_missing"] and not by_person[names[till]]["rate_missing"]
    by_role = {r["role"]: r for r in tables["by_role"]["rows"]}
    for role in set(roles.values()):
        assert Decimal(by_role[role]["labour_cost"]) == q(cost["role"][role]), role

    # Split by person: each person's cost per day adds up to their total.
    response = await client.get(
        "/api/v1/reports/labour",
        params={"from": start.isoformat(), "to": end.isoformat(), "by": "person", "period": "week"},
    )
    split = next(t for t in response.json()["tables"] if t["name"] == "split")
    assert sum(Decimal(r["labour_cost"]) for r in split["rows"] if r["key"] == names[till]) == q(
        cost["user"][till]
    )
    # The branch's own rule: overtime after 10 h. Only the night shift (10.5 h) and the boss's 10 h 15 min
    # pass it now.
    await db_session.execute(
        text("UPDATE branches SET overtime_after_minutes = 600 WHERE id = :b"), {"b": branch.id}
    )
    await db_session.commit()
    longer: dict[int, Decimal] = defaultdict(Decimal)
    for (user, _day), secs in shift_seconds.items():
        if secs > 600 * 60:
            longer[user] += secs - 600 * 60
    assert longer == {till: Decimal(30 * 60), boss: Decimal(15 * 60)}
    body = (
        await client.get("/api/v1/reports/labour", params={"from": start.isoformat(), "to": end.isoformat()})
    ).json()
    assert {f["key"]: f for f in body["figures"]}["overtime_hours"]["value"] == str(
        q(Decimal(45 * 60) / 3600)
    )
    rows = {r["person"]: r for t in body["tables"] if t["name"] == "by_person" for r in t["rows"]}
    assert Decimal(rows[names[till]]["overtime_hours"]) == q(Decimal("0.5"))
    assert Decimal(rows[names[boss]]["overtime_hours"]) == q(Decimal("0.25"))

    for fmt in ("csv", "xlsx"):
        response = await client.get(
            "/api/v1/reports/labour", params={"from": start.isoformat(), "format": fmt, "table": "by_person"}
        )
        assert response.status_code == 200, response.text


async def _branch(session: Any, branch_id: int) -> Any:
    from app.db.models import Branch

    return await session.get(Branch, branch_id)


async def test_admins_compare_branches_and_bad_questions_get_clear_answers(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await make_shop(factory, db_session, days=2, per_day=5)
    await factory.user("owner", roles=("admin",))
    second = await factory.branch(code="INC2", timezone="Africa/Cairo")
    owner = await _user_id(db_session, "owner")
    for branch_id in (shop.inclusive.id, second.id):
        await db_session.execute(
            text(
                "INSERT INTO time_entries (user_id, branch_id, clock_in_at, clock_out_at) "
                "VALUES (:u, :b, now() - interval '26 hours', now() - interval '25 hours')"
            ),
            {"u": owner, "b": branch_id},
        )
    await db_session.commit()
    await login(client, "incboss")
    for params, field in (
        ({"from": "2023-01-01", "to": "2026-01-02"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"by": "weather"}, "by"),
        ({"by": "channel"}, "by"),
        ({"period": "fortnight"}, "period"),
        ({"format": "pdf"}, "format"),
    ):
        response = await client.get("/api/v1/reports/labour", params=params)
        assert response.status_code == 422, (params, response.text)
        assert field in response.json()["detail"], response.text
    response = await client.get("/api/v1/reports/labour", params={"branch_id": shop.exclusive.id})
    assert response.status_code == 404
    # The owner (an admin) worked an hour here: a manager's report leaves it out (it would tell their pay).
    body = (await client.get("/api/v1/reports/labour")).json()
    assert {f["key"]: f["value"] for f in body["figures"]}["hours"] == "0.00"
    await client.post("/api/v1/auth/logout")
    await login(client, "boss")
    body = (await client.get("/api/v1/reports/labour", params={"by": "branch"})).json()
    # The two branches trade in two currencies: one at a time, never added together.
    assert [b["id"] for b in body["branches"]] == [shop.inclusive.id]
    await client.post("/api/v1/auth/logout")
    await login(client, "owner")
    body = (await client.get("/api/v1/reports/labour", params={"currency": "GBP"})).json()
    assert [b["id"] for b in body["branches"]] == [shop.exclusive.id]
    body = (await client.get("/api/v1/reports/labour", params={"currency": "EGP", "by": "branch"})).json()
    assert {b["id"] for b in body["branches"]} == {shop.inclusive.id, second.id}
    side = next(t for t in body["tables"] if t["name"] == "by_branch")["rows"]
    assert len(side) == 2 and all(Decimal(r["hours"]) == Decimal("1.00") for r in side)
    split = next(t for t in body["tables"] if t["name"] == "split")["rows"]
    assert len({r["key"] for r in split}) == 2


async def test_the_demo_shop_has_labour_history_to_show(client: httpx.AsyncClient, db_session: Any) -> None:
    from app.demo import DEMO_PASSWORD, seed_demo
    from app.reports.history import seed_history
    from app.staff.labour_history import seed_labour

    await seed_demo(db_session)
    await seed_history(db_session, days=14, orders_per_day=40, today=True)
    written = await seed_labour(db_session, days=14)
    assert written > 14 * 5
    assert await seed_labour(db_session, days=14) == 0  # once
    open_entries = await db_session.scalar(
        text(
            "SELECT count(*) FROM time_entries WHERE clock_out_at IS NULL GROUP BY user_id ORDER BY 1 DESC LIMIT 1"
        )
    )
    assert open_entries in (None, 1)
    midnight = await db_session.scalar(
        text(
            "SELECT count(*) FROM time_entries AS t JOIN branches AS b ON b.id = t.branch_id "
            "WHERE (t.clock_in_at AT TIME ZONE b.timezone)::date < (t.clock_out_at AT TIME ZONE b.timezone)::date"
        )
    )
    assert midnight > 0
    await db_session.rollback()
    await login(client, "manager", DEMO_PASSWORD)
    body = (await client.get("/api/v1/reports/labour", params={"compare": "true"})).json()
    figs = {f["key"]: f for f in body["figures"]}
    assert Decimal(figs["labour_cost"]["value"]) > 0 and Decimal(figs["net_sales"]["value"]) > 0
    assert Decimal(figs["labour_pct"]["value"]) > 0  # (about 14 % at the demo's 250 orders a day)
    assert Decimal(figs["overtime_hours"]["value"]) > 0
    names = {t["name"] for t in body["tables"]}
    assert {"by_hour", "over_time", "by_person", "by_role", "by_branch"} <= names

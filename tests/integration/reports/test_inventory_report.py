"""The inventory report against an independent computation: the generated history's ledger, documents and
orders read back with plain SELECTs and summed in Python (the moving average replayed move by move), none
of the report's SQL reused. Also the bad questions, the branch rule and the exports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

from tests.integration.reports.shop import Shop, make_shop, q
from tests.support.auth import login
from tests.support.factory import Factory

ZERO = Decimal(0)


async def _shop(factory: Factory, db_session: Any, **kw: Any) -> Shop:
    from app.reports.inventory_history import seed_inventory_history

    shop = await make_shop(factory, db_session, **kw)
    # A till in each branch, for the history's petty cash shift.
    await db_session.execute(
        text("INSERT INTO pos_profiles (branch_id, code, name) SELECT id, 'till-1', 'Till 1' FROM branches")
    )
    done = await seed_inventory_history(db_session)
    assert done.moves > 0 and done.receipts > 0 and done.expenses > 0
    assert done.counts > 0 or kw["days"] < 7
    return shop


def _figures(body: dict[str, Any]) -> dict[str, Any]:
    return {f["key"]: f["value"] for f in body["figures"]}


def _table(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(t for t in body["tables"] if t["name"] == name)["rows"]


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else q(part * 100 / whole, 1)


class Expected:
    """Everything the report says about one branch and range, computed from the raw rows."""

    def __init__(self, session: Any, branch: Any, date_from: dt.date, date_to: dt.date) -> None:
        self.session, self.branch = session, branch
        zone = ZoneInfo(branch.timezone)
        self.lo = dt.datetime.combine(date_from, dt.time(), zone)
        self.hi = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), zone)
        self.date_from, self.date_to = date_from, date_to
        self.days = (date_to - date_from).days + 1

    async def load(self) -> Expected:
        s, b = self.session, self.branch.id
        moves = (
            await s.execute(
                text(
                    "SELECT product_id, kind, qty, unit_cost, created_at FROM stock_moves "
                    "WHERE branch_id = :b ORDER BY created_at, id"
                ),
                {"b": b},
            )
        ).all()
        stock = {
            r.product_id: r
            for r in await s.execute(
                text(
                    "SELECT product_id, qty, avg_cost, reorder_point FROM product_stock WHERE branch_id = :b"
                ),
                {"b": b},
            )
        }
        # The moving average replayed: the stock row's cost must be what the ledger's receipts make it.
        replay: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for m in moves:
            held = replay[m.product_id]
            if m.qty > 0 and m.kind in ("receipt", "transfer_in"):
                held[1] = ((held[0] * held[1] + m.qty * m.unit_cost) / (held[0] + m.qty)).quantize(
                    Decimal("0.0001")
                )
            elif m.kind not in ("opening", "receipt", "transfer_in"):
                assert m.unit_cost == held[1] or held[0] == 0, (m, held)
            if m.kind == "opening":
                held[1] = m.unit_cost
            held[0] += m.qty
        for product_id, (qty, avg) in replay.items():
            assert stock[product_id].qty == qty
            assert stock[product_id].avg_cost == avg
        self.value_now = {p: r.qty * r.avg_cost for p, r in stock.items()}
        after: dict[int, Decimal] = defaultdict(Decimal)
        since: dict[int, Decimal] = defaultdict(Decimal)
        kinds: dict[str, Decimal] = defaultdict(Decimal)
        moved: set[int] = set()
        self.used_qty: dict[int, Decimal] = defaultdict(Decimal)
        self.used_value: dict[int, Decimal] = defaultdict(Decimal)
        self.waste_qty: dict[int, Decimal] = defaultdict(Decimal)
        for m in moves:
            value = m.qty * m.unit_cost
            if m.created_at >= self.hi:
                after[m.product_id] += value
            if m.created_at >= self.lo:
                since[m.product_id] += value
            if self.lo <= m.created_at < self.hi:
                kinds[m.kind] += value
                moved.add(m.product_id)
                if m.kind == "waste":
                    self.waste_qty[m.product_id] += -m.qty
                if m.kind in ("sale", "cancel"):
                    self.used_qty[m.product_id] += -m.qty
                    self.used_value[m.product_id] += -value
        self.value_end_by = {p: self.value_now[p] - after[p] for p in stock}
        self.value_start_by = {p: self.value_now[p] - since[p] for p in stock}
        self.qty_end = {
            p: stock[p].qty
            - sum((m.qty for m in moves if m.product_id == p and m.created_at >= self.hi), ZERO)
            for p in stock
        }
        self.kinds = kinds
        self.below = sum(1 for r in stock.values() if r.reorder_point is not None and r.qty < r.reorder_point)
        self.dead = sum(1 for p in stock if p not in moved and self.qty_end[p] > 0)
        self.net = Decimal(
            await s.scalar(
                text(
                    "SELECT coalesce(sum(subtotal), 0) FROM orders WHERE branch_id = :b AND business_date "
                    "BETWEEN :f AND :t AND state NOT IN ('scheduled', 'cancelled')"
                ),
                {"b": b, "f": self.date_from, "t": self.date_to},
            )
        )
        self.owed = Decimal(
            await s.scalar(
                text(
                    "SELECT coalesce(sum(amount - paid), 0) FROM supplier_invoices WHERE branch_id = :b AND state = 'open'"
                ),
                {"b": b},
            )
        )
        self.spend = {
            name: Decimal(total)
            for name, total in await s.execute(
                text(
                    "SELECT su.name, sum(r.total) FROM purchase_receipts AS r "
                    "JOIN purchase_orders AS o ON o.id = r.purchase_order_id JOIN suppliers AS su ON su.id = o.supplier_id "
                    "WHERE r.branch_id = :b AND r.received_at >= :lo AND r.received_at < :hi GROUP BY 1"
                ),
                {"b": b, "lo": self.lo, "hi": self.hi},
            )
        }
        self.petty = {
            cat: Decimal(total)
            for cat, total in await s.execute(
                text(
                    "SELECT category, sum(amount) FROM expenses WHERE branch_id = :b AND state = 'approved' "
                    "AND created_at >= :lo AND created_at < :hi GROUP BY 1"
                ),
                {"b": b, "lo": self.lo, "hi": self.hi},
            )
        }
        # Cost of what was sold, line by line, from the (one-level) recipes at the range's ingredient costs.
        recipes: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        for product_id, ingredient_id, gross in await s.execute(
            text("SELECT product_id, ingredient_id, gross_qty FROM recipe_lines")
        ):
            recipes[product_id].append((ingredient_id, gross))

        def unit_cost(p: int) -> Decimal:
            return self.used_value[p] / self.used_qty[p] if self.used_qty[p] > 0 else stock[p].avg_cost

        self.margin: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for category, product_id, qty, net in await s.execute(
            text(
                "SELECT c.name, l.product_id, l.qty, l.line_subtotal FROM order_lines AS l "
                "JOIN orders AS o ON o.id = l.order_id JOIN products AS p ON p.id = l.product_id "
                "JOIN categories AS c ON c.id = p.category_id "
                "WHERE o.branch_id = :b AND o.business_date BETWEEN :f AND :t "
                "AND o.state NOT IN ('scheduled', 'cancelled')"
            ),
            {"b": b, "f": self.date_from, "t": self.date_to},
        ):
            cost = (
                sum((g * unit_cost(i) for i, g in recipes[product_id]), ZERO)
                if product_id in recipes
                else unit_cost(product_id)
            )
            self.margin[category][0] += net
            self.margin[category][1] += cost * qty
        return self


async def _check(http: httpx.AsyncClient, e: Expected) -> None:
    response = await http.get(
        "/api/v1/reports/inventory",
        params={"branch_id": e.branch.id, "from": e.date_from.isoformat(), "to": e.date_to.isoformat()},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    f = {k: _d(v) if isinstance(v, str) else v for k, v in _figures(body).items()}
    consumption = -(e.kinds["sale"] + e.kinds["cancel"])
    waste, shrink = -e.kinds["waste"], -e.kinds["count"]
    assert consumption > 0 and waste > 0
    assert f["value_end"] == q(sum(e.value_end_by.values(), ZERO))
    assert f["consumption"] == q(consumption)
    assert f["waste"] == q(waste)
    assert f["shrinkage"] == q(shrink)
    assert f["receipts"] == q(e.kinds["receipt"])
    assert f["waste_pct"] == _pct(waste, consumption)
    assert f["shrinkage_pct"] == _pct(shrink, consumption)
    assert f["food_cost_pct"] == _pct(consumption, e.net)
    assert f["actual_food_cost_pct"] == _pct(consumption + waste + shrink, e.net)
    assert f["gross_margin"] == q(e.net - consumption)
    assert f["below_reorder"] == e.below
    assert f["dead_stock"] == e.dead
    assert f["owed"] == q(e.owed)
    moves = {r["key"]: _d(r["value"]) for r in _table(body, "movements")}
    assert moves["waste"] == q(e.kinds["waste"])
    assert moves["receipt"] == q(e.kinds["receipt"])
    assert moves["consumption"] == q(e.kinds["sale"] + e.kinds["cancel"])
    by_category = {r["label"]: r for r in _table(body, "stock_by_category")}
    assert sum((_d(r["value_end"]) for r in by_category.values()), ZERO) == pytest_approx_sum(
        by_category, f["value_end"]
    )
    daily = _table(body, "daily")
    assert sum((_d(r["consumption"]) for r in daily), ZERO) - q(consumption) < Decimal("0.01") * len(daily)
    margins = {r["label"]: r for r in _table(body, "margin_categories")}
    assert set(margins) == set(e.margin)
    for category, (net, cost) in e.margin.items():
        assert _d(margins[category]["net"]) == q(net), category
        assert abs(_d(margins[category]["cost"]) - q(cost)) <= Decimal("0.01"), (
            category,
            margins[category],
            cost,
        )
    spend = {r["label"]: _d(r["spend"]) for r in _table(body, "suppliers") if _d(r["spend"])}
    assert spend == {k: q(v) for k, v in e.spend.items()}
    petty = sum((_d(r["amount"]) for r in _table(body, "petty_cash")), ZERO)
    assert petty == q(sum(e.petty.values(), ZERO))
    turnover = _table(body, "turnover")
    names = dict((await e.session.execute(text("SELECT name, id FROM products"))).all())
    top = turnover[0]
    product = names[top["label"]]
    assert _d(top["used"]) == q(e.used_qty[product], 3)
    used_daily = e.used_qty[product] / e.days
    assert _d(top["cover_days"]) == q(e.qty_end[product] / used_daily, 1)
    for row in _table(body, "item_moves"):
        item = names[row["label"]]
        assert _d(row["consumption"]) == q(e.used_qty[item], 3)
        assert _d(row["waste"]) == q(e.waste_qty[item], 3)
    average = (e.value_start_by[product] + e.value_end_by[product]) / 2
    assert _d(top["turnover"]) == q(e.used_value[product] / average)


def pytest_approx_sum(rows: dict[str, Any], total: Decimal) -> Decimal:
    """The categories' rounded values add up to the total within a cent per category."""
    summed = sum((_d(r["value_end"]) for r in rows.values()), ZERO)
    assert abs(summed - total) <= Decimal("0.01") * len(rows)
    return summed


async def test_every_inventory_figure_matches_an_independent_computation(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await _shop(factory, db_session, days=16, per_day=30)
    await login(client, "boss")
    for branch in (shop.inclusive, shop.exclusive):
        today = dt.datetime.now(ZoneInfo(branch.timezone)).date()
        for start, end in (
            (today - dt.timedelta(days=9), today - dt.timedelta(days=3)),
            (today - dt.timedelta(days=16), today),
        ):
            expected = await Expected(db_session, branch, start, end).load()
            await db_session.rollback()
            await _check(client, expected)
        # Compared: the period before's figures are that period's own.
        end = today - dt.timedelta(days=2)
        params = {
            "branch_id": branch.id,
            "to": end.isoformat(),
            "from": (end - dt.timedelta(days=5)).isoformat(),
        }
        compared = (await client.get("/api/v1/reports/inventory", params=params | {"compare": "true"})).json()
        before = {
            "branch_id": branch.id,
            "from": compared["previous_from"],
            "to": compared["previous_to"],
        }
        alone = _figures((await client.get("/api/v1/reports/inventory", params=before)).json())
        for fig in compared["figures"]:
            if fig["previous"] is not None:
                assert fig["previous"] == alone[fig["key"]], fig


async def test_the_ledger_proof_holds_and_the_generator_runs_once(factory: Factory, db_session: Any) -> None:
    from app.inventory.ledger import mismatches
    from app.reports.inventory_history import seed_inventory_history

    await _shop(factory, db_session, days=5, per_day=15)
    assert await mismatches(db_session) == []
    negative = await db_session.scalar(text("SELECT count(*) FROM stock_moves WHERE on_hand_after < 0"))
    assert negative == 0
    future = await db_session.scalar(
        text(
            "SELECT (SELECT count(*) FROM stock_moves WHERE created_at > now()) "
            "+ (SELECT count(*) FROM expenses WHERE created_at > now())"
        )
    )
    assert future == 0
    # The running on-hand ends where the stock row is, and the ids follow the clock (the ledger page).
    wrong = await db_session.scalar(
        text(
            "SELECT count(*) FROM product_stock AS s JOIN LATERAL (SELECT on_hand_after FROM stock_moves AS m "
            "WHERE m.branch_id = s.branch_id AND m.product_id = s.product_id ORDER BY m.id DESC LIMIT 1) AS l "
            "ON true WHERE l.on_hand_after <> s.qty"
        )
    )
    assert wrong == 0
    backwards = await db_session.scalar(
        text(
            "SELECT count(*) FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back "
            "FROM stock_moves WHERE reason = 'seed-history') AS x WHERE back"
        )
    )
    assert backwards == 0
    assert (await seed_inventory_history(db_session)).skipped


async def test_bad_questions_and_other_branches(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await _shop(factory, db_session, days=3, per_day=10)
    await login(client, "incboss")
    for params, field in (
        ({"from": "2023-01-01", "to": "2026-01-02"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"by": "weather"}, "by"),
        ({"format": "csv", "table": "nope"}, "table"),
    ):
        response = await client.get("/api/v1/reports/inventory", params=params)
        assert response.status_code == 422, (params, response.text)
        assert field in response.json()["detail"], response.text
    response = await client.get("/api/v1/reports/inventory", params={"branch_id": shop.exclusive.id})
    assert response.status_code == 404
    body = (await client.get("/api/v1/reports/inventory", params={"compare": "true"})).json()
    assert [b["id"] for b in body["branches"]] == [shop.inclusive.id]
    assert "branches" not in [t["name"] for t in body["tables"]]
    assert all(f["previous"] is not None for f in body["figures"] if f["key"] == "consumption")
    lower = {f["key"] for f in body["figures"] if f["lower_is_better"]}
    assert {"waste", "shrinkage_pct", "food_cost_pct"} <= lower and "gross_margin" not in lower
    for t in body["tables"]:
        response = await client.get("/api/v1/reports/inventory", params={"format": "csv", "table": t["name"]})
        assert response.status_code == 200
        lines = response.content.decode("utf-8-sig").strip().splitlines()
        assert lines[0].split(",")[0] == t["columns"][0]["label"]
        assert len(lines) >= len(t["rows"]) + 1
    response = await client.get("/api/v1/reports/inventory", params={"format": "xlsx"})
    assert response.status_code == 200 and response.content[:2] == b"PK"


async def test_an_admin_compares_branches(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    from app.reports.inventory_history import seed_inventory_history

    first = await factory.branch(code="AAA", timezone="Africa/Cairo")
    second = await factory.branch(code="BBB", timezone="Africa/Cairo")
    for name, price in (("Burger", "95.00"), ("Tea", "25.00")):
        await factory.product(name, price=price, tax_rate="14", station="grill")
    await factory.user("root", roles=("admin",))
    await db_session.commit()
    from app.reports.history import seed_history

    await seed_history(db_session, days=8, orders_per_day=20, branch_ids=[first.id, second.id])
    report = await seed_inventory_history(db_session)
    assert report.transfers > 0
    await login(client, "root")
    body = (await client.get("/api/v1/reports/inventory")).json()
    branches = _table(body, "branches")
    assert [r["label"] for r in branches] == [first.name, second.name]
    total = _d(_figures(body)["value_end"])
    assert abs(sum((_d(r["value_end"]) for r in branches), ZERO) - total) <= Decimal("0.02")


async def test_a_late_move_is_reflected_before_and_after_the_rollup(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    """A receipt backdated out of the range and a waste entered late on an old day: the rolled days they
    touch are marked dirty (read live from the ledger) at once, and the worker's roll stores them."""
    from app.reports.jobs import roll_due_days

    shop = await _shop(factory, db_session, days=16, per_day=30)
    branch = shop.inclusive
    zone = ZoneInfo(branch.timezone)
    today = dt.datetime.now(zone).date()
    start, end, before = (
        today - dt.timedelta(days=14),
        today - dt.timedelta(days=3),
        today - dt.timedelta(days=16),
    )
    params = {"branch_id": branch.id, "from": start.isoformat(), "to": end.isoformat()}
    await login(client, "boss")
    await db_session.commit()
    first = _figures((await client.get("/api/v1/reports/inventory", params=params)).json())
    rolled = await db_session.scalar(
        text(
            "SELECT count(*) FROM report_stock_daily WHERE branch_id = :b AND business_date BETWEEN :f AND :t"
        ),
        {"b": branch.id, "f": start, "t": end},
    )
    assert rolled > 0  # the range is read from the rollup, not the ledger

    moved = (
        await db_session.execute(
            text(
                "SELECT id, qty * unit_cost AS value, (created_at AT TIME ZONE :z)::date AS day FROM stock_moves "
                "WHERE branch_id = :b AND kind = 'receipt' AND unit_cost > 0 "
                "AND (created_at AT TIME ZONE :z)::date BETWEEN :f AND :t ORDER BY id LIMIT 1"
            ),
            {"b": branch.id, "z": branch.timezone, "f": start, "t": end},
        )
    ).one()
    await db_session.execute(
        text("UPDATE stock_moves SET created_at = :at WHERE id = :id"),
        {"at": dt.datetime.combine(before, dt.time(12), zone), "id": moved.id},
    )
    wasted_on = today - dt.timedelta(days=10)
    stock = (
        await db_session.execute(
            text(
                "SELECT product_id, qty FROM product_stock WHERE branch_id = :b AND qty > 2 ORDER BY product_id"
            ),
            {"b": branch.id},
        )
    ).first()
    await db_session.execute(
        text(
            "INSERT INTO stock_moves (branch_id, product_id, kind, qty, unit_cost, on_hand_after, reason, created_at) "
            "VALUES (:b, :p, 'waste', -2, 3.5, :after, 'late entry', :at)"
        ),
        {
            "b": branch.id,
            "p": stock.product_id,
            "after": stock.qty - 2,
            "at": dt.datetime.combine(wasted_on, dt.time(15), zone),
        },
    )
    await db_session.execute(
        text("UPDATE product_stock SET qty = qty - 2 WHERE branch_id = :b AND product_id = :p"),
        {"b": branch.id, "p": stock.product_id},
    )
    await db_session.commit()
    touched = [moved.day, before, wasted_on]
    dirty = await db_session.scalars(
        text(
            "SELECT business_date FROM report_days WHERE branch_id = :b AND dirty "
            "AND business_date = ANY(CAST(:d AS date[]))"
        ),
        {"b": branch.id, "d": touched},
    )
    assert sorted(dirty.all()) == sorted(set(touched))
    await db_session.commit()

    cent = Decimal("0.01")
    late = _figures((await client.get("/api/v1/reports/inventory", params=params)).json())
    assert abs(_d(late["receipts"]) - (_d(first["receipts"]) - moved.value)) <= cent
    assert abs(_d(late["waste"]) - (_d(first["waste"]) + Decimal(7))) <= cent

    await roll_due_days(db_session, limit=500)
    still = await db_session.scalar(
        text("SELECT count(*) FROM report_days WHERE branch_id = :b AND dirty"), {"b": branch.id}
    )
    assert still == 0
    stored = await db_session.scalar(
        text(
            "SELECT sum(value) FROM report_stock_daily WHERE branch_id = :b AND business_date = :d AND kind = 'waste'"
        ),
        {"b": branch.id, "d": wasted_on},
    )
    assert stored is not None and stored <= Decimal(-7)
    await db_session.commit()
    assert _figures((await client.get("/api/v1/reports/inventory", params=params)).json()) == late

"""Inventory history beside `seed-history`'s orders: what the kitchen used, bought, threw away and counted.

`seed-history` writes orders straight into their tables, without the stock ledger a live sale writes. This
gives the shop a kitchen behind those orders, so the inventory report has months to show:
- ingredients (category "Ingredients", stocked, never on a till) and a recipe for every prepared item that
  has none, scaled by its price within its category (a family portion uses more than a small one);
- a `sale` movement per order and ingredient, as a live sale writes (cancelled orders took nothing);
- each morning (07:00 local) a receipt from the ingredient's supplier, against a purchase order, when the
  stock is under its reorder point or would not last the day, filled up to the par level, at a price that
  drifts with the season; the supplier's invoice for it (paid after two weeks);
- waste some evenings, a count every Sunday night (usually a small loss), now and then an adjustment, and
  on Wednesdays a transfer between two branches (07:30, before trade);
- petty cash paid out on some days, on one closed history shift per branch.
Movements are timed outside trading hours except sales, so a day's sales all leave at that morning's moving
average cost, exactly as the live ledger would price them. The running on-hand and each stock row's
quantity and average cost are the ledger's, so the nightly proof holds. It runs once: a shop whose ledger
already has history is left alone.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from app.reports._rollups import live_from, roll_stock_days
from app.reports.history import HISTORY_HASH

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

REASON = "seed-history"
QTY = Decimal("0.001")
COST = Decimal("0.0001")
CENT = Decimal("0.01")

# (sku, name, base unit, cost per base unit, supplier)
INGREDIENTS = (
    ("ING-BEEF", "Beef mince", "kg", "320", "Nile Meats"),
    ("ING-CHKN", "Chicken breast", "kg", "185", "Nile Meats"),
    ("ING-BREAD", "Bread roll", "piece", "2.5", "Delta Bakery Supply"),
    ("ING-FLOUR", "Flour", "kg", "22", "Delta Bakery Supply"),
    ("ING-BUTTER", "Butter", "kg", "260", "Delta Bakery Supply"),
    ("ING-POTATO", "Potatoes", "kg", "18", "Green Valley Produce"),
    ("ING-VEG", "Salad vegetables", "kg", "30", "Green Valley Produce"),
    ("ING-FRUIT", "Fresh fruit", "kg", "45", "Green Valley Produce"),
    ("ING-OIL", "Frying oil", "kg", "75", "Cairo Dry Goods"),
    ("ING-FAVA", "Fava beans", "kg", "40", "Cairo Dry Goods"),
    ("ING-SUGAR", "Sugar", "kg", "32", "Cairo Dry Goods"),
    ("ING-COFFEE", "Coffee beans", "kg", "650", "Cairo Dry Goods"),
    ("ING-TEA", "Tea leaves", "kg", "280", "Cairo Dry Goods"),
    ("ING-EGG", "Eggs", "piece", "3.5", "Green Valley Produce"),
    ("ING-MILK", "Milk", "kg", "38", "Green Valley Produce"),
    ("ING-CHEESE", "White cheese", "kg", "210", "Green Valley Produce"),
    ("ING-CUP", "Cups and boxes", "piece", "1.2", "Cairo Dry Goods"),
)
# A category (matched on its code) -> the plain item's recipe: (ingredient sku, qty, yield %).
RECIPES: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("grill", (("ING-BEEF", "0.180", "90"), ("ING-BREAD", "1", "100"), ("ING-VEG", "0.050", "80"))),
    ("sand", (("ING-CHKN", "0.120", "92"), ("ING-BREAD", "1", "100"), ("ING-VEG", "0.030", "80"))),
    ("fr", (("ING-POTATO", "0.200", "85"), ("ING-OIL", "0.020", "100"), ("ING-CUP", "1", "100"))),
    ("break", (("ING-FAVA", "0.150", "100"), ("ING-EGG", "1", "100"), ("ING-BREAD", "1", "100"))),
    ("hot", (("ING-COFFEE", "0.012", "100"), ("ING-MILK", "0.150", "100"), ("ING-CUP", "1", "100"))),
    ("cold", (("ING-FRUIT", "0.200", "75"), ("ING-SUGAR", "0.020", "100"), ("ING-CUP", "1", "100"))),
    ("juice", (("ING-FRUIT", "0.250", "75"), ("ING-SUGAR", "0.020", "100"), ("ING-CUP", "1", "100"))),
    (
        "dessert",
        (("ING-FLOUR", "0.080", "100"), ("ING-SUGAR", "0.040", "100"), ("ING-BUTTER", "0.030", "100")),
    ),
    ("sweet", (("ING-FLOUR", "0.080", "100"), ("ING-SUGAR", "0.040", "100"), ("ING-BUTTER", "0.030", "100"))),
    ("bak", (("ING-FLOUR", "0.090", "100"), ("ING-BUTTER", "0.015", "100"))),
    ("", (("ING-CHEESE", "0.050", "100"), ("ING-BREAD", "1", "100"))),
)
EXPENSES = (("cleaning", "85"), ("supplies", "140"), ("transport", "60"), ("repairs", "450"), ("food", "120"))


@dataclass(slots=True)
class InventoryHistoryReport:
    ingredients: int = 0
    recipes: int = 0
    moves: int = 0
    receipts: int = 0
    counts: int = 0
    transfers: int = 0
    expenses: int = 0
    skipped: bool = False

    def lines_out(self) -> list[str]:
        if self.skipped:
            return ["inventory history: already there, left alone"]
        return [
            f"inventory: {self.ingredients} ingredients, {self.recipes} recipes, {self.moves:,} stock movements, "
            f"{self.receipts} receipts, {self.counts} counts, {self.transfers} transfers, "
            f"{self.expenses} petty cash expenses"
        ]


@dataclass(slots=True)
class _Stock:
    qty: Decimal = Decimal(0)
    avg: Decimal = Decimal(0)
    moves: list[tuple[dt.datetime, str, Decimal, Decimal, str | None]] = field(default_factory=list)

    def move(
        self, at: dt.datetime, kind: str, qty: Decimal, cost: Decimal | None, ref: str | None
    ) -> Decimal:
        """Apply one movement as the live ledger does (moving average on incoming stock with a cost)."""
        after = self.qty + qty
        assert after >= 0, (kind, qty, self.qty)
        if qty > 0 and cost is not None:
            self.avg = ((self.qty * self.avg + qty * cost) / after).quantize(COST, ROUND_HALF_UP)
            moved_at = cost
        else:
            moved_at = self.avg
        self.qty = after
        self.moves.append((at, kind, qty, moved_at, ref))
        return moved_at


async def _setup(session: AsyncSession, report: InventoryHistoryReport) -> dict[str, int]:
    """The ingredients (created when missing), their suppliers, and recipes for prepared items without one."""
    category = await session.scalar(
        text(
            "INSERT INTO categories (code, name, sort_order) VALUES ('ingredients', 'Ingredients', 900) "
            "ON CONFLICT (code) DO UPDATE SET code = EXCLUDED.code RETURNING id"
        )
    )
    ids: dict[str, int] = {}
    for sku, name, unit, _cost, supplier in INGREDIENTS:
        product_id = await session.scalar(
            text(
                """
                INSERT INTO products (sku, name, category_id, base_unit, tax_rate, station_code, stock_tracked)
                VALUES (:sku, :name, :category, :unit, 0, 'grill', true)
                ON CONFLICT (sku) DO UPDATE SET stock_tracked = true RETURNING id
                """
            ),
            {"sku": sku, "name": name, "category": category, "unit": unit},
        )
        assert product_id is not None
        ids[sku] = int(product_id)
        await session.execute(
            text("INSERT INTO suppliers (name, lead_time_days) VALUES (:n, 1) ON CONFLICT (name) DO NOTHING"),
            {"n": supplier},
        )
    report.ingredients = len(ids)
    prepared = (
        await session.execute(
            text(
                """
                SELECT p.id, c.code, pr.price, avg(pr.price) OVER (PARTITION BY c.id) AS typical
                FROM products AS p
                JOIN categories AS c ON c.id = p.category_id
                JOIN LATERAL (
                    SELECT x.price FROM product_prices AS x
                    WHERE x.product_id = p.id AND x.price_list = 'counter' AND x.unit = p.base_unit
                      AND x.branch_id IS NULL AND x.price > 0 LIMIT 1
                ) AS pr ON true
                WHERE p.kind = 'item' AND NOT p.stock_tracked AND c.code <> 'ingredients'
                  AND NOT EXISTS (SELECT 1 FROM recipe_lines AS r WHERE r.product_id = p.id)
                """
            )
        )
    ).all()
    for product_id, code, price, typical in prepared:
        lines = next(lines for key, lines in RECIPES if key in code)
        scale = Decimal(price) / Decimal(typical) if typical else Decimal(1)
        for order, (sku, qty, yield_pct) in enumerate(lines):
            unit = next(u for s, _n, u, _c, _s in INGREDIENTS if s == sku)
            amount = Decimal(qty) * scale
            amount = amount.quantize(Decimal(1), ROUND_CEILING) if unit == "piece" else amount.quantize(QTY)
            gross = (amount * 100 / Decimal(yield_pct)).quantize(QTY, ROUND_HALF_UP)
            if unit == "piece":
                gross = gross.quantize(Decimal(1), ROUND_CEILING)
            await session.execute(
                text(
                    "INSERT INTO recipe_lines (product_id, ingredient_id, qty, yield_pct, gross_qty, sort_order) "
                    "VALUES (:p, :i, :q, :y, :g, :o)"
                ),
                {
                    "p": product_id,
                    "i": ids[sku],
                    "q": amount,
                    "y": Decimal(yield_pct),
                    "g": gross,
                    "o": order,
                },
            )
        report.recipes += 1
    return ids


# Each history order takes its recipes' ingredients, rounded as a live sale rounds them.
_SALES = """
CREATE TEMP TABLE ih_sales ON COMMIT DROP AS
SELECT o.branch_id, o.id AS order_id, o.created_at, r.ingredient_id AS product_id,
       round(sum(l.qty * l.unit_factor * r.gross_qty), 3) AS qty,
       (o.created_at AT TIME ZONE b.timezone)::date AS day
FROM orders AS o
JOIN branches AS b ON b.id = o.branch_id
JOIN order_lines AS l ON l.order_id = o.id
JOIN recipe_lines AS r ON r.product_id = l.product_id
WHERE o.request_hash = :hash AND o.state NOT IN ('scheduled', 'cancelled')
  AND o.branch_id = ANY(CAST(:b AS bigint[])) AND r.ingredient_id = ANY(CAST(:ids AS bigint[]))
GROUP BY o.branch_id, o.id, o.created_at, r.ingredient_id, b.timezone
HAVING round(sum(l.qty * l.unit_factor * r.gross_qty), 3) > 0
"""


async def seed_inventory_history(  # noqa: PLR0912, PLR0915 - one pass over the days, step by step
    session: AsyncSession, *, branch_ids: list[int] | None = None, seed: int = 42
) -> InventoryHistoryReport:
    """Write the inventory behind the history orders of `branch_ids` (default: every active branch); commits."""
    report = InventoryHistoryReport()
    if await session.scalar(
        text("SELECT EXISTS (SELECT 1 FROM stock_moves WHERE reason = :r)"), {"r": REASON}
    ):
        report.skipped = True
        return report
    if branch_ids is None:
        branch_ids = list(
            (await session.scalars(text("SELECT id FROM branches WHERE active ORDER BY id"))).all()
        )
    rng = random.Random(seed)  # noqa: S311 - made-up history, repeatable, not a secret
    ids = await _setup(session, report)
    by_id = {ids[sku]: (sku, unit, Decimal(cost), supplier) for sku, _n, unit, cost, supplier in INGREDIENTS}
    await session.execute(text(_SALES), {"hash": HISTORY_HASH, "b": branch_ids, "ids": list(by_id)})
    daily = (
        await session.execute(
            text(
                "SELECT branch_id, product_id, day, sum(qty) FROM ih_sales GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            )
        )
    ).all()
    if not daily:
        await session.commit()
        return report
    use: dict[tuple[int, int], dict[dt.date, Decimal]] = defaultdict(dict)
    for branch_id, product_id, day, qty in daily:
        use[branch_id, product_id][day] = Decimal(qty)
    first = min(d for _b, _p, d, _q in daily)
    last = max(d for _b, _p, d, _q in daily)
    zones: dict[int, str] = dict((await session.execute(text("SELECT id, timezone FROM branches"))).all())
    # Transfers go between the first two branches that trade in one currency (stock moves at its cost).
    currency: dict[int, str] = dict((await session.execute(text("SELECT id, currency FROM branches"))).all())
    pairs = [(a, b) for a in branch_ids for b in branch_ids if a < b and currency[a] == currency[b]]
    pair = pairs[0] if pairs else None
    suppliers: dict[str, int] = dict((await session.execute(text("SELECT name, id FROM suppliers"))).all())
    stocks: dict[tuple[int, int], _Stock] = defaultdict(_Stock)
    day_cost: dict[tuple[int, int, dt.date], Decimal] = {}
    receipts: dict[tuple[int, dt.date, str], list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
    counts: dict[tuple[int, dt.date], list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
    transfers: list[tuple[int, int, dt.date, int, Decimal, Decimal]] = []
    means = {key: sum(days.values(), Decimal(0)) / max(len(days), 1) for key, days in use.items()}
    n_days = (last - first).days + 1
    now = dt.datetime.now(dt.UTC)

    def at(branch_id: int, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(zones[branch_id]))
        return local.astimezone(dt.UTC)

    def rounded(value: Decimal, unit: str, up: bool = False) -> Decimal:
        if unit == "piece":
            return value.quantize(Decimal(1), ROUND_CEILING if up else ROUND_HALF_UP)
        return value.quantize(QTY, ROUND_CEILING if up else ROUND_HALF_UP)

    for i in range(n_days):
        day = first + dt.timedelta(days=i)
        season = Decimal(str(round(1 + 0.08 * math.sin(2 * math.pi * i / 45), 4)))
        # Mornings: receipts (07:00) and Wednesday transfers (07:30), before the first sale.
        for (branch_id, product_id), days in sorted(use.items()):
            _sku, unit, cost, supplier = by_id[product_id]
            stock = stocks[branch_id, product_id]
            mean = means[branch_id, product_id]
            need = days.get(day, Decimal(0))
            reorder, par = mean * Decimal("2.5"), mean * 6
            if stock.qty < reorder or stock.qty < need * Decimal("1.1"):
                qty = rounded(max(par - stock.qty, need * Decimal("1.2") - stock.qty), unit, up=True)
                if qty > 0:
                    price = (cost * season * Decimal(str(round(rng.uniform(0.96, 1.04), 3)))).quantize(COST)
                    ref = f"receipt:{branch_id}:{day.isoformat()}"
                    stock.move(at(branch_id, day, 7), "receipt", qty, price, ref)
                    receipts[branch_id, day, supplier].append((product_id, qty, price))
        if day.isoweekday() == 3 and pair is not None:
            source, target = pair
            stocked = sorted(p for (b, p) in use if b == source)
            product_id = stocked[i % len(stocked)]
            unit = by_id[product_id][1]
            stock = stocks[source, product_id]
            qty = rounded(stock.qty * Decimal("0.1"), unit)
            if qty > 0 and stock.qty - qty >= use[source, product_id].get(day, Decimal(0)):
                cost = stock.move(at(source, day, 7, 30), "transfer_out", -qty, None, None)
                stocks[target, product_id].move(at(target, day, 7, 30), "transfer_in", qty, cost, None)
                transfers.append((source, target, day, product_id, qty, cost))
        for (branch_id, product_id), days in sorted(use.items()):
            stock = stocks[branch_id, product_id]
            unit = by_id[product_id][1]
            need = days.get(day, Decimal(0))
            if need:
                day_cost[branch_id, product_id, day] = stock.avg
                stock.qty -= need
                assert stock.qty >= 0
            # Evenings: waste (22:30), the Sunday count (23:30), a rare adjustment (23:45).
            # Today's evening has not come yet: nothing is written in the future.
            if at(branch_id, day, 22, 30) > now:
                continue
            if need and rng.random() < 0.35:
                qty = min(rounded(need * Decimal(str(round(rng.uniform(0.01, 0.06), 3))), unit), stock.qty)
                if qty > 0:
                    stock.move(at(branch_id, day, 22, 30), "waste", -qty, None, None)
            if day.isoweekday() == 7:
                week = sum((d for k, d in days.items() if 0 <= (day - k).days < 7), Decimal(0))
                variance = rounded(week * Decimal(str(round(rng.uniform(-0.03, 0.008), 4))), unit)
                variance = max(variance, -stock.qty)
                expected = stock.qty
                if variance:
                    stock.move(at(branch_id, day, 23, 30), "count", variance, None, None)
                counts[branch_id, day].append((product_id, expected + variance, expected))
            elif rng.random() < 0.01 and stock.qty > 1:
                stock.move(at(branch_id, day, 23, 45), "adjustment", -rounded(Decimal(1), unit), None, None)
        # The sales of the day are read back from ih_sales below, priced at this morning's average.

    # ---------------------------------------------------------------- the documents
    actor = await session.scalar(text("SELECT min(id) FROM users"))
    refs: dict[str, str] = {}
    for (branch_id, day, supplier), lines in sorted(receipts.items()):
        total = sum((q * p for _p, q, p in lines), Decimal(0)).quantize(CENT, ROUND_HALF_UP)
        ordered_at = at(branch_id, day - dt.timedelta(days=1), 18)
        received_at = at(branch_id, day, 7)
        po = await session.scalar(
            text(
                "INSERT INTO purchase_orders (branch_id, supplier_id, state, expected_on, total, created_by, "
                "created_at, sent_at, closed_at) VALUES (:b, :s, 'received', :d, :t, :u, :o, :o, :r) RETURNING id"
            ),
            {
                "b": branch_id,
                "s": suppliers[supplier],
                "d": day,
                "t": total,
                "u": actor,
                "o": ordered_at,
                "r": received_at,
            },
        )
        receipt = await session.scalar(
            text(
                "INSERT INTO purchase_receipts (purchase_order_id, branch_id, total, received_by, received_at) "
                "VALUES (:po, :b, :t, :u, :r) RETURNING id"
            ),
            {"po": po, "b": branch_id, "t": total, "u": actor, "r": received_at},
        )
        for product_id, qty, price in lines:
            line = await session.scalar(
                text(
                    "INSERT INTO purchase_order_lines (purchase_order_id, product_id, unit, factor, qty_ordered, "
                    "unit_price, qty_received) VALUES (:po, :p, :u, 1, :q, :c, :q) RETURNING id"
                ),
                {"po": po, "p": product_id, "u": by_id[product_id][1], "q": qty, "c": price},
            )
            await session.execute(
                text(
                    "INSERT INTO purchase_receipt_lines (receipt_id, line_id, qty, unit_cost, qty_difference, "
                    "cost_difference) VALUES (:r, :l, :q, :c, 0, 0)"
                ),
                {"r": receipt, "l": line, "q": qty, "c": price},
            )
            refs[f"receipt:{branch_id}:{day.isoformat()}:{product_id}"] = f"receipt:{receipt}"
        paid = total if (last - day).days > 14 else Decimal(0)
        await session.execute(
            text(
                "INSERT INTO supplier_invoices (supplier_id, branch_id, purchase_order_id, number, invoice_date, "
                "due_date, amount, paid, state, created_by) VALUES (:s, :b, :po, :n, :d, :due, :a, :p, :st, :u)"
            ),
            {
                "s": suppliers[supplier],
                "b": branch_id,
                "po": po,
                "n": f"H-{branch_id}-{po}",
                "d": day,
                "due": day + dt.timedelta(days=30),
                "a": total,
                "p": paid,
                "st": "paid" if paid else "open",
                "u": actor,
            },
        )
        report.receipts += 1
    for (branch_id, day), lines in sorted(counts.items()):
        count_id = await session.scalar(
            text(
                "INSERT INTO stock_counts (branch_id, state, blind, created_by, created_at, approved_by, approved_at) "
                "VALUES (:b, 'approved', true, :u, :t, :u, :t) RETURNING id"
            ),
            {"b": branch_id, "u": actor, "t": at(branch_id, day, 23, 30)},
        )
        for product_id, counted, expected in lines:
            await session.execute(
                text(
                    "INSERT INTO stock_count_lines (count_id, product_id, counted, expected, counted_by, counted_at) "
                    "VALUES (:c, :p, :n, :e, :u, :t)"
                ),
                {
                    "c": count_id,
                    "p": product_id,
                    "n": counted,
                    "e": expected,
                    "u": actor,
                    "t": at(branch_id, day, 23),
                },
            )
            refs[f"count:{branch_id}:{day.isoformat()}:{product_id}"] = f"count:{count_id}"
        report.counts += 1
    for source, target, day, product_id, qty, cost in transfers:
        transfer_id = await session.scalar(
            text(
                "INSERT INTO stock_transfers (from_branch_id, to_branch_id, state, dispatched_by, dispatched_at, "
                "received_by, received_at) VALUES (:f, :t, 'received', :u, :at, :u, :at) RETURNING id"
            ),
            {"f": source, "t": target, "u": actor, "at": at(source, day, 7, 30)},
        )
        await session.execute(
            text(
                "INSERT INTO stock_transfer_lines (transfer_id, product_id, qty, unit_cost, qty_received) "
                "VALUES (:t, :p, :q, :c, :q)"
            ),
            {"t": transfer_id, "p": product_id, "q": qty, "c": cost},
        )
        report.transfers += 1

    # ---------------------------------------------------------------- the ledger rows
    rows: dict[str, list[Any]] = defaultdict(list)
    for (branch_id, product_id), stock in stocks.items():
        for moved_at, kind, qty, cost, key in stock.moves:
            day = moved_at.astimezone(ZoneInfo(zones[branch_id])).date()
            doc: str | None = None
            if kind == "receipt":
                doc = refs.get(f"{key}:{product_id}")
            elif kind == "count":
                doc = refs.get(f"count:{branch_id}:{day.isoformat()}:{product_id}")
            rows["b"].append(branch_id)
            rows["p"].append(product_id)
            rows["k"].append(kind)
            rows["q"].append(qty)
            rows["c"].append(cost)
            rows["r"].append(doc)
            rows["t"].append(moved_at)
    # Every movement gathered first, then written once in time order with its running on-hand: the ids
    # follow the clock (the ledger page lists by id) and no row is written twice.
    await session.execute(
        text(
            """
            CREATE TEMP TABLE ih_moves ON COMMIT DROP AS
            SELECT b AS branch_id, p AS product_id, k AS kind, q AS qty, c AS unit_cost, r AS ref,
                   t AS created_at, CAST(NULL AS uuid) AS order_id, 0 AS seq
            FROM unnest(
                CAST(:b AS bigint[]), CAST(:p AS bigint[]), CAST(:k AS text[]), CAST(:q AS numeric[]),
                CAST(:c AS numeric[]), CAST(:r AS text[]), CAST(:t AS timestamptz[])
            ) AS x(b, p, k, q, c, r, t)
            """
        ),
        rows,
    )
    costs = sorted(day_cost.items())
    await session.execute(
        text(
            """
            INSERT INTO ih_moves
            SELECT s.branch_id, s.product_id, 'sale', -s.qty, c.cost, NULL, s.created_at, s.order_id, 1
            FROM ih_sales AS s
            JOIN unnest(CAST(:b AS bigint[]), CAST(:p AS bigint[]), CAST(:d AS date[]), CAST(:c AS numeric[]))
                AS c(branch_id, product_id, day, cost)
              ON c.branch_id = s.branch_id AND c.product_id = s.product_id AND c.day = s.day
            """
        ),
        {
            "b": [k[0] for k, _c in costs],
            "p": [k[1] for k, _c in costs],
            "d": [k[2] for k, _c in costs],
            "c": [c for _k, c in costs],
        },
    )
    # The dirty-day triggers skip this transaction: it rolls the stock of the days it writes itself (below).
    await session.execute(text("SELECT set_config('passline.bulk_history', 'on', true)"))
    moved = await session.execute(
        text(
            """
            INSERT INTO stock_moves (branch_id, product_id, kind, qty, unit_cost, on_hand_after, order_id, reason,
                                     ref, created_by, created_at)
            SELECT branch_id, product_id, kind, qty, unit_cost,
                   sum(qty) OVER (PARTITION BY branch_id, product_id ORDER BY created_at, seq, order_id),
                   order_id, :reason, ref, CASE WHEN order_id IS NULL THEN CAST(:u AS bigint) END, created_at
            FROM ih_moves
            ORDER BY created_at, seq, order_id, branch_id, product_id
            """
        ),
        {"reason": REASON, "u": actor},
    )
    report.moves = moved.rowcount  # type: ignore[attr-defined]
    for (branch_id, product_id), stock in stocks.items():
        mean = means.get((branch_id, product_id), Decimal(0))
        unit = by_id[product_id][1]
        await session.execute(
            text(
                """
                INSERT INTO product_stock (branch_id, product_id, qty, avg_cost, reorder_point, par_level)
                VALUES (:b, :p, :q, :c, :rp, :par)
                ON CONFLICT (branch_id, product_id) DO UPDATE SET qty = EXCLUDED.qty, avg_cost = EXCLUDED.avg_cost,
                    reorder_point = EXCLUDED.reorder_point, par_level = EXCLUDED.par_level
                """
            ),
            {
                "b": branch_id,
                "p": product_id,
                "q": stock.qty,
                "c": stock.avg,
                "rp": rounded(mean * 3, unit, up=True) if mean else None,
                "par": rounded(mean * 6, unit, up=True) if mean else None,
            },
        )
    # Packaged goods the demo opened at no cost are given one, so their sales have a margin too.
    await session.execute(
        text(
            """
            WITH priced AS (
                SELECT s.branch_id, s.product_id, round(pr.price * 0.4, 4) AS cost
                FROM product_stock AS s
                JOIN products AS p ON p.id = s.product_id
                JOIN LATERAL (
                    SELECT x.price FROM product_prices AS x
                    WHERE x.product_id = p.id AND x.price_list = 'counter' AND x.unit = p.base_unit AND x.price > 0
                    ORDER BY x.branch_id NULLS LAST LIMIT 1
                ) AS pr ON true
                WHERE s.avg_cost = 0 AND s.branch_id = ANY(CAST(:b AS bigint[]))
                  AND NOT EXISTS (SELECT 1 FROM stock_moves AS m WHERE m.branch_id = s.branch_id
                                  AND m.product_id = s.product_id AND m.kind <> 'opening')
            ), costed AS (
                UPDATE product_stock AS s SET avg_cost = c.cost FROM priced AS c
                WHERE s.branch_id = c.branch_id AND s.product_id = c.product_id
            )
            UPDATE stock_moves AS m SET unit_cost = c.cost FROM priced AS c
            WHERE m.branch_id = c.branch_id AND m.product_id = c.product_id AND m.kind = 'opening'
            """
        ),
        {"b": branch_ids},
    )
    report.expenses = await _expenses(session, branch_ids, first, last, rng, at)
    written = await session.execute(
        text(
            "SELECT DISTINCT m.branch_id, (m.created_at AT TIME ZONE b.timezone)::date FROM ih_moves AS m "
            "JOIN branches AS b ON b.id = m.branch_id"
        )
    )
    first_live = await live_from(session)
    rolled: dict[int, list[dt.date]] = defaultdict(list)
    for branch_id, day in written:
        if day < first_live:
            rolled[branch_id].append(day)
    for branch_id, old_days in rolled.items():
        await roll_stock_days(session, branch_id=branch_id, days=old_days)
    await session.commit()
    await session.execute(text("ANALYZE stock_moves"))
    await session.execute(text("ANALYZE report_stock_daily"))
    await session.commit()
    return report


async def _expenses(  # noqa: PLR0917 - the generator's state, passed down once
    session: AsyncSession,
    branch_ids: list[int],
    first: dt.date,
    last: dt.date,
    rng: random.Random,
    at: Any,
) -> int:
    """Petty cash on about one day in three, on one closed history shift per branch (no drawer movement:
    the history's drawers are not reconciled)."""
    written = 0
    for branch_id in branch_ids:
        till, person = (
            await session.execute(
                text(
                    "SELECT (SELECT min(id) FROM pos_profiles WHERE branch_id = :b), "
                    "(SELECT min(user_id) FROM branch_memberships WHERE branch_id = :b)"
                ),
                {"b": branch_id},
            )
        ).one()
        if till is None or person is None:
            continue
        shift_id = uuid.uuid4()
        await session.execute(
            text(
                "INSERT INTO shifts (id, branch_id, pos_profile_id, status, opening_cash, opened_by, opened_at, "
                "closed_by, closed_at, closing_note) VALUES (:id, :b, :p, 'closed', 0, :u, :o, :u, :c, :n)"
            ),
            {
                "id": shift_id,
                "b": branch_id,
                "p": till,
                "u": person,
                "o": at(branch_id, first, 7),
                "c": at(branch_id, last, 23),
                "n": "history petty cash",
            },
        )
        for i in range((last - first).days + 1):
            day = first + dt.timedelta(days=i)
            if (i % 3 and rng.random() > 0.35) or at(branch_id, day, 15) > dt.datetime.now(dt.UTC):
                continue
            category, typical = rng.choice(EXPENSES)
            amount = (Decimal(typical) * Decimal(str(round(rng.uniform(0.5, 1.5), 2)))).quantize(CENT)
            await session.execute(
                text(
                    "INSERT INTO expenses (id, branch_id, shift_id, category, amount, note, state, created_by, "
                    "created_at, decided_by, decided_at) VALUES (:id, :b, :s, :c, :a, :n, 'approved', :u, :t, :u, :t)"
                ),
                {
                    "id": uuid.uuid4(),
                    "b": branch_id,
                    "s": shift_id,
                    "c": category,
                    "a": amount,
                    "n": REASON,
                    "u": person,
                    "t": at(branch_id, day, 15),
                },
            )
            written += 1
    return written

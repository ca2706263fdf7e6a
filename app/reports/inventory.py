"""The inventory report: stock and its value, movements by kind, cost of goods against sales, turnover and
cover, what to reorder and what does not move, purchasing, and petty cash.

Definitions (what the figures mean):
- stock is valued at moving average cost. Under a moving average every movement moves the stock's value by
  qty x the unit cost it carries (what came in cost that; what went out left at the average then), so the
  value at a past moment is the value now (on hand x average cost) less the movements since; only the
  range's movements are read, never the whole ledger;
- consumption is what sales took (`sale` less `cancel`), at the cost they took it at: the actual cost of goods
  sold. Waste and count variance (shrinkage: a count's difference, usually a loss) are shown against it;
- food cost: theoretical = consumption / net sales (what the recipes say the sales used); actual = consumption
  plus waste plus the count losses / net sales (what really left the shelf);
- a product's cost per unit sold comes from its recipe (flattened down to what is stocked) at what the
  ingredients left at in the range (else their average cost now); a stocked product sold as it is costs
  itself. Gross margin = net sales (tax excluded) - that cost; a combo's own line is left out of the
  margin tables (its items carry their stock and cost);
- turnover = consumption value / the average of the stock value at the range's start and end; days of cover
  = on hand at the end / average daily use over the range;
- dead stock: on hand at the range's end and no movement at all in the range.
Days are the branch's local days, as in every report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from app.reports._build import ZERO, figure, grouped, percent, quantize, ratio
from app.reports._text import _
from app.reports.schemas import Chart, Column, Figure, Table
from app.reports.scope import Dates

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.reports.scope import Scope

# The ledger's kinds as the report groups them (sale and cancel are one: consumption).
DAILY_KINDS = {
    "sale": "consumption",
    "cancel": "consumption",
    "receipt": "receipts",
    "waste": "waste",
    "count": "shrinkage",
}
DAILY_KEYS = ("consumption", "receipts", "waste", "shrinkage")
GROUPS = ("consumption", "receipt", "waste", "count", "transfer_in", "transfer_out", "adjustment", "opening")
KIND_GROUP = {
    "sale": "consumption",
    "cancel": "consumption",
    "receipt": "receipt",
    "waste": "waste",
    "count": "count",
    "transfer_in": "transfer_in",
    "transfer_out": "transfer_out",
    "adjustment": "adjustment",
    "opening": "opening",
}
TOP_ITEMS = 20
LOWER_IS_BETTER = frozenset(
    {"food_cost_pct", "actual_food_cost_pct", "waste", "waste_pct", "shrinkage", "shrinkage_pct", "owed"}
)
QTY_PLACES = 3


def group_label(group: str) -> str:
    labels = {
        "consumption": _("Sales consumption"),
        "receipt": _("Receipts"),
        "waste": _("Waste"),
        "count": _("Count variance"),
        "transfer_in": _("Transfers in"),
        "transfer_out": _("Transfers out"),
        "adjustment": _("Adjustments"),
        "opening": _("Opening stock"),
    }
    return labels[group]


def expense_label(category: str) -> str:
    labels = {
        "supplies": _("Supplies"),
        "cleaning": _("Cleaning"),
        "repairs": _("Repairs"),
        "transport": _("Transport"),
        "food": _("Food"),
        "utilities": _("Utilities"),
        "other": _("Other"),
    }
    return labels.get(category, category)


# ---------------------------------------------------------------------- reads

# The branches' local day bounds: every timestamp read below is compared with these.
_BOUNDS = """
bounds AS (
    SELECT id AS branch_id,
           CAST(:f AS date)::timestamp AT TIME ZONE timezone AS lo,
           (CAST(:t AS date) + 1)::timestamp AT TIME ZONE timezone AS hi
    FROM branches WHERE id = ANY(CAST(:b AS bigint[]))
)"""

_STOCK = """
SELECT s.branch_id, s.product_id, p.name, p.base_unit, c.id AS category_id, c.name AS category,
       s.qty, s.avg_cost, s.reorder_point, s.par_level
FROM product_stock AS s
JOIN products AS p ON p.id = s.product_id
JOIN categories AS c ON c.id = p.category_id
WHERE s.branch_id = ANY(CAST(:b AS bigint[]))
ORDER BY s.branch_id, s.product_id
"""


def _params(scope: Scope, dates: Dates) -> dict[str, Any]:
    # Tomorrow in UTC is today or later in every time zone: nothing that has happened is left out.
    until = max(dates.date_to, dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1))
    return {"b": scope.branch_ids, "f": dates.date_from, "t": dates.date_to, "until": until}


async def ledger_rows(
    session: AsyncSession, scope: Scope, periods: list[Dates]
) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """For each period, per (branch, product): on hand and value now, at the period's start and end, and
    its movements (quantity and value) by group; and its days (consumption, receipts, losses). One read
    of the movements from the earliest period's start serves every period (the range and the one before
    it, when compared)."""
    first = min(p.date_from for p in periods)
    params = _params(scope, Dates(first, max(p.date_to for p in periods)))
    stock = list(await session.execute(text(_STOCK), params))
    # The ledger summed per (branch, product, kind) over the stretches between the periods' bounds, from the
    # earliest start to today (what moved after a period values its stock at the end, backwards from now):
    # the rollup's rows for rolled days, the ledger itself for today, yesterday and dirty days. Summed in
    # SQL, a year is a few hundred rows rather than 20 k. `day` is each stretch's first day: a stretch is
    # wholly inside or outside every period.
    ledger = Dates(first, params["until"])
    cuts = sorted({p.date_from for p in periods} | {p.date_to + dt.timedelta(days=1) for p in periods})
    bounds = ", ".join(f"DATE '{c.isoformat()}'" for c in cuts)
    moves = await grouped(
        session,
        "report_stock_daily",
        scope.branch_ids,
        ledger,
        select="r.branch_id, min(r.business_date) AS day, r.product_id, r.kind, sum(r.moves)::int AS moves, "
        "sum(r.qty) AS qty, sum(r.value) AS value",
        group=f"r.branch_id, r.product_id, r.kind, width_bucket(r.business_date, ARRAY[{bounds}])",
    )
    # The first period's days, for the chart by day (the same read, so the live days are computed once).
    main = periods[0]
    daily = await grouped(
        session,
        "report_stock_daily",
        scope.branch_ids,
        ledger,
        select="r.business_date AS day, r.kind, sum(r.value) AS value",
        where=f"r.business_date BETWEEN DATE '{main.date_from.isoformat()}' AND DATE '{main.date_to.isoformat()}'",
        group="1, 2",
    )
    return [_fold(stock, moves, daily, period) for period in periods]


def _fold(
    stock: list[Any], moves: list[dict[str, Any]], daily: list[dict[str, Any]], period: Dates
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for r in stock:
        value_now = r.qty * r.avg_cost
        row: dict[str, Any] = {
            "branch_id": r.branch_id,
            "product_id": r.product_id,
            "name": r.name,
            "unit": r.base_unit,
            "category_id": r.category_id,
            "category": r.category,
            "qty_now": r.qty,
            "value_now": value_now,
            "avg_cost": r.avg_cost,
            "reorder_point": r.reorder_point,
            "par_level": r.par_level,
            "moves": 0,
            "qty_end": r.qty,
            "value_end": value_now,
            "qty_start": r.qty,
            "value_start": value_now,
        }
        for group in GROUPS:
            row[f"q_{group}"] = ZERO
            row[f"v_{group}"] = ZERO
        rows[r.branch_id, r.product_id] = row
    by_day: dict[dt.date, dict[str, Any]] = {}
    for d in daily:
        if period.date_from <= d["day"] <= period.date_to:
            day = by_day.setdefault(d["day"], {"bucket": d["day"]} | dict.fromkeys(DAILY_KEYS, ZERO))
            key = DAILY_KINDS.get(d["kind"])
            if key is not None:
                day[key] += d["value"] if key == "receipts" else -d["value"]
    for m in moves:
        if m["day"] < period.date_from:
            continue  # before the period: its start and end are counted back from now
        after = m["day"] > period.date_to
        found = rows.get((m["branch_id"], m["product_id"]))
        if found is None:
            continue  # a stock row is written with a product's first movement: none is missing
        found["qty_start"] -= m["qty"]
        found["value_start"] -= m["value"]
        if after:
            found["qty_end"] -= m["qty"]
            found["value_end"] -= m["value"]
        else:
            group = KIND_GROUP[m["kind"]]
            found["moves"] += m["moves"]
            found[f"q_{group}"] += m["qty"]
            found[f"v_{group}"] += m["value"]
    return list(rows.values()), [by_day[d] for d in sorted(by_day)]


async def _sales_by_product(session: AsyncSession, scope: Scope, dates: Dates) -> list[dict[str, Any]]:
    """Quantity and net sold per (branch, product), bundles left out (their parts are sold as lines of
    their own). Summed before anything is joined: a year is ~160 k rollup rows and a few hundred sums; the
    names come from one small read of the catalog."""
    sums = await grouped(
        session,
        "report_product_daily",
        scope.branch_ids,
        dates,
        select="r.branch_id, r.product_id, sum(r.qty) AS qty, sum(r.net) AS net",
        group="1, 2",
        months=True,
    )
    catalog = {
        r.id: r
        for r in await session.execute(
            text(
                "SELECT p.id, p.name, c.id AS category_id, c.name AS category FROM products AS p "
                "JOIN categories AS c ON c.id = p.category_id WHERE p.kind <> 'bundle'"
            )
        )
    }
    rows = []
    for r in sums:
        product = catalog.get(r["product_id"])
        if product is not None:
            rows.append(
                r | {"name": product.name, "category_id": product.category_id, "category": product.category}
            )
    return rows


# Recipes flattened down to what is stocked: an ingredient made from its own recipe is replaced by its
# ingredients (the tills' catalog does the same when a sale takes stock).
_FLAT_RECIPES = """
WITH RECURSIVE flat(product_id, ingredient_id, qty, depth) AS (
    SELECT product_id, ingredient_id, CAST(gross_qty AS numeric), 1 FROM recipe_lines
    WHERE product_id = ANY(CAST(:ids AS bigint[]))
    UNION ALL
    SELECT f.product_id, r.ingredient_id, CAST(f.qty * r.gross_qty AS numeric), f.depth + 1
    FROM flat AS f JOIN recipe_lines AS r ON r.product_id = f.ingredient_id
    WHERE f.depth < 8
)
SELECT f.product_id, f.ingredient_id, sum(f.qty) AS qty FROM flat AS f
WHERE NOT EXISTS (SELECT 1 FROM recipe_lines AS r WHERE r.product_id = f.ingredient_id)
GROUP BY 1, 2
"""


async def product_costs(
    session: AsyncSession, sold: list[dict[str, Any]], ledger: list[dict[str, Any]]
) -> dict[tuple[int, int], Decimal | None]:
    """(branch, product) -> the cost of one unit sold, None when nothing says what it costs."""
    ids = sorted({r["product_id"] for r in sold})
    recipes: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for product_id, ingredient_id, qty in await session.execute(text(_FLAT_RECIPES), {"ids": ids}):
        recipes[product_id].append((ingredient_id, qty))
    unit_cost: dict[tuple[int, int], Decimal] = {}
    for r in ledger:
        used = -r["q_consumption"]
        unit_cost[r["branch_id"], r["product_id"]] = -r["v_consumption"] / used if used > 0 else r["avg_cost"]
    costs: dict[tuple[int, int], Decimal | None] = {}
    for r in sold:
        branch, product = r["branch_id"], r["product_id"]
        if product in recipes:
            parts = [unit_cost.get((branch, i)) for i, _q in recipes[product]]
            costs[branch, product] = (
                None
                if any(p is None for p in parts)
                else sum((q * c for (_i, q), c in zip(recipes[product], parts, strict=True) if c), ZERO)
            )
        else:
            costs[branch, product] = unit_cost.get((branch, product))
    return costs


# ---------------------------------------------------------------------- the figures of one period


def _sum(rows: list[dict[str, Any]], key: str) -> Decimal:
    return sum((r[key] for r in rows), ZERO)


def totals(ledger: list[dict[str, Any]], net_sales: Decimal, days: int) -> dict[str, Any]:
    """The period's headline figures from its ledger rows and net sales."""
    consumption = -_sum(ledger, "v_consumption")
    waste = -_sum(ledger, "v_waste")
    count_loss = -_sum(ledger, "v_count")
    value_start, value_end = _sum(ledger, "value_start"), _sum(ledger, "value_end")
    average_stock = (value_start + value_end) / 2
    return {
        "value_now": _sum(ledger, "value_now"),
        "value_end": value_end,
        "consumption": consumption,
        "receipts": _sum(ledger, "v_receipt"),
        "waste": waste,
        "waste_pct": percent(waste, consumption),
        "shrinkage": count_loss,
        "shrinkage_pct": percent(count_loss, consumption),
        "net_sales": net_sales,
        "food_cost_pct": percent(consumption, net_sales),
        "actual_food_cost_pct": percent(consumption + waste + count_loss, net_sales),
        "gross_margin": net_sales - consumption,
        "gross_margin_pct": percent(net_sales - consumption, net_sales),
        "turnover": ratio(consumption, average_stock),
        "days": days,
    }


async def _net_by_branch(session: AsyncSession, scope: Scope, dates: Dates) -> dict[int, Decimal]:
    """Net sales per branch (one read serves the totals and the branch comparison)."""
    net = await grouped(
        session,
        "report_sales_hourly",
        scope.branch_ids,
        dates,
        select="r.branch_id, coalesce(sum(r.net), 0) AS net",
        group="1",
        months=True,
    )
    return {r["branch_id"]: Decimal(r["net"]) for r in net}


# ---------------------------------------------------------------------- the report


async def inventory_report(
    session: AsyncSession, scope: Scope, dates: Dates, *, compare: bool
) -> tuple[list[Figure], list[Table]]:
    places = scope.exponent
    periods = [dates, dates.previous()] if compare else [dates]
    read = await ledger_rows(session, scope, periods)
    ledger, daily = read[0]
    net_by_branch = await _net_by_branch(session, scope, dates)
    now = totals(ledger, sum(net_by_branch.values(), ZERO), dates.days)
    prev: dict[str, Any] = {}
    if compare:
        net_before = await _net_by_branch(session, scope, periods[1])
        prev = totals(read[1][0], sum(net_before.values(), ZERO), dates.days)
    below = [r for r in ledger if r["reorder_point"] is not None and r["qty_now"] < r["reorder_point"]]
    dead = [r for r in ledger if r["moves"] == 0 and r["qty_end"] > 0]
    purchasing = await _purchasing(session, scope, dates)
    owed = sum((r["owed"] for r in purchasing), ZERO)

    def money(key: str) -> Figure:
        return figure(
            key,
            _FIGURE_LABELS[key](),
            "money",
            quantize(now[key], places),
            quantize(prev[key], places) if prev else None,
            compare=compare,
        )

    def pct(key: str) -> Figure:
        return figure(key, _FIGURE_LABELS[key](), "percent", now[key], prev.get(key), compare=compare)

    figures: list[Figure] = [
        money("value_end"),
        money("consumption"),
        pct("food_cost_pct"),
        pct("actual_food_cost_pct"),
        money("gross_margin"),
        money("waste"),
        pct("waste_pct"),
        money("shrinkage"),
        pct("shrinkage_pct"),
        money("receipts"),
        figure("below_reorder", _("Items below reorder point"), "int", len(below), compare=False),
        figure("dead_stock", _("Dead stock items"), "int", len(dead), compare=False),
        figure("owed", _("Owed to suppliers"), "money", quantize(owed, places), compare=False),
    ]
    for fig in figures:
        # More waste, shrinkage or food cost is bad news: the page colours a rise red.
        fig.lower_is_better = fig.key in LOWER_IS_BETTER
    sold = await _sales_by_product(session, scope, dates)
    costs = await product_costs(session, sold, ledger)
    tables = [
        _stock_by_category(ledger, places),
        _movements(ledger, places),
        _item_moves(ledger),
        _daily(daily, places),
        *_margins(sold, costs, places),
        _turnover(ledger, dates.days, places),
        _below(below, scope),
        _dead(dead, scope, places),
        _suppliers(purchasing, places),
        await _petty_cash(session, scope, dates, places),
    ]
    if len(scope.branches) > 1:
        tables.insert(1, _branches(scope, dates, ledger, net_by_branch, places))
    return figures, tables


_FIGURE_LABELS = {
    "value_end": lambda: _("Stock value at the end"),
    "consumption": lambda: _("Cost of goods sold"),
    "food_cost_pct": lambda: _("Food cost % (theoretical)"),
    "actual_food_cost_pct": lambda: _("Food cost % (actual)"),
    "gross_margin": lambda: _("Gross margin"),
    "waste": lambda: _("Waste"),
    "waste_pct": lambda: _("Waste % of consumption"),
    "shrinkage": lambda: _("Count losses (shrinkage)"),
    "shrinkage_pct": lambda: _("Shrinkage % of consumption"),
    "receipts": lambda: _("Received from suppliers"),
}


def _q(value: Decimal) -> Decimal:
    return quantize(value, QTY_PLACES)


def _stock_by_category(ledger: list[dict[str, Any]], places: int) -> Table:
    by: dict[int, dict[str, Any]] = {}
    for r in ledger:
        row = by.setdefault(
            r["category_id"], {"label": r["category"], "items": 0, "value_end": ZERO, "value_now": ZERO}
        )
        row["items"] += 1 if r["qty_end"] > 0 else 0
        row["value_end"] += r["value_end"]
        row["value_now"] += r["value_now"]
    rows = sorted(by.values(), key=lambda x: (-x["value_end"], x["label"]))
    for row in rows:
        row["value_end"] = quantize(row["value_end"], places)
        row["value_now"] = quantize(row["value_now"], places)
    return Table(
        name="stock_by_category",
        title=_("Stock value by category"),
        columns=[
            Column(key="label", label=_("Category"), kind="text"),
            Column(key="items", label=_("Items in stock"), kind="int"),
            Column(key="value_end", label=_("Value at the end"), kind="money"),
            Column(key="value_now", label=_("Value now"), kind="money"),
        ],
        rows=rows,
        chart=Chart(kind="bar", x="label", series=["value_end", "value_now"]),
    )


def _branches(
    scope: Scope, dates: Dates, ledger: list[dict[str, Any]], net_by: dict[int, Decimal], places: int
) -> Table:
    """The branch comparison (a location is a branch): stock, cost and losses side by side."""
    rows = []
    for branch in scope.branches:
        mine = [r for r in ledger if r["branch_id"] == branch.id]
        t = totals(mine, net_by.get(branch.id, ZERO), dates.days)
        rows.append(
            {
                "label": branch.name,
                "value_end": quantize(t["value_end"], places),
                "value_now": quantize(t["value_now"], places),
                "consumption": quantize(t["consumption"], places),
                "food_cost_pct": t["food_cost_pct"],
                "waste_pct": t["waste_pct"],
                "shrinkage_pct": t["shrinkage_pct"],
                "gross_margin_pct": t["gross_margin_pct"],
            }
        )
    return Table(
        name="branches",
        title=_("Branches compared"),
        columns=[
            Column(key="label", label=_("Branch"), kind="text"),
            Column(key="value_end", label=_("Stock value at the end"), kind="money"),
            Column(key="value_now", label=_("Value now"), kind="money"),
            Column(key="consumption", label=_("Cost of goods sold"), kind="money"),
            Column(key="food_cost_pct", label=_("Food cost %"), kind="percent"),
            Column(key="waste_pct", label=_("Waste %"), kind="percent"),
            Column(key="shrinkage_pct", label=_("Shrinkage %"), kind="percent"),
            Column(key="gross_margin_pct", label=_("Gross margin %"), kind="percent"),
        ],
        rows=rows,
        chart=Chart(kind="bar", x="label", series=["food_cost_pct", "waste_pct", "shrinkage_pct"]),
    )


def _movements(ledger: list[dict[str, Any]], places: int) -> Table:
    rows = []
    for group in GROUPS:
        value = _sum(ledger, f"v_{group}")
        products = sum(1 for r in ledger if r[f"q_{group}"] != 0)
        if group == "opening" and not products:
            continue
        rows.append(
            {
                "key": group,
                "label": group_label(group),
                "products": products,
                "value": quantize(value, places),
                "amount": quantize(abs(value), places),
            }
        )
    return Table(
        name="movements",
        title=_("Movements by kind (value; out is negative)"),
        columns=[
            Column(key="label", label=_("Movement"), kind="text"),
            Column(key="products", label=_("Products moved"), kind="int"),
            Column(key="value", label=_("Value"), kind="money"),
            Column(key="amount", label=_("Value moved"), kind="money"),
        ],
        rows=rows,
        chart=Chart(kind="bar", x="label", series=["amount"]),
    )


def _daily(rows: list[dict[str, Any]], places: int) -> Table:
    """The range's days, from the ledger read."""
    rows = [{k: quantize(v, places) if k != "bucket" else v for k, v in row.items()} for row in rows]
    return Table(
        name="daily",
        title=_("Consumption, receipts and losses by day"),
        columns=[
            Column(key="bucket", label=_("Day"), kind="date"),
            Column(key="consumption", label=_("Sales consumption"), kind="money"),
            Column(key="receipts", label=_("Receipts"), kind="money"),
            Column(key="waste", label=_("Waste"), kind="money"),
            Column(key="shrinkage", label=_("Count losses"), kind="money"),
        ],
        rows=rows,
        chart=Chart(kind="line", x="bucket", series=["consumption", "receipts", "waste"]),
    )


def _margin_columns(first: Column) -> list[Column]:
    return [
        first,
        Column(key="net", label=_("Net sales"), kind="money"),
        Column(key="cost", label=_("Cost"), kind="money"),
        Column(key="margin", label=_("Gross margin"), kind="money"),
        Column(key="margin_pct", label=_("Gross margin %"), kind="percent"),
    ]


def _margins(
    sold: list[dict[str, Any]], costs: dict[tuple[int, int], Decimal | None], places: int
) -> list[Table]:
    products: dict[int, dict[str, Any]] = {}
    categories: dict[int, dict[str, Any]] = {}
    for r in sold:
        unit = costs.get((r["branch_id"], r["product_id"]))
        cost = None if unit is None else unit * r["qty"]
        for key, label, into in (
            (r["product_id"], r["name"], products),
            (r["category_id"], r["category"], categories),
        ):
            row = into.setdefault(
                key, {"label": label, "qty": ZERO, "net": ZERO, "cost": ZERO, "costed": True}
            )
            row["qty"] += r["qty"]
            row["net"] += r["net"]
            if cost is None:
                row["costed"] = False
            else:
                row["cost"] += cost

    def finish(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            costed = row.pop("costed")
            cost = row["cost"] if costed else None
            row["cost"] = None if cost is None else quantize(cost, places)
            row["margin"] = None if cost is None else quantize(row["net"] - cost, places)
            row["margin_pct"] = None if cost is None else percent(row["net"] - cost, row["net"])
            row["net"] = quantize(row["net"], places)
            row["qty"] = _q(row["qty"])
        return rows

    by_category = finish(sorted(categories.values(), key=lambda x: (-x["net"], x["label"])))
    by_product = finish(sorted(products.values(), key=lambda x: (-x["net"], x["label"]))[:TOP_ITEMS])
    return [
        Table(
            name="margin_categories",
            title=_("Gross margin by category (cost from recipes)"),
            columns=_margin_columns(Column(key="label", label=_("Category"), kind="text")),
            rows=by_category,
            chart=Chart(kind="bar", x="label", series=["net", "cost"]),
        ),
        Table(
            name="margin_products",
            title=_("Gross margin of the best sellers"),
            columns=[
                Column(key="label", label=_("Product"), kind="text"),
                Column(key="qty", label=_("Sold"), kind="qty"),
                *_margin_columns(Column(key="label", label=_("Product"), kind="text"))[1:],
            ],
            rows=by_product,
            chart=Chart(kind="bar", x="label", series=["margin_pct"]),
        ),
    ]


def _per_product(ledger: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ledger rows of every branch added up per product (an item's turnover across the branches)."""
    keys = (*(f"q_{g}" for g in GROUPS), "v_consumption", "qty_end", "value_start", "value_end")
    by: dict[int, dict[str, Any]] = {}
    for r in ledger:
        row = by.get(r["product_id"])
        if row is None:
            by[r["product_id"]] = {"name": r["name"], "unit": r["unit"]} | {k: r[k] for k in keys}
        else:
            for k in keys:
                row[k] += r[k]
    return list(by.values())


def _item_moves(ledger: list[dict[str, Any]]) -> Table:
    """Each item's quantities by kind of movement (in its own unit: kilograms and pieces never add up)."""
    rows = []
    for r in _per_product(ledger):
        row = {"label": r["name"], "unit": r["unit"]}
        row |= {g: _q(abs(r[f"q_{g}"]) if g != "count" else r[f"q_{g}"]) for g in GROUPS if g != "opening"}
        if any(row[g] for g in GROUPS if g != "opening"):
            rows.append(row)
    rows.sort(key=lambda x: (-x["consumption"], x["label"]))
    return Table(
        name="item_moves",
        title=_("Quantities moved per item"),
        columns=[
            Column(key="label", label=_("Item"), kind="text"),
            Column(key="unit", label=_("Unit"), kind="text"),
            *(Column(key=g, label=group_label(g), kind="qty") for g in GROUPS if g != "opening"),
        ],
        rows=rows[:TOP_ITEMS],
        chart=Chart(kind="bar", x="label", series=["receipt", "consumption", "waste"]),
    )


def _turnover(ledger: list[dict[str, Any]], days: int, places: int) -> Table:
    rows = []
    for r in _per_product(ledger):
        used = -r["q_consumption"]
        if used <= 0:
            continue  # not used in the range: dead stock (or not stocked), listed there
        average_value = (r["value_start"] + r["value_end"]) / 2
        daily = used / days
        rows.append(
            {
                "label": r["name"],
                "unit": r["unit"],
                "used": _q(used),
                "on_hand": _q(r["qty_end"]),
                "value": quantize(r["value_end"], places),
                "cost_used": quantize(-r["v_consumption"], places),
                "wasted": _q(-r["q_waste"]),
                "turnover": ratio(-r["v_consumption"], average_value),
                "cover_days": ratio(r["qty_end"], daily, 1) if daily > 0 else None,
            }
        )
    rows.sort(key=lambda x: (-x["cost_used"], x["label"]))
    return Table(
        name="turnover",
        title=_("Turnover and days of cover per item"),
        columns=[
            Column(key="label", label=_("Item"), kind="text"),
            Column(key="unit", label=_("Unit"), kind="text"),
            Column(key="used", label=_("Used"), kind="qty"),
            Column(key="cost_used", label=_("Cost used"), kind="money"),
            Column(key="wasted", label=_("Wasted"), kind="qty"),
            Column(key="on_hand", label=_("On hand at the end"), kind="qty"),
            Column(key="value", label=_("Value at the end"), kind="money"),
            Column(key="turnover", label=_("Turnover"), kind="qty"),
            Column(key="cover_days", label=_("Days of cover"), kind="qty"),
        ],
        rows=rows[:TOP_ITEMS],
        chart=Chart(kind="bar", x="label", series=["cover_days"]),
    )


def _branch_name(scope: Scope) -> dict[int, str]:
    return {b.id: b.name for b in scope.branches}


def _below(below: list[dict[str, Any]], scope: Scope) -> Table:
    names = _branch_name(scope)
    rows = [
        {
            "branch": names.get(r["branch_id"], str(r["branch_id"])),
            "label": f"{r['name']} ({r['unit']})",
            "on_hand": _q(r["qty_now"]),
            "reorder_point": _q(r["reorder_point"]),
            "par_level": None if r["par_level"] is None else _q(r["par_level"]),
            "to_order": _q(max((r["par_level"] or r["reorder_point"]) - r["qty_now"], ZERO)),
        }
        for r in sorted(below, key=lambda x: x["qty_now"] / x["reorder_point"] if x["reorder_point"] else 0)
    ]
    return Table(
        name="below_reorder",
        title=_("Below the reorder point now"),
        columns=[
            Column(key="branch", label=_("Branch"), kind="text"),
            Column(key="label", label=_("Item"), kind="text"),
            Column(key="on_hand", label=_("On hand"), kind="qty"),
            Column(key="reorder_point", label=_("Reorder point"), kind="qty"),
            Column(key="par_level", label=_("Par level"), kind="qty"),
            Column(key="to_order", label=_("To order"), kind="qty"),
        ],
        rows=rows,
        chart=Chart(kind="bar", x="label", series=["on_hand", "reorder_point"]),
    )


def _dead(dead: list[dict[str, Any]], scope: Scope, places: int) -> Table:
    names = _branch_name(scope)
    rows = [
        {
            "branch": names.get(r["branch_id"], str(r["branch_id"])),
            "label": r["name"],
            "unit": r["unit"],
            "on_hand": _q(r["qty_end"]),
            "value": quantize(r["value_end"], places),
        }
        for r in sorted(dead, key=lambda x: (-x["value_end"], x["name"]))
    ]
    return Table(
        name="dead_stock",
        title=_("Dead stock: on hand, no movement in the range"),
        columns=[
            Column(key="branch", label=_("Branch"), kind="text"),
            Column(key="label", label=_("Item"), kind="text"),
            Column(key="unit", label=_("Unit"), kind="text"),
            Column(key="on_hand", label=_("On hand at the end"), kind="qty"),
            Column(key="value", label=_("Value at the end"), kind="money"),
        ],
        rows=rows,
        chart=Chart(kind="bar", x="label", series=["value"]),
    )


# Spend is what was received in the range (receipts at their cost); open orders and what is owed are now.
_PURCHASING = f"""
WITH {_BOUNDS},
spend AS (
    SELECT o.supplier_id, sum(r.total) AS spend, count(DISTINCT r.purchase_order_id)::int AS received
    FROM bounds AS b
    JOIN purchase_receipts AS r ON r.branch_id = b.branch_id AND r.received_at >= b.lo AND r.received_at < b.hi
    JOIN purchase_orders AS o ON o.id = r.purchase_order_id
    GROUP BY 1
),
open_orders AS (
    SELECT supplier_id, count(*)::int AS open_orders, sum(total) AS open_value FROM purchase_orders
    WHERE branch_id = ANY(CAST(:b AS bigint[])) AND state IN ('draft', 'sent', 'partial')
    GROUP BY 1
),
owed AS (
    SELECT supplier_id, sum(amount - paid) AS owed,
           sum(amount - paid) FILTER (WHERE due_date < CAST(:t AS date)) AS overdue
    FROM supplier_invoices
    WHERE branch_id = ANY(CAST(:b AS bigint[])) AND state = 'open'
    GROUP BY 1
)
SELECT s.id, s.name AS label, coalesce(sp.spend, 0) AS spend, coalesce(sp.received, 0) AS received,
       coalesce(oo.open_orders, 0) AS open_orders, coalesce(oo.open_value, 0) AS open_value,
       coalesce(ow.owed, 0) AS owed, coalesce(ow.overdue, 0) AS overdue
FROM suppliers AS s
LEFT JOIN spend AS sp ON sp.supplier_id = s.id
LEFT JOIN open_orders AS oo ON oo.supplier_id = s.id
LEFT JOIN owed AS ow ON ow.supplier_id = s.id
WHERE sp.supplier_id IS NOT NULL OR oo.supplier_id IS NOT NULL OR ow.supplier_id IS NOT NULL
ORDER BY 3 DESC, 2
"""  # noqa: S608 - composed from this module's constants only


async def _purchasing(session: AsyncSession, scope: Scope, dates: Dates) -> list[dict[str, Any]]:
    result = await session.execute(
        text(_PURCHASING), {"b": scope.branch_ids, "f": dates.date_from, "t": dates.date_to}
    )
    return [dict(r._mapping) for r in result]


def _suppliers(rows: list[dict[str, Any]], places: int) -> Table:
    for row in rows:
        row.pop("id", None)
        for key in ("spend", "open_value", "owed", "overdue"):
            row[key] = quantize(row[key], places)
    return Table(
        name="suppliers",
        title=_("Purchasing per supplier"),
        columns=[
            Column(key="label", label=_("Supplier"), kind="text"),
            Column(key="spend", label=_("Spend (received)"), kind="money"),
            Column(key="received", label=_("Orders received"), kind="int"),
            Column(key="open_orders", label=_("Orders open"), kind="int"),
            Column(key="owed", label=_("Invoices owed"), kind="money"),
            Column(key="overdue", label=_("Overdue"), kind="money"),
        ],
        rows=rows,
        chart=Chart(kind="bar", x="label", series=["spend", "owed"]),
    )


_PETTY = f"""
WITH {_BOUNDS}
SELECT e.category AS key, count(*) FILTER (WHERE e.state = 'approved')::int AS expenses,
       coalesce(sum(e.amount) FILTER (WHERE e.state = 'approved'), 0) AS amount,
       coalesce(sum(e.amount) FILTER (WHERE e.state = 'pending'), 0) AS pending
FROM bounds AS b
JOIN expenses AS e ON e.branch_id = b.branch_id AND e.created_at >= b.lo AND e.created_at < b.hi
GROUP BY 1 ORDER BY 3 DESC, 1
"""  # noqa: S608 - composed from this module's constants only


async def _petty_cash(session: AsyncSession, scope: Scope, dates: Dates, places: int) -> Table:
    result = await session.execute(
        text(_PETTY), {"b": scope.branch_ids, "f": dates.date_from, "t": dates.date_to}
    )
    rows = []
    for r in result:
        row = dict(r._mapping)
        row["label"] = expense_label(row.pop("key"))
        row["amount"] = quantize(row["amount"], places)
        row["pending"] = quantize(row["pending"], places)
        rows.append(row)
    return Table(
        name="petty_cash",
        title=_("Petty cash by category"),
        columns=[
            Column(key="label", label=_("Category"), kind="text"),
            Column(key="expenses", label=_("Expenses"), kind="int"),
            Column(key="amount", label=_("Paid out"), kind="money"),
            Column(key="pending", label=_("Awaiting approval"), kind="money"),
        ],
        rows=rows,
        chart=Chart(kind="donut", x="label", series=["amount"]),
    )

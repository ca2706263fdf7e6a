"""Demand forecast per product and branch, from its sales history, and the purchase orders it suggests.

Restaurant demand has a strong weekly rhythm (Fridays are not Tuesdays) on a level that drifts. The forecast
is multiplicative: a recent level (the mean daily demand over the last four weeks) times a weekday index (how
that weekday compares to the average day over the last eight weeks). It is written here rather than taken
from a library: a statistics stack (statsmodels, pandas) is a heavy dependency for a dozen lines of
arithmetic, and this form is the classic one a backtest can check (tests/load/run_stock_forecast_backtest.py compares
it with the naive "the last seven days' mean" and "same day last week").

A suggestion orders up to the par level plus what the supplier's lead time will eat, when the stock left
after that lead time would be at or under the reorder point.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import text

from app.db.models import Branch
from app.inventory.schemas import Suggestion, SuggestionLine, SuggestionsOut
from app.inventory.stock import StockService
from app.lib.i18n import _

HISTORY_DAYS = 56
LEVEL_DAYS = 28
ZERO = Decimal(0)


def seasonal_forecast(
    history: Mapping[dt.date, Decimal], *, today: dt.date, days: int, history_days: int = HISTORY_DAYS
) -> list[Decimal]:
    """Demand for each of the `days` days after `today`, from the `history_days` days up to and including
    `today` (a day without sales is a day of zero demand)."""
    window = [today - dt.timedelta(days=n) for n in range(history_days)]
    values = {d: history.get(d, ZERO) for d in window}
    total = sum(values.values(), ZERO)
    if total == 0:
        return [ZERO] * days
    mean = total / len(window)
    by_weekday: dict[int, list[Decimal]] = defaultdict(list)
    for d, v in values.items():
        by_weekday[d.weekday()].append(v)
    index = {w: (sum(vs, ZERO) / len(vs)) / mean for w, vs in by_weekday.items()}
    recent = [values[d] for d in window[:LEVEL_DAYS]]
    level = sum(recent, ZERO) / len(recent)
    return [
        level * index.get((today + dt.timedelta(days=n)).weekday(), Decimal(1)) for n in range(1, days + 1)
    ]


def naive_forecast(history: Mapping[dt.date, Decimal], *, today: dt.date, days: int) -> list[Decimal]:
    """The baseline: every coming day sells what the last seven days sold on average."""
    last = [history.get(today - dt.timedelta(days=n), ZERO) for n in range(7)]
    return [sum(last, ZERO) / 7] * days


def seasonal_naive_forecast(
    history: Mapping[dt.date, Decimal], *, today: dt.date, days: int
) -> list[Decimal]:
    """Another baseline: each coming day sells what the same weekday sold last week."""
    return [
        history.get(today + dt.timedelta(days=n) - dt.timedelta(days=7), ZERO) for n in range(1, days + 1)
    ]


def order_qty(
    *, on_hand: Decimal, lead_demand: Decimal, reorder_point: Decimal | None, par_level: Decimal | None
) -> Decimal:
    """Base units to order now (0: not yet)."""
    floor = reorder_point if reorder_point is not None else ZERO
    if on_hand - lead_demand > floor:
        return ZERO
    target = (par_level if par_level is not None else floor) + lead_demand
    return max(ZERO, target - on_hand)


_DAILY_SALES = text(
    """
SELECT product_id, (created_at AT TIME ZONE :zone)::date AS day, -sum(qty)
FROM stock_moves
WHERE branch_id = :branch_id AND kind IN ('sale', 'cancel') AND created_at >= :since
GROUP BY product_id, day
"""
)

_CANDIDATES = text(
    """
SELECT s.product_id, p.name, s.qty, s.reorder_point, s.par_level,
       si.supplier_id, sup.name, sup.lead_time_days, si.unit, u.factor, si.price
FROM product_stock AS s
JOIN products AS p ON p.id = s.product_id
JOIN LATERAL (
    -- The cheapest active supplier of the product, per base unit.
    SELECT x.* FROM supplier_items AS x
    JOIN suppliers AS y ON y.id = x.supplier_id AND y.active
    JOIN product_units AS z ON z.product_id = x.product_id AND z.unit = x.unit
    WHERE x.product_id = s.product_id
    ORDER BY x.price / z.factor, x.supplier_id
    LIMIT 1
) AS si ON true
JOIN suppliers AS sup ON sup.id = si.supplier_id
JOIN product_units AS u ON u.product_id = si.product_id AND u.unit = si.unit
WHERE s.branch_id = :branch_id
ORDER BY sup.name, p.name
"""
)


class ForecastService(StockService):
    async def suggestions(self, *, branch_id: int, today: dt.date | None = None) -> SuggestionsOut:
        branch = await self.session.get(Branch, branch_id)
        if branch is None:
            # An admin sees every branch, so visibility alone does not prove it exists.
            raise NotFoundException(detail=_("Branch not found"))
        zone = ZoneInfo(branch.timezone)
        now = dt.datetime.now(zone)
        today = today or now.date()
        since = dt.datetime.combine(today - dt.timedelta(days=HISTORY_DAYS - 1), dt.time(), zone)
        history: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
        for product_id, day, qty in await self.session.execute(
            _DAILY_SALES, {"zone": branch.timezone, "branch_id": branch_id, "since": since}
        ):
            history[product_id][day] = Decimal(qty)
        by_supplier: dict[int, Suggestion] = {}
        for (
            pid,
            name,
            on_hand,
            point,
            par,
            sid,
            sname,
            lead,
            unit,
            factor,
            price,
        ) in await self.session.execute(_CANDIDATES, {"branch_id": branch_id}):
            days = max(int(lead), 1)
            lead_demand = sum(seasonal_forecast(history.get(pid, {}), today=today, days=days), ZERO)
            need = order_qty(on_hand=on_hand, lead_demand=lead_demand, reorder_point=point, par_level=par)
            if need <= 0:
                continue
            units = (need / factor).to_integral_value(ROUND_CEILING)
            suggestion = by_supplier.setdefault(
                sid, Suggestion(supplier_id=sid, supplier_name=sname, lead_time_days=int(lead), lines=[])
            )
            suggestion.lines.append(
                SuggestionLine(
                    product_id=pid,
                    name=name,
                    on_hand=on_hand,
                    reorder_point=point,
                    par_level=par,
                    forecast=lead_demand.quantize(Decimal("0.001")),
                    suggested=need.quantize(Decimal("0.001")),
                    unit=unit,
                    factor=factor,
                    suggested_units=units,
                    unit_price=price,
                )
            )
        return SuggestionsOut(branch_id=branch_id, suppliers=list(by_supplier.values()))


def errors(actual: Sequence[Decimal], predicted: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """(mean absolute error, weighted absolute percentage error) of a forecast."""
    absolute = [abs(a - p) for a, p in zip(actual, predicted, strict=True)]
    mae = sum(absolute, ZERO) / len(absolute)
    total = sum(actual, ZERO)
    return mae, (sum(absolute, ZERO) / total if total else ZERO)

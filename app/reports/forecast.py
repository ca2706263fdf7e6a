"""Insights: tomorrow's sales per hour and per top product with a band, items trending up or down, and the
hours that fell far outside what was expected (anomalies).

The model is statsmodels' ETS (exponential smoothing, the state-space form of Holt-Winters), fitted to daily
sales with a weekly season and a damped trend; its prediction interval is the band. An hour's forecast is
the day's forecast times that hour's share of the same weekday over the last eight weeks; the hour's band
combines the day's interval with how much that share itself varies. One model fit per question (plus one per
top product), done in a worker thread so the event loop never waits on it, and cached for a few minutes.
`tests/load/run_forecast_backtest.py` measures it against the seasonal-naive baseline (same hour last week).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.reports._build import grouped, quantize
from app.reports.scope import Dates

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

HISTORY_DAYS = 56
SEASON = 7
# A z-score for a two-sided interval: 80 % for the band shown, 99 % for what counts as an anomaly.
Z_BAND = 1.2816
Z_ANOMALY = 2.5758
TOP_PRODUCTS = 5
_CACHE_SECONDS = 600
_cache: dict[tuple[Any, ...], tuple[float, Any]] = {}


@dataclass(frozen=True, slots=True)
class Interval:
    mean: float
    sd: float

    def band(self, z: float) -> tuple[float, float]:
        return max(self.mean - z * self.sd, 0.0), self.mean + z * self.sd


def fit_next(series: list[float], steps: int = 1) -> Interval:
    """The value `steps` days after the end of a daily series (weekly season) and its standard error, from
    an ETS fit; a plain same-weekday mean when the history is too short for the model (under three weeks)."""
    if len(series) < 3 * SEASON or max(series, default=0) <= 0:
        same = series[len(series) - SEASON + steps - 1 :: -SEASON] if series else []
        same = same or [0.0]
        mean = sum(same) / len(same)
        spread = (
            math.sqrt(sum((v - mean) ** 2 for v in same) / max(len(same) - 1, 1))
            if len(same) > 1
            else mean / 4
        )
        return Interval(mean, spread)
    # Imported here: pandas and statsmodels take a second or two to import, which every web process and
    # CLI command would otherwise pay at start-up for a page few people open.
    import pandas as pd  # type: ignore[import-untyped]  # noqa: PLC0415
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # type: ignore[import-untyped]  # noqa: PLC0415

    endog = pd.Series(series, dtype="float64")
    with warnings.catch_warnings():
        # Convergence chatter on short, flat series; the fit is still the best it found.
        warnings.simplefilter("ignore")
        model = ETSModel(
            endog, error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=SEASON
        )
        fitted = model.fit(disp=False, maxiter=200)
        at = len(series) + steps - 1
        frame = fitted.get_prediction(start=at, end=at).summary_frame(alpha=0.2)
    mean = float(frame["mean"].iloc[0])
    upper = float(frame["pi_upper"].iloc[0])
    return Interval(max(mean, 0.0), max((upper - mean) / Z_BAND, 0.0))


def hour_shares(days: dict[dt.date, dict[int, float]], weekday: int) -> dict[int, tuple[float, float]]:
    """Per hour: the mean and standard deviation of its share of the day, over the days of `weekday`."""
    shares: dict[int, list[float]] = defaultdict(list)
    same = [hours for day, hours in days.items() if day.isoweekday() == weekday and sum(hours.values()) > 0]
    all_hours = {h for hours in same for h in hours}
    for hours in same:
        total = sum(hours.values())
        for h in all_hours:
            shares[h].append(hours.get(h, 0.0) / total)
    out = {}
    for h, values in shares.items():
        mean = sum(values) / len(values)
        sd = (
            math.sqrt(sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1))
            if len(values) > 1
            else 0.0
        )
        out[h] = (mean, sd)
    return out


def hourly_forecast(
    days: dict[dt.date, dict[int, float]], target: dt.date, *, last: dt.date | None = None
) -> list[dict[str, float]]:
    """Rows (hour, mean, sd) for `target`, from `days` = {day: {hour: sales}} up to `last` (default: the day
    before `target`; tomorrow is forecast from yesterday, because today is not over)."""
    last = last or target - dt.timedelta(days=1)
    history = [last - dt.timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
    first = next((d for d in history if d in days), None)
    series = [sum(days.get(d, {}).values()) for d in history if first is not None and d >= first]
    daily = fit_next(series, steps=(target - last).days)
    rows = []
    for hour, (share, share_sd) in sorted(hour_shares(days, target.isoweekday()).items()):
        mean = daily.mean * share
        # Var(D·S) for independent D and S: both the day's uncertainty and the hour's share move it.
        sd = math.sqrt((daily.sd * share) ** 2 + (daily.mean * share_sd) ** 2 + (daily.sd * share_sd) ** 2)
        rows.append({"hour": hour, "mean": mean, "sd": sd})
    return rows


async def hourly_history(
    session: AsyncSession, branch_ids: list[int], target: dt.date
) -> dict[dt.date, dict[int, float]]:
    dates = Dates(target - dt.timedelta(days=HISTORY_DAYS), target - dt.timedelta(days=1))
    rows = await grouped(
        session,
        "report_sales_hourly",
        branch_ids,
        dates,
        select="r.business_date AS day, r.hour AS hour, sum(r.gross) AS gross",
        group="1, 2",
    )
    days: dict[dt.date, dict[int, float]] = defaultdict(dict)
    for row in rows:
        days[row["day"]][row["hour"]] = float(row["gross"])
    return days


async def product_history(
    session: AsyncSession, branch_ids: list[int], target: dt.date
) -> tuple[dict[int, str], dict[int, dict[dt.date, float]]]:
    dates = Dates(target - dt.timedelta(days=HISTORY_DAYS), target - dt.timedelta(days=1))
    recent = Dates(target - dt.timedelta(days=28), target - dt.timedelta(days=1))
    top = await grouped(
        session,
        "report_product_daily",
        branch_ids,
        recent,
        select="r.product_id AS id, min(p.name) AS name, sum(r.qty) AS qty",
        joins="JOIN products AS p ON p.id = r.product_id",
        group="1",
        order="3 DESC, 1",
        limit=TOP_PRODUCTS,
    )
    names = {row["id"]: row["name"] for row in top}
    rows = await grouped(
        session,
        "report_product_daily",
        branch_ids,
        dates,
        select="r.product_id AS id, r.business_date AS day, sum(r.qty) AS qty",
        where=f"r.product_id = ANY(ARRAY[{', '.join(str(int(i)) for i in names) or 'NULL'}]::bigint[])",
        group="1, 2",
    )
    series: dict[int, dict[dt.date, float]] = defaultdict(dict)
    for row in rows:
        series[row["id"]][row["day"]] = float(row["qty"])
    return names, series


def _product_rows(
    names: dict[int, str], series: dict[int, dict[dt.date, float]], target: dt.date, last: dt.date
) -> list[dict[str, Any]]:
    history = [last - dt.timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
    out = []
    for product_id, name in names.items():
        days = series.get(product_id, {})
        first = min(days, default=last)
        fit = fit_next([days.get(d, 0.0) for d in history if d >= first], steps=(target - last).days)
        low, high = fit.band(Z_BAND)
        out.append({"key": str(product_id), "label": name, "qty": fit.mean, "low": low, "high": high})
    return out


async def forecast(
    session: AsyncSession, branch_ids: list[int], target: dt.date, *, last: dt.date
) -> dict[str, Any]:
    """The forecast for `target` from the days up to `last` (yesterday: today is not over): hourly sales
    rows and top-product quantity rows (floats)."""
    key = ("forecast", tuple(branch_ids), target, last)
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < _CACHE_SECONDS:
        cached: dict[str, Any] = hit[1]
        return cached
    after_last = last + dt.timedelta(days=1)
    days = await hourly_history(session, branch_ids, after_last)
    names, series = await product_history(session, branch_ids, after_last)
    hours = await asyncio.to_thread(lambda: hourly_forecast(days, target, last=last))
    products = await asyncio.to_thread(lambda: _product_rows(names, series, target, last))
    result = {"hours": hours, "products": products}
    _cache[key] = (time.monotonic(), result)
    return result


def money(value: float, places: int) -> Decimal:
    return quantize(Decimal(repr(round(value, places))), places)

"""Backtest of the inventory's demand forecast (app/inventory/forecast.py) against naive baselines.

    .venv/bin/python -m tests.load.run_stock_forecast_backtest                  # 40 products, 26 weeks
    .venv/bin/python -m tests.load.run_stock_forecast_backtest --products 200 --weeks 52 --seed 7

Sales histories are generated per product the way a restaurant's look: a base level (2 to 80 a day), a
weekly rhythm (weekends and Fridays busier, Mondays quieter, varied per product), a slow drift (a product
getting more or less popular), Poisson noise, and the odd closed day. Rolling origin over the last eight
weeks: each day, every method forecasts the next `--horizon` days (a supplier's lead time) from the history
up to that day only, and is scored against what then sold, summed over the horizon (what an order must
cover). It prints the mean absolute error and the weighted absolute percentage error of each method, and
the machine. It never asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import random
import time
from decimal import Decimal

from app.inventory.forecast import errors, naive_forecast, seasonal_forecast, seasonal_naive_forecast

START = dt.date(2026, 1, 5)


def poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method is fine for the small means here; a normal approximation above 30.
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def history(rng: random.Random, days: int) -> dict[dt.date, Decimal]:
    base = rng.uniform(2, 80)
    rhythm = [0.75, 0.9, 0.95, 1.0, 1.25, 1.5, 1.35]
    rhythm = [r * rng.uniform(0.85, 1.15) for r in rhythm]
    drift = rng.uniform(-0.3, 0.4) / days
    out: dict[dt.date, Decimal] = {}
    for n in range(days):
        day = START + dt.timedelta(days=n)
        closed = rng.random() < 0.01
        mean = base * rhythm[day.weekday()] * (1 + drift * n)
        out[day] = Decimal(0 if closed else poisson(rng, max(mean, 0.1)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--horizon", type=int, default=2, help="days ahead an order must cover (lead time)")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    days = args.weeks * 7
    if days < 56 + args.horizon + 14:
        # The origins span the last 8 weeks; the first one needs two weeks of history behind it.
        needed = -(-(56 + args.horizon + 14) // 7)
        parser.error(
            f"--weeks {args.weeks} is too short: at horizon {args.horizon} it needs at least {needed}"
        )
    methods = {
        "weekday-seasonal (Passline)": seasonal_forecast,
        "naive: last 7 days' mean": naive_forecast,
        "naive: same day last week": seasonal_naive_forecast,
    }
    actual: list[Decimal] = []
    predicted: dict[str, list[Decimal]] = {name: [] for name in methods}
    started = time.perf_counter()
    for _ in range(args.products):
        sales = history(rng, days)
        for origin in range(days - 56 - args.horizon, days - args.horizon):
            today = START + dt.timedelta(days=origin)
            seen = {d: v for d, v in sales.items() if d <= today}
            actual.append(
                sum((sales[today + dt.timedelta(days=h)] for h in range(1, args.horizon + 1)), Decimal(0))
            )
            for name, method in methods.items():
                predicted[name].append(sum(method(seen, today=today, days=args.horizon), Decimal(0)))
    elapsed = time.perf_counter() - started
    print(f"forecast backtest: {args.products} products x {args.weeks} weeks, origins over the last 8 weeks,")
    print(
        f"horizon {args.horizon} days, seed {args.seed}; {len(actual)} forecasts per method in {elapsed:.1f} s"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}"
    )
    print(f"{'method':32} {'MAE':>10} {'WAPE':>8}")
    baseline = None
    for name, values in predicted.items():
        mae, wape = errors(actual, values)
        if baseline is None:
            baseline = wape
        print(f"{name:32} {mae:10.3f} {wape * 100:7.2f}%")
    _, naive = errors(actual, predicted["naive: last 7 days' mean"])
    assert baseline is not None
    print(f"the seasonal forecast's error is {baseline / naive * 100:.0f}% of the 7-day mean's")


if __name__ == "__main__":
    main()

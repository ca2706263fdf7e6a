"""Backtest of the sales forecast (app/reports/forecast.py) against the seasonal-naive baseline.

For each of the last N days of a history (per branch), the model sees only the days before it and forecasts
the day's sales per hour; the baseline says "the same hour a week earlier". Prints, for both: WAPE (sum of
absolute errors over sum of actual sales) and MAE per hour and per day, and how often the actual hour fell
inside the model's 80 % band. Prints figures; asserts nothing.

    .venv/bin/python tests/load/run_forecast_backtest.py                 # scratch database, 150 days seeded
    .venv/bin/python tests/load/run_forecast_backtest.py --keep reports_1m --days 28
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.load.run_reports import database


async def backtest(days: int, seed_days: int, per_day: int) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from sqlalchemy import text

    from app.demo.seed import seed_demo
    from app.lib.deps import provide_services
    from app.lib.runtime import open_runtime
    from app.reports.forecast import Z_BAND, hourly_forecast, hourly_history
    from app.reports.history import seed_history

    async with open_runtime() as runtime, provide_services(runtime) as scope:
        session = scope.session
        await seed_demo(session)
        if not await session.scalar(text("SELECT count(*) FROM orders")):
            await seed_history(session, days=seed_days, orders_per_day=per_day)
        branches = (await session.execute(text("SELECT id, code, timezone FROM branches ORDER BY id"))).all()
        print(
            f"\nForecast backtest: the last {days} days of each branch, each forecast from the days before it"
        )
        print(
            f"  {'branch':<8} {'model':<16} {'WAPE hour':>10} {'MAE hour':>10} {'WAPE day':>9} {'in 80 % band':>13}"
        )
        for branch_id, code, zone in branches:
            today = dt.datetime.now(ZoneInfo(zone)).date()
            err = {
                "ets": [0.0, 0.0, 0, 0.0],
                "naive": [0.0, 0.0, 0, 0.0],
            }  # abs err, actual, hours, day abs err
            inside = 0
            began = time.perf_counter()
            for n in range(days, 0, -1):
                day = today - dt.timedelta(days=n)
                history = await hourly_history(session, [branch_id], day)
                actual_rows = await hourly_history(session, [branch_id], day + dt.timedelta(days=1))
                actual = actual_rows.get(day, {})
                naive = history.get(day - dt.timedelta(days=7), {})
                forecast = {r["hour"]: r for r in hourly_forecast(history, day)}
                hours = set(actual) | set(forecast) | set(naive)
                for model, guess in (
                    ("ets", {h: forecast[h]["mean"] for h in forecast}),
                    ("naive", naive),
                ):
                    for h in hours:
                        err[model][0] += abs(guess.get(h, 0.0) - actual.get(h, 0.0))
                        err[model][2] += 1
                    err[model][1] += sum(actual.values())
                    err[model][3] += abs(sum(guess.values()) - sum(actual.values()))
                for h, row in forecast.items():
                    low, high = row["mean"] - Z_BAND * row["sd"], row["mean"] + Z_BAND * row["sd"]
                    inside += low <= actual.get(h, 0.0) <= high
                await session.rollback()
            spent = time.perf_counter() - began
            for model, name in (("ets", "ETS (statsmodels)"), ("naive", "seasonal naive")):
                abs_err, total, hours_n, day_err = err[model]
                band = f"{inside / max(err['ets'][2], 1) * 100:12.0f}%" if model == "ets" else f"{'—':>13}"
                print(
                    f"  {code:<8} {name:<16} {abs_err / total * 100:9.1f}% {abs_err / hours_n:10.1f} "
                    f"{day_err / total * 100:8.1f}% {band}"
                )
            print(f"  {code:<8} ({days} fits in {spent:.1f} s, {spent / days * 1000:.0f} ms a day)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed-days", type=int, default=150)
    parser.add_argument("--orders-per-day", type=int, default=300)
    parser.add_argument("--keep", metavar="DATABASE")
    args = parser.parse_args()
    pg_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with database(pg_url, args.keep) as url:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("PASSLINE_REDIS_PREFIX", "bench-forecast:")
        from app.db.migrate import upgrade
        from app.settings import get_settings

        get_settings.cache_clear()
        upgrade(get_settings().database.async_url)
        asyncio.run(backtest(args.days, args.seed_days, args.orders_per_day))
    return 0


if __name__ == "__main__":
    sys.exit(main())

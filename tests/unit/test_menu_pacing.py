"""The ready-time quote's arithmetic (app/menu/pacing.py): each station a queue worked by its cooks, the
order as late as its slowest station, prep times per product and station, modifiers made elsewhere."""

from __future__ import annotations

from decimal import Decimal

from app.catalog.cache import ProductInfo
from app.catalog.menu_depth import StationPace
from app.menu.pacing import DEFAULT_PREP_SECONDS, LineWork, StationWork, order_work, quote_ms, window_of

MIN = 60_000


def product(pid: int, station: str, **prep: int) -> ProductInfo:
    return ProductInfo(
        id=pid,
        name=f"P{pid}",
        base_unit="piece",
        tax_rate=Decimal(0),
        station_code=station,
        active=True,
        units={"piece": Decimal(1)},
        prices={},
        prep_seconds=prep,
    )


def test_order_work_counts_each_item_at_its_station_and_untimed_products_get_the_default() -> None:
    products = {1: product(1, "grill", grill=420), 2: product(2, "fryer")}
    work = order_work(
        [
            LineWork(product_id=1, qty=Decimal(2), station_code="grill", modifier_stations=("fryer",)),
            LineWork(product_id=2, qty=Decimal(1), station_code="fryer"),
        ],
        products,
    )
    assert work["grill"] == StationWork(work_ms=840_000, longest_ms=420_000, items=2)
    # The burger's side made at the fryer (2 of them, 2 min each) and the fries (the default).
    assert work["fryer"].items == 3
    assert work["fryer"].work_ms == 2 * 120_000 + DEFAULT_PREP_SECONDS * 1000


def test_the_quote_is_the_slowest_stations_backlog_share_plus_its_own_work() -> None:
    work = {
        "grill": StationWork(work_ms=14 * MIN, longest_ms=7 * MIN, items=2),
        "bar": StationWork(work_ms=MIN, longest_ms=MIN, items=1),
    }
    # Empty kitchen, one cook: 14 min at the grill.
    assert quote_ms(0, work, {}, {}) == 14 * MIN
    # 10 min of backlog at the grill shared by two cooks (5), then 14 min of work shared (7).
    assert quote_ms(0, work, {"grill": 10 * MIN}, {"grill": StationPace(cooks=2)}) == 12 * MIN
    # Many cooks never make an item faster than it cooks.
    assert quote_ms(0, work, {}, {"grill": StationPace(cooks=10)}) == 7 * MIN
    # A long queue at the bar makes the bar the slow station.
    assert quote_ms(0, work, {"bar": 30 * MIN}, {}) == 31 * MIN


def test_windows_are_fifteen_minutes() -> None:
    assert window_of(0) == 0
    assert window_of(15 * MIN - 1) == 0
    assert window_of(15 * MIN) == 15 * MIN

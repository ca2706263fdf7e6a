"""Kitchen metrics on hand-made ticket times: prep per station and product, late tickets, tickets per hour."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.db.models import KitchenTicket
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.kitchen import make_shop, new_order, ticket_of

# 10:00 in Cairo (UTC+2 in March): the branch's hours are what the buckets are cut on.
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


async def set_times(runtime: Any, ticket_id: str, *, created: int, prep: int | None) -> None:
    """Minutes after T0 the ticket was created, and seconds it took (None: not bumped yet)."""
    created_at = T0 + dt.timedelta(minutes=created)
    values: dict[str, Any] = {"created_at": created_at}
    if prep is None:
        values |= {"state": "started", "started_at": created_at}
    else:
        values |= {"state": "bumped", "bumped_at": created_at + dt.timedelta(seconds=prep)}
    async with runtime.sessionmaker() as session:
        await session.execute(
            update(KitchenTicket).where(KitchenTicket.id == uuid.UUID(ticket_id)).values(**values)
        )
        await session.commit()


@pytest.fixture
async def kitchen_day(client: httpx.AsyncClient, factory: Factory, runtime: Any) -> dict[str, Any]:
    shop = await make_shop(factory)
    first = await new_order(client, shop, products=("burger", "cola"))
    second = await new_order(client, shop, products=("burger",))
    double = await new_order(client, shop, products=("burger", "burger"))
    open_one = await new_order(client, shop, products=("burger",))
    old = await new_order(client, shop, products=("burger",))
    foreign = await new_order(client, shop, products=("burger",), branch="other")
    await set_times(runtime, ticket_of(first, "grill"), created=0, prep=60)
    await set_times(runtime, ticket_of(first, "bar"), created=5, prep=30)
    await set_times(runtime, ticket_of(second, "grill"), created=10, prep=120)
    await set_times(runtime, ticket_of(double, "grill"), created=70, prep=900)  # late: grill's limit is 480 s
    await set_times(runtime, ticket_of(open_one, "grill"), created=80, prep=None)
    await set_times(runtime, ticket_of(old, "grill"), created=-2 * 24 * 60, prep=10)  # outside the period
    await set_times(runtime, ticket_of(foreign, "grill"), created=0, prep=5)  # another branch
    return shop


def period(since: dt.datetime, until: dt.datetime) -> dict[str, str]:
    return {"since": since.isoformat(), "until": until.isoformat()}


async def test_metrics_per_station_product_and_hour(
    client: httpx.AsyncClient, kitchen_day: dict[str, Any]
) -> None:
    await login(client, "boss")
    response = await client.get(
        "/api/v1/kitchen/metrics",
        params={
            "branch_id": kitchen_day["branch"],
            **period(T0 - dt.timedelta(hours=1), T0 + dt.timedelta(hours=3)),
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stations"] == [
        {
            "station_code": "bar",
            "name": "Bar",
            "tickets": 1,
            "bumped": 1,
            "avg_prep_seconds": 30.0,
            "p50_prep_seconds": 30.0,
            "p90_prep_seconds": 30.0,
            "late_after_seconds": 600,
            "late": 0,
        },
        {
            "station_code": "grill",
            "name": "Grill",
            "tickets": 4,
            "bumped": 3,
            "avg_prep_seconds": 360.0,
            "p50_prep_seconds": 120.0,
            # Interpolated between 120 and 900: 120 + 0.8 * 780.
            "p90_prep_seconds": 744.0,
            "late_after_seconds": 480,
            "late": 1,
        },
    ]
    assert body["products"] == [
        # On four tickets (two lines of it on one ticket count once), five pieces; the open one has no time.
        {
            "product_id": kitchen_day["burger"],
            "name": "Burger",
            "tickets": 4,
            "qty": "5",
            "avg_prep_seconds": 360.0,
        },
        {
            "product_id": kitchen_day["cola"],
            "name": "Cola",
            "tickets": 1,
            "qty": "1",
            "avg_prep_seconds": 30.0,
        },
    ]
    assert body["hours"] == [
        {"hour": "2026-03-02T10:00:00+02:00", "tickets": 3, "bumped": 3},
        {"hour": "2026-03-02T11:00:00+02:00", "tickets": 2, "bumped": 1},
    ]


async def test_times_without_a_zone_are_the_branchs_and_the_default_is_the_last_day(
    client: httpx.AsyncClient, kitchen_day: dict[str, Any]
) -> None:
    await login(client, "boss")
    branch = kitchen_day["branch"]
    local = await client.get(
        "/api/v1/kitchen/metrics",
        params={"branch_id": branch, "since": "2026-03-02T10:00:00", "until": "2026-03-02T10:06:00"},
    )
    assert local.status_code == 200, local.text
    assert {s["station_code"]: s["tickets"] for s in local.json()["stations"]} == {"bar": 1, "grill": 1}
    assert local.json()["since"].startswith("2026-03-02T10:00:00+02:00")

    fresh = await new_order(client, kitchen_day, products=("cola",))
    await login(client, "boss")
    recent = (await client.get("/api/v1/kitchen/metrics", params={"branch_id": branch})).json()
    assert recent["stations"] == [
        {
            "station_code": "bar",
            "name": "Bar",
            "tickets": 1,
            "bumped": 0,
            "avg_prep_seconds": None,
            "p50_prep_seconds": None,
            "p90_prep_seconds": None,
            "late_after_seconds": 600,
            "late": 0,
        }
    ]
    assert fresh["tickets"][0]["station_code"] == "bar"


async def test_metrics_refusals(client: httpx.AsyncClient, kitchen_day: dict[str, Any]) -> None:
    branch, other = kitchen_day["branch"], kitchen_day["other"]
    url = "/api/v1/kitchen/metrics"
    await login(client, "cook")
    assert (await client.get(url, params={"branch_id": branch})).status_code == 403
    await login(client, "cashier")
    assert (await client.get(url, params={"branch_id": branch})).status_code == 403

    await login(client, "boss")
    assert (await client.get(url)).status_code == 400  # branch_id is required
    assert (await client.get(url, params={"branch_id": "x"})).status_code == 400
    assert (await client.get(url, params={"branch_id": 2**70})).status_code == 400
    assert (await client.get(url, params={"branch_id": other})).status_code == 404
    assert (await client.get(url, params={"branch_id": branch, "since": "yesterday"})).status_code == 400
    backwards = await client.get(url, params={"branch_id": branch, **period(T0, T0 - dt.timedelta(hours=1))})
    assert backwards.status_code == 422 and backwards.json()["field"] == "since"
    too_long = await client.get(url, params={"branch_id": branch, **period(T0 - dt.timedelta(days=200), T0)})
    assert too_long.status_code == 422 and "93 days" in too_long.json()["detail"]
    await login(client, "root")
    assert (await client.get(url, params={"branch_id": 999_999})).status_code == 404
    window = period(T0 - dt.timedelta(hours=1), T0 + dt.timedelta(hours=1))
    assert (await client.get(url, params={"branch_id": other, **window})).json()["stations"][0][
        "tickets"
    ] == 1

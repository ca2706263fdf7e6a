"""Prep times, the ready-time quote from the kitchen's live load, pacing of partner and scheduled orders by
station capacity, and busy mode (a paused channel, announced after commit and refused by the server) —
over HTTP against real PostgreSQL and Redis."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import msgspec
import pytest

from app.events.menu import ChannelPaused
from app.events.stream import read_after
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.menu import menu_shop, put_groups


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await menu_shop(factory)


@pytest.fixture
async def menu(client: httpx.AsyncClient, shop: dict[str, Any]) -> dict[str, Any]:
    return await put_groups(client, shop)


def burgers(
    shop: dict[str, Any], menu: dict[str, Any], qty: int, channel: str = "counter", **extra: Any
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": channel,
        "lines": [
            {"product_id": shop["burger"].id, "qty": str(qty), "modifiers": [menu["option"]["medium"]]}
        ],
        **extra,
    }


def seconds_ahead(order: dict[str, Any]) -> float:
    quoted = dt.datetime.fromisoformat(order["quoted_ready_at"])
    created = dt.datetime.fromisoformat(order["created_at"])
    return (quoted - created).total_seconds()


async def test_the_quote_follows_the_stations_live_load(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any]
) -> None:
    await login(client, "cashier")
    first = (await client.post("/api/v1/orders", json=burgers(shop, menu, 2))).json()
    # Two burgers at 7 min each, one cook: 14 min.
    assert 835 <= seconds_ahead(first) <= 845, first["quoted_ready_at"]
    second = (await client.post("/api/v1/orders", json=burgers(shop, menu, 1))).json()
    # Behind the first order's 14 min of work: 14 + 7.
    assert 1255 <= seconds_ahead(second) <= 1265, second["quoted_ready_at"]
    got = await client.get(f"/api/v1/orders/{second['id']}")
    assert got.json()["quoted_ready_at"] == second["quoted_ready_at"]
    # The queue TV's snapshot carries the quotes itself (its first load is one call).
    board = (await client.get(f"/api/v1/queue/{shop['branch'].id}/board")).json()
    assert {k: dt.datetime.fromisoformat(v) for k, v in board["quotes"].items()} == {
        o["id"]: dt.datetime.fromisoformat(o["quoted_ready_at"]) for o in (first, second)
    }

    # The cook bumps the first order: the next quote no longer waits for it.
    await login(client, "cook")
    for ticket in first["tickets"]:
        for action in ("start", "bump"):
            assert (await client.post(f"/api/v1/tickets/{ticket['id']}/{action}")).status_code == 200
    await login(client, "cashier")
    third = (await client.post("/api/v1/orders", json=burgers(shop, menu, 1))).json()
    assert 835 <= seconds_ahead(third) <= 845, third["quoted_ready_at"]

    # Two cooks share the work (set by the manager).
    await login(client, "boss")
    paced = await client.put(
        f"/api/v1/menu/branches/{shop['branch'].id}/pacing/grill", json={"items_per_15min": 100, "cooks": 2}
    )
    assert paced.status_code == 200, paced.text
    await login(client, "cashier")
    fourth = (await client.post("/api/v1/orders", json=burgers(shop, menu, 2))).json()
    # Backlog 14 min (two open tickets of 7) over two cooks = 7, then 2 x 7 min over two cooks = 7.
    assert 835 <= seconds_ahead(fourth) <= 845, fourth["quoted_ready_at"]


async def test_orders_finished_without_the_kitchen_screen_leave_the_quote(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any]
) -> None:
    """A shop that cancels an order, or hands one over from the board without a cook bumping its ticket,
    must not quote every later customer behind food nobody will cook."""
    await login(client, "boss")
    cancelled = (await client.post("/api/v1/orders", json=burgers(shop, menu, 3))).json()
    handed = (await client.post("/api/v1/orders", json=burgers(shop, menu, 2))).json()
    waiting = (await client.post("/api/v1/orders", json=burgers(shop, menu, 1))).json()
    # Behind 3 + 2 burgers: 35 min, then its own 7.
    assert 2515 <= seconds_ahead(waiting) <= 2525, waiting["quoted_ready_at"]
    gone = await client.post(
        f"/api/v1/orders/{cancelled['id']}/transitions", json={"to": "cancelled", "reason": "customer left"}
    )
    assert gone.status_code == 200, gone.text
    for state in ("preparing", "ready"):
        moved = await client.post(f"/api/v1/orders/{handed['id']}/transitions", json={"to": state})
        assert moved.status_code == 200, moved.text
    # Only the waiting order's one burger is still the kitchen's: 7 min of backlog, then 7 of its own.
    after = (await client.post("/api/v1/orders", json=burgers(shop, menu, 1))).json()
    assert 835 <= seconds_ahead(after) <= 845, after["quoted_ready_at"]


async def test_partner_orders_beyond_capacity_are_slotted_later_and_scheduled_ones_refused(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any], factory: Factory
) -> None:
    branch = shop["branch"].id
    await login(client, "boss")
    assert (
        await client.put(f"/api/v1/menu/branches/{branch}/pacing/grill", json={"items_per_15min": 3})
    ).status_code == 200
    await login(client, "cashier")
    now = (await client.post("/api/v1/orders", json=burgers(shop, menu, 2, channel="partner"))).json()
    assert seconds_ahead(now) < 900 + 10
    later = (await client.post("/api/v1/orders", json=burgers(shop, menu, 2, channel="partner"))).json()
    quoted = dt.datetime.fromisoformat(later["quoted_ready_at"])
    created = dt.datetime.fromisoformat(later["created_at"])
    window = created.replace(minute=created.minute - created.minute % 15, second=0, microsecond=0)
    # Slotted into the next 15-minute window: the kitchen starts it then.
    assert quoted >= window + dt.timedelta(minutes=15, seconds=420)

    territory = await factory.territory()
    customer = await factory.customer("Sam", phone="+201000000077")
    await factory.commit()
    slot = (created + dt.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    delivery = {
        "address": "1 Nile St",
        "territory_id": territory.id,
        "slot_start": slot.isoformat(),
        "slot_end": (slot + dt.timedelta(minutes=30)).isoformat(),
    }
    extra = {"customer_id": customer.id}
    ok = await client.post(
        "/api/v1/orders", json=burgers(shop, menu, 3, channel="delivery", delivery=delivery, **extra)
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["state"] == "scheduled"
    full = await client.post(
        "/api/v1/orders", json=burgers(shop, menu, 1, channel="delivery", delivery=delivery, **extra)
    )
    assert full.status_code == 422
    assert full.json()["field"] == "delivery.slot_start"
    assert (
        "the kitchen is full for" in full.json()["detail"]
        and "next window with room starts at" in full.json()["detail"]
    )


async def test_busy_mode_pauses_a_channel_for_every_till_until_taken_back(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any], runtime: Any
) -> None:
    branch = shop["branch"].id
    await login(client, "cashier")
    assert (
        await client.post(f"/api/v1/menu/branches/{branch}/pauses", json={"channel": "partner"})
    ).status_code == 403
    await login(client, "boss")
    paused = await client.post(
        f"/api/v1/menu/branches/{branch}/pauses", json={"channel": "partner", "reason": "rush at the counter"}
    )
    assert paused.status_code == 200, paused.text
    stream = await read_after(runtime.redis, runtime.keys, branch, "0-0")
    news = [msgspec.json.decode(e.raw_data, type=ChannelPaused) for e in stream if e.type == "channel.paused"]
    assert [(n.channel, n.paused, n.reason) for n in news] == [("partner", True, "rush at the counter")]

    await login(client, "cashier")
    refused = await client.post("/api/v1/orders", json=burgers(shop, menu, 1, channel="partner"))
    assert refused.status_code == 422 and refused.json()["field"] == "channel"
    assert (
        "Partner orders are paused" in refused.json()["detail"]
        and "rush at the counter" in refused.json()["detail"]
    )
    assert (await client.post("/api/v1/orders", json=burgers(shop, menu, 1))).status_code == 201
    listed = (await client.get(f"/api/v1/menu/branches/{branch}/pauses")).json()
    assert [p["channel"] for p in listed] == ["partner"]

    await login(client, "boss")
    assert (await client.delete(f"/api/v1/menu/branches/{branch}/pauses/partner")).status_code == 204
    stream = await read_after(runtime.redis, runtime.keys, branch, "0-0")
    news = [msgspec.json.decode(e.raw_data, type=ChannelPaused) for e in stream if e.type == "channel.paused"]
    assert news[-1].paused is False
    await login(client, "cashier")
    assert (
        await client.post("/api/v1/orders", json=burgers(shop, menu, 1, channel="partner"))
    ).status_code == 201

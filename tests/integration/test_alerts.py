"""Board alerts: the scan (once per breach), per-branch state limits, the managers' list and ack, the
worker cron, and who gets `alert.raised` live."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import msgspec
import pytest
from arq import create_pool
from arq.worker import Worker
from sqlalchemy import select

from app import events as ev
from app.events.stream import read_after
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.sockets import LiveClient, connect
from workers.settings import queue_name, redis_settings, worker_options

MINUTE = 60


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="AL", name="Alerts")
    other = await factory.branch(code="OB", name="Other")
    burger = await factory.product("Burger", price="50.00")
    territory = await factory.territory()
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("cass", roles=("cashier",), branches=(branch,))
    await factory.user("otto", roles=("manager",), branches=(other,))
    await factory.commit()
    return {"branch": branch, "other": other, "burger": burger, "territory": territory}


async def new_order(
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    *,
    channel: str = "counter",
    slot: tuple[dt.datetime, dt.datetime] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": channel,
        "lines": [{"product_id": shop["burger"].id, "qty": "1"}],
    }
    if channel == "delivery":
        body["delivery"] = {"address": "3 Nile St", "territory_id": shop["territory"].id}
        if slot is not None:
            body["delivery"] |= {"slot_start": slot[0].isoformat(), "slot_end": slot[1].isoformat()}
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def move(client: httpx.AsyncClient, order_id: str, **body: Any) -> None:
    response = await client.post(f"/api/v1/orders/{order_id}/transitions", json=body)
    assert response.status_code == 200, response.text


async def scan(runtime: Any, *, after: float = 0) -> dict[str, int]:
    """One run of the alert scan as if `after` seconds had passed (on Redis's clock, the indexes' clock)."""
    from app.alerts.services import AlertService
    from app.lib.deps import provide_services

    seconds, micros = await runtime.redis.time()
    now_ms = int(seconds) * 1000 + int(micros) // 1000 + int(after * 1000)
    async with provide_services(runtime) as scope:
        report = await scope.get(AlertService).raise_due(now_ms=now_ms)
    return dict(msgspec.to_builtins(report))


async def alert_rows(runtime: Any) -> list[Any]:
    from app.db.models import Alert

    async with runtime.sessionmaker() as session:
        return list((await session.scalars(select(Alert).order_by(Alert.id))).all())


async def raised_events(runtime: Any, branch_id: int) -> list[ev.AlertRaised]:
    entries = await read_after(runtime.redis, runtime.keys, branch_id, "0-0")
    return [msgspec.json.decode(e.raw_data, type=ev.AlertRaised) for e in entries if e.type == "alert.raised"]


# --------------------------------------------------------------------------- the scan


async def test_an_overdue_order_alerts_once_per_breach(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "mia")
    order = await new_order(client, shop)
    # The default limits: received 10 min, preparing 20 min.
    assert (await scan(runtime, after=9 * MINUTE))["events"] == 0
    first = await scan(runtime, after=11 * MINUTE)
    assert (first["overdue"], first["events"]) == (1, 1)
    assert (await scan(runtime, after=11 * MINUTE))["events"] == 0
    assert (await scan(runtime, after=30 * MINUTE))["events"] == 0  # still the same breach

    (raised,) = await raised_events(runtime, shop["branch"].id)
    (row,) = await alert_rows(runtime)
    assert (raised.alert_id, raised.order_id, raised.kind, raised.state, raised.version) == (
        row.id,
        order["id"],
        "state_overdue",
        "received",
        1,
    )
    assert raised.token == order["token"] and raised.channel == "counter"
    assert raised.message == row.message
    assert raised.message.startswith(f"Counter order #{order['token']} has been received for 11 min")

    # A move is a new version: staying too long in the next state is a new breach.
    await move(client, order["id"], to="preparing")
    assert (await scan(runtime, after=11 * MINUTE))["events"] == 0
    second = await scan(runtime, after=21 * MINUTE)
    assert (second["overdue"], second["events"]) == (1, 1)
    assert (await scan(runtime, after=21 * MINUTE))["events"] == 0
    rows = await alert_rows(runtime)
    assert [(r.order_state, r.order_version) for r in rows] == [("received", 1), ("preparing", 2)]
    assert [e.alert_id for e in await raised_events(runtime, shop["branch"].id)] == [r.id for r in rows]


async def test_a_delivery_past_its_slot_alerts_once(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "mia")
    now = dt.datetime.now(dt.UTC)
    # Slots under way now (a slot already over is refused), scanned as if two hours had passed.
    soon = (now - dt.timedelta(minutes=10), now + dt.timedelta(minutes=20))
    late = await new_order(client, shop, channel="delivery", slot=soon)
    gone = await new_order(client, shop, channel="delivery", slot=soon)
    await new_order(
        client,
        shop,
        channel="delivery",
        slot=(now + dt.timedelta(hours=2, minutes=10), now + dt.timedelta(hours=2, minutes=40)),
    )
    await new_order(client, shop, channel="delivery")  # no slot, nothing to miss
    # A cancelled order is no late delivery, even while PostgreSQL still says `received`.
    cancelled = await client.post(
        f"/api/v1/orders/{gone['id']}/transitions", json={"to": "cancelled", "reason": "no answer"}
    )
    assert cancelled.status_code == 200
    # Limits out of the way: only the slot is late here.
    limits = await client.put(
        f"/api/v1/branches/{shop['branch'].id}/state-limits", json={"received": 7 * 24 * 3600}
    )
    assert limits.status_code == 200, limits.text

    report = await scan(runtime, after=2 * 3600)
    assert (report["slot_missed"], report["overdue"]) == (1, 0)
    (raised,) = await raised_events(runtime, shop["branch"].id)
    assert (raised.order_id, raised.kind, raised.state, raised.token) == (
        late["id"],
        "slot_missed",
        "received",
        late["token"],
    )
    # The slot's end in the branch's time (Cairo), as it was entered.
    ended = dt.datetime.fromisoformat(late["delivery"]["slot_end"]).astimezone(ZoneInfo("Africa/Cairo"))
    assert f"delivery slot ended at {ended:%H:%M}" in raised.message
    assert raised.message.endswith("still received")
    # The slot does not start again when the order moves: one alert per order.
    await move(client, late["id"], to="preparing")
    assert (await scan(runtime, after=2 * 3600))["events"] == 0
    assert len(await alert_rows(runtime)) == 1


async def test_a_slot_already_over_is_refused_and_a_slot_without_a_zone_is_the_branchs(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "cass")
    now = dt.datetime.now(dt.UTC)
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": "delivery",
        "lines": [{"product_id": shop["burger"].id, "qty": "1"}],
        "delivery": {
            "address": "3 Nile St",
            "territory_id": shop["territory"].id,
            "slot_start": (now - dt.timedelta(hours=2)).isoformat(),
            "slot_end": (now - dt.timedelta(hours=1)).isoformat(),
        },
    }
    over = await client.post("/api/v1/orders", json=body)
    assert over.status_code == 422, over.text
    assert over.json()["field"] == "delivery.slot_end" and "over" in over.json()["detail"]

    # "13:00" with no zone is 13:00 where the shop is (Cairo), not where the tablet or the server is.
    cairo = ZoneInfo("Africa/Cairo")
    start = (dt.datetime.now(cairo) + dt.timedelta(minutes=30)).replace(second=0, microsecond=0)
    end = start + dt.timedelta(minutes=30)
    body |= {"id": str(uuid.uuid4())}
    body["delivery"] |= {
        "slot_start": start.replace(tzinfo=None).isoformat(),
        "slot_end": end.replace(tzinfo=None).isoformat(),
    }
    made = await client.post("/api/v1/orders", json=body)
    assert made.status_code == 201, made.text
    slot = made.json()["delivery"]
    assert dt.datetime.fromisoformat(slot["slot_start"]) == start
    assert dt.datetime.fromisoformat(slot["slot_end"]) == end
    # Sent again (an offline queue replayed), it is the same order.
    assert (await client.post("/api/v1/orders", json=body)).status_code == 200


async def test_limits_are_per_branch_and_apply_from_the_next_scan(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "mia")
    order = await new_order(client, shop)
    response = await client.put(
        f"/api/v1/branches/{shop['branch'].id}/state-limits", json={"received": 60, "ready": 300}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"branch_id": shop["branch"].id, "limits": {"received": 60, "ready": 300}}
    assert await raised_events(runtime, shop["branch"].id) == []
    report = await scan(runtime, after=90)
    assert report["overdue"] == 1
    (raised,) = await raised_events(runtime, shop["branch"].id)
    assert raised.order_id == order["id"] and "(limit 1 min)" in raised.message
    # A state left out has no limit.
    await move(client, order["id"], to="preparing")
    assert (await scan(runtime, after=24 * 3600))["events"] == 0


async def test_state_limits_api(client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any) -> None:
    from app.db.models import AuditLog

    url = f"/api/v1/branches/{shop['branch'].id}/state-limits"
    await login(client, "mia")
    defaults = (await client.get(url)).json()["limits"]
    assert defaults == {
        "received": 600,
        "preparing": 1200,
        "ready": 600,
        "out_for_delivery": 2700,
        "returned": 900,
    }
    for body, field in [
        ({"cooking": 60}, "cooking"),
        ({"scheduled": 60}, "scheduled"),
        ({"received": 0}, "received"),
        ({"received": -5}, "received"),
        ({"preparing": "600"}, "preparing"),
        ({"ready": True}, "ready"),
        ({"ready": 1.5}, "ready"),
        ({"ready": None}, "ready"),
        ({"received": 60, "returned": 8 * 24 * 3600}, "returned"),
    ]:
        response = await client.put(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, body
    assert (await client.put(url, json=[1, 2])).status_code == 400
    assert (await client.get(url)).json()["limits"] == defaults  # nothing changed by any of those
    assert (await client.put(url, json={})).json()["limits"] == {}
    assert (await client.put(url, json={"preparing": 900})).json()["limits"] == {"preparing": 900}
    async with runtime.sessionmaker() as session:
        audits = (
            await session.scalars(
                select(AuditLog).where(AuditLog.action == "branch.state_limits").order_by(AuditLog.id)
            )
        ).all()
    assert [a.data["after"] for a in audits] == [{}, {"preparing": 900}]

    await login(client, "otto")
    assert (await client.get(url)).status_code == 404
    assert (await client.put(url, json={"received": 60})).status_code == 404
    await login(client, "cass")
    assert (await client.put(url, json={"received": 60})).status_code == 403
    assert (await client.put("/api/v1/branches/999999/state-limits", json={})).status_code == 403
    await login(client, "mia")
    assert (await client.put("/api/v1/branches/999999/state-limits", json={})).status_code == 404


# --------------------------------------------------------------------------- managers' list and ack


async def test_managers_list_and_acknowledge_alerts(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "mia")
    first = await new_order(client, shop)
    second = await new_order(client, shop)
    await scan(runtime, after=11 * MINUTE)
    listed = (
        await client.get("/api/v1/alerts", params={"branch_id": shop["branch"].id, "open": "true"})
    ).json()
    assert [a["order_id"] for a in listed["items"]] == [second["id"], first["id"]]  # newest first
    events = await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0")
    assert listed["stream_ids"] == {str(shop["branch"].id): events[-1].id}
    alert = listed["items"][1]
    assert (alert["kind"], alert["state"], alert["version"], alert["token"]) == (
        "state_overdue",
        "received",
        1,
        first["token"],
    )
    assert alert["acknowledged_at"] is None

    acked = await client.post(f"/api/v1/alerts/{alert['id']}/ack")
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_at"] is not None and acked.json()["acknowledged_by"] is not None
    again = await client.post(f"/api/v1/alerts/{alert['id']}/ack")
    assert again.status_code == 200 and again.json()["acknowledged_at"] == acked.json()["acknowledged_at"]
    last = (await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0"))[-1]
    assert last.type == "alert.acknowledged"  # once: the second ack changed nothing
    assert msgspec.json.decode(last.raw_data, type=ev.AlertAcknowledged).alert_id == alert["id"]
    still = await read_after(runtime.redis, runtime.keys, shop["branch"].id, last.id)
    assert still == []

    open_ids = [
        a["id"] for a in (await client.get("/api/v1/alerts", params={"open": "true"})).json()["items"]
    ]
    done_ids = [
        a["id"] for a in (await client.get("/api/v1/alerts", params={"open": "false"})).json()["items"]
    ]
    every = [a["id"] for a in (await client.get("/api/v1/alerts")).json()["items"]]
    assert (len(open_ids), done_ids, len(every)) == (1, [alert["id"]], 2)

    await login(client, "otto")
    assert (await client.post(f"/api/v1/alerts/{open_ids[0]}/ack")).status_code == 404
    assert (await client.get("/api/v1/alerts")).json()["items"] == []
    assert (await client.get("/api/v1/alerts", params={"branch_id": shop["branch"].id})).status_code == 404
    await login(client, "cass")
    assert (await client.get("/api/v1/alerts")).status_code == 403
    assert (await client.post(f"/api/v1/alerts/{open_ids[0]}/ack")).status_code == 403
    await login(client, "mia")
    assert (await client.post("/api/v1/alerts/999999/ack")).status_code == 404
    assert (await client.get("/api/v1/alerts", params={"open": "maybe"})).status_code == 400


# --------------------------------------------------------------------------- worker and live events


async def test_the_alert_job_runs_through_the_queue(
    settings: Any, runtime: Any, client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    names = [job.name for job in worker_options(settings)["cron_jobs"]]
    assert f"{settings.redis.prefix}raise-alerts" in names
    pool = await create_pool(redis_settings(settings), default_queue_name=queue_name(settings))
    try:
        job = await pool.enqueue_job("raise_alerts", _job_id=f"{settings.redis.prefix}alerts-test")
        assert job is not None
        options = worker_options(settings) | {"burst": True, "handle_signals": False, "cron_jobs": []}
        worker = Worker(**options)
        await worker.main()
        await worker.close()
        result = await job.result(timeout=5)
    finally:
        await pool.aclose()
    assert result == {"branches": 2, "overdue": 0, "slot_missed": 0, "events": 0}


async def test_alerts_reach_the_kanban_only(
    live_server: LiveServer,
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    runtime: Any,
    clients: list[LiveClient],
) -> None:
    kanban = await connect(clients, live_server, "/kanban", "mia")
    pos = await connect(clients, live_server, "/pos", "cass")
    await login(client, "mia")
    order = await new_order(client, shop)
    await scan(runtime, after=11 * MINUTE)
    entries = await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0")
    (alert_id,) = [e.id for e in entries if e.type == "alert.raised"]
    barrier = await new_order(client, shop)

    got = await kanban.events_until(alert_id)
    assert got[-1]["type"] == "alert.raised"
    assert got[-1]["data"]["order_id"] == order["id"] and got[-1]["data"]["kind"] == "state_overdue"
    # The POS gets the next order, and stream order means the alert would have come before it.
    seen: list[dict[str, Any]] = []
    while not (
        seen and seen[-1]["type"] == "order.created" and seen[-1]["data"]["order_id"] == barrier["id"]
    ):
        seen.append(await pos.next_event())
    assert "alert.raised" not in [e["type"] for e in seen]

"""The board's first load in one call (`GET /api/v1/board/snapshot`) and sales anomalies on the board:
what the document holds, whom it is for, the stream id it is current to, and a dismissal that reaches every
board live."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.db.models import Alert, AuditLog
from app.events.stream import last_id, read_after
from tests.support.auth import login
from tests.support.board import raise_anomaly
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.sockets import LiveClient, connect

SNAPSHOT = "/api/v1/board/snapshot"


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="SN", name="Snapshot")
    other = await factory.branch(code="OT", name="Other")
    burger = await factory.product("Burger", price="50.00")
    territory = await factory.territory()
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("max", roles=("manager",), branches=(branch,))
    await factory.user("otto", roles=("manager",), branches=(other,))
    await factory.user("cass", roles=("cashier",), branches=(branch,))
    rider = await factory.courier(branch, name="Rami Rider")
    await factory.courier(other, name="Olga Other")
    await factory.commit()
    return {
        "branch": branch.id,
        "other": other.id,
        "burger": burger.id,
        "territory": territory.id,
        "rider": rider.id,
    }


async def new_order(
    client: httpx.AsyncClient, shop: dict[str, Any], channel: str = "counter"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"],
        "channel": channel,
        "lines": [{"product_id": shop["burger"], "qty": "1"}],
    }
    if channel == "delivery":
        body["delivery"] = {"address": "3 Nile St", "territory_id": shop["territory"]}
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def move(client: httpx.AsyncClient, order: dict[str, Any], to: str, **extra: Any) -> dict[str, Any]:
    current = (await client.get(f"/api/v1/orders/{order['id']}")).json()
    response = await client.post(
        f"/api/v1/orders/{order['id']}/transitions",
        json={"to": to, "expected_version": current["version"], **extra},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_the_snapshot_holds_everything_the_board_draws(
    client: httpx.AsyncClient, shop: dict[str, Any], db_session: Any, runtime: Any
) -> None:
    await login(client, "mia")
    waiting = await new_order(client, shop)
    finished = await new_order(client, shop)
    await move(client, finished, "ready")
    await client.post(
        f"/api/v1/orders/{finished['id']}/payments",
        json={
            "id": str(uuid.uuid4()),
            "method": "cash",
            "amount": finished["totals"]["total"],
            "tendered": "100",
        },
    )
    await move(client, finished, "completed")
    road = await new_order(client, shop, "delivery")
    await move(client, road, "out_for_delivery", courier_id=shop["rider"], settle_mode="later")
    paused = await client.post(
        f"/api/v1/menu/branches/{shop['branch']}/pauses", json={"channel": "partner", "reason": "rush"}
    )
    assert paused.status_code == 200, paused.text
    for branch_id, message in ((shop["branch"], "still received"), (shop["other"], "not mia's")):
        db_session.add(
            Alert(
                branch_id=branch_id,
                order_id=uuid.UUID(waiting["id"]) if branch_id == shop["branch"] else None,
                kind="state_overdue",
                order_state="received",
                order_version=1,
                message=message,
            )
        )
    await db_session.commit()
    anomaly_id = await raise_anomaly(db_session, runtime, shop["branch"])
    await raise_anomaly(db_session, runtime, shop["other"])  # another branch's: never in mia's document

    response = await client.get(SNAPSHOT, params={"branch_id": shop["branch"]})
    assert response.status_code == 200, response.text
    snap = response.json()
    (branch,) = snap["branches"]
    assert branch["branch_id"] == shop["branch"]
    # Current to the branch's last event: nothing after it is missing, nothing before it is replayed.
    assert branch["stream_id"] == await last_id(runtime.redis, runtime.keys, shop["branch"])
    open_ids = {card["order_id"] for cards in branch["columns"].values() for card in cards}
    assert {waiting["id"], road["id"]} <= open_ids and finished["id"] not in open_ids
    assert [o["id"] for o in branch["done"]] == [finished["id"]]
    assert [(p["channel"], p["reason"]) for p in branch["pauses"]] == [("partner", "rush")]
    (rider,) = snap["couriers"]
    assert rider["name"] == "Rami Rider" and rider["active_deliveries"] == 1
    assert Decimal(rider["to_collect"]) > 0 and rider["location"] is None
    (delivery,) = snap["deliveries"]
    assert delivery["order_id"] == road["id"] and delivery["state"] == "assigned"
    assert delivery["courier_id"] == shop["rider"]
    (anomaly,) = snap["anomalies"]
    assert anomaly["id"] == anomaly_id and anomaly["branch_id"] == shop["branch"]
    assert (anomaly["hour"], anomaly["direction"], anomaly["actual"], anomaly["expected"]) == (
        13,
        "high",
        "9000.00",
        "1200.00",
    )
    assert (anomaly["low"], anomaly["high"], anomaly["currency"]) == ("400.00", "2000.00", "EGP")
    # Open alerts of the branch only, with their order's token.
    assert [(a["message"], a["order_id"], a["token"]) for a in snap["alerts"]] == [
        ("still received", waiting["id"], waiting["token"])
    ]

    # Without a branch: every branch the manager sees, which is the same one.
    mine = (await client.get(SNAPSHOT)).json()
    assert [b["branch_id"] for b in mine["branches"]] == [shop["branch"]]


async def test_the_snapshot_is_for_managers_of_the_branch(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    assert (await client.get(SNAPSHOT)).status_code == 401
    await login(client, "cass")
    assert (await client.get(SNAPSHOT)).status_code == 403
    await login(client, "mia")
    other = await client.get(SNAPSHOT, params={"branch_id": [shop["branch"], shop["other"]]})
    assert other.status_code == 404, other.text
    assert (await client.get(SNAPSHOT, params={"branch_id": 2**62})).status_code == 404
    for bad in ("0", "x", str(2**63)):
        answer = await client.get(SNAPSHOT, params={"branch_id": bad})
        assert answer.status_code == 400 and "branch_id" in answer.text, (bad, answer.text)
    too_many = await client.get(SNAPSHOT, params={"branch_id": list(range(1, 60))})
    assert too_many.status_code == 400 and "branch_id" in too_many.text


async def test_a_dismissed_anomaly_is_stored_audited_and_leaves_every_board_live(
    live_server: LiveServer,
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    db_session: Any,
    runtime: Any,
    clients: list[LiveClient],
) -> None:
    mia = await connect(clients, live_server, "/kanban", "mia")
    max_ = await connect(clients, live_server, "/kanban", "max")
    otto = await connect(clients, live_server, "/kanban", "otto")
    anomaly_id = await raise_anomaly(db_session, runtime, shop["branch"], hour=12)
    entries = await read_after(runtime.redis, runtime.keys, shop["branch"], "0-0")
    (raised_id,) = [e.id for e in entries if e.type == "sales.anomaly"]
    got = await mia.events_until(raised_id)
    assert got[-1]["type"] == "sales.anomaly" and got[-1]["data"]["anomaly_id"] == anomaly_id
    assert got[-1]["data"]["hour"] == 12 and got[-1]["data"]["actual"] == "9000.00"
    assert got[-1]["branch_id"] == shop["branch"]

    # Another branch's manager may not dismiss it (nor learn it exists).
    await login(client, "otto")
    assert (await client.post(f"/api/v1/board/anomalies/{anomaly_id}/dismiss")).status_code == 404
    await login(client, "mia")
    assert (await client.post("/api/v1/board/anomalies/999999/dismiss")).status_code == 404
    first = await client.post(f"/api/v1/board/anomalies/{anomaly_id}/dismiss")
    assert first.status_code == 200, first.text
    assert first.json()["dismissed_at"] is not None
    again = await client.post(f"/api/v1/board/anomalies/{anomaly_id}/dismiss")
    assert again.status_code == 200 and again.json()["dismissed_at"] == first.json()["dismissed_at"]

    entries = await read_after(runtime.redis, runtime.keys, shop["branch"], raised_id)
    dismissed = [e for e in entries if e.type == "sales.anomaly_dismissed"]
    assert len(dismissed) == 1  # the second tap announced nothing
    for board in (mia, max_):
        seen = await board.events_until(dismissed[0].id)
        assert seen[-1]["data"]["anomaly_id"] == anomaly_id and seen[-1]["data"]["dismissed_by"] is not None
    audit = (
        await db_session.execute(
            select(AuditLog.entity_id, AuditLog.branch_id, AuditLog.actor_user_id).where(
                AuditLog.action == "sales_anomaly.dismiss"
            )
        )
    ).all()
    await db_session.rollback()
    assert [(a.entity_id, a.branch_id) for a in audit] == [(str(anomaly_id), shop["branch"])]
    assert audit[0].actor_user_id is not None
    assert (await client.get(SNAPSHOT)).json()["anomalies"] == []
    # The other branch's board heard neither.
    barrier = await raise_anomaly(db_session, runtime, shop["other"], hour=9)
    heard = await otto.next_event()
    assert heard["type"] == "sales.anomaly" and heard["data"]["anomaly_id"] == barrier

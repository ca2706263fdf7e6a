"""Courier balances and settlements: previews, exact money, idempotency under retries and double clicks,
already-settled rows, access, history, and bulk settlement through a real arq worker."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
from arq.worker import Worker
from sqlalchemy import text

from app import events as ev
from tests.support.auth import login
from tests.support.dispatch import balance, dispatch, make_shop, money_of, new_order, set_payment, stream
from tests.support.factory import Factory
from workers.settings import worker_options


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


D = Decimal


async def open_book(client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any) -> None:
    """Rider: an unpaid near order (collect 134, fee 15) and a paid far one (fee 150), both settled later."""
    unpaid = await new_order(client, shop)
    paid = await new_order(client, shop, territory="far")
    await set_payment(runtime, paid["id"], "paid")
    assert (await dispatch(client, unpaid["id"], shop["rider"], "later")).status_code == 200
    assert (await dispatch(client, paid["id"], shop["rider"], "later")).status_code == 200


async def settle(client: httpx.AsyncClient, courier: Any, **body: Any) -> httpx.Response:
    body.setdefault("id", str(uuid.uuid4()))
    return await client.post(f"/api/v1/couriers/{courier.id}/settlements", json=body)


async def till(runtime: Any) -> list[Decimal]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            text("SELECT amount FROM branch_cash_movements WHERE order_id IS NULL ORDER BY id")
        )
        return list(rows)


async def test_preview_then_settle_everything_open(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    await open_book(client, shop, runtime)
    shown = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/settlements/preview")).json()
    assert money_of(shown, "collections", "fees", "net") == (D("134.00"), D("165.00"), D("-31.00"))
    assert shown["owed_by"] == "branch"
    assert sorted((t["kind"], t["amount"]) for t in shown["transactions"]) == [
        ("collection", "134.00"),
        ("fee", "15.00"),
        ("fee", "150.00"),
    ]
    settlement_id = str(uuid.uuid4())
    response = await settle(client, shop["rider"], id=settlement_id, note="end of shift")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] == settlement_id and body["kind"] == "single"
    assert money_of(body, "collections", "fees", "net") == (D("134.00"), D("165.00"), D("-31.00"))
    assert body["owed_by"] == "branch" and body["transactions"] == 3
    assert sorted(body["transaction_ids"]) == sorted(t["id"] for t in shown["transactions"])
    assert await till(runtime) == [D("-31")]
    owed = await balance(client, shop["rider"])
    assert money_of(owed, "owes_branch", "branch_owes", "net") == (D("0.00"), D("0.00"), D("0.00"))
    assert owed["open_transactions"] == 0

    events = [e for e in await stream(runtime, shop) if e.type == "settlement.completed"]
    assert len(events) == 1
    completed = msgspec.json.decode(events[0].raw_data, type=ev.SettlementCompleted)
    assert (completed.settlement_id, completed.net, completed.owed_by, completed.kind) == (
        settlement_id,
        "-31.00",
        "branch",
        "single",
    )
    async with runtime.sessionmaker() as session:
        audited = await session.scalar(
            text(
                "SELECT data->>'net' FROM audit_log WHERE action = 'settlement.completed' AND entity_id = :id"
            ),
            {"id": settlement_id},
        )
    assert audited == "-31.00"

    history = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/settlements")).json()
    assert [s["id"] for s in history["items"]] == [settlement_id]
    assert history["items"][0]["note"] == "end of shift"


async def test_a_retry_answers_the_same_settlement(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    await open_book(client, shop, runtime)
    settlement_id = str(uuid.uuid4())
    first = await settle(client, shop["rider"], id=settlement_id)
    again = await settle(client, shop["rider"], id=settlement_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await till(runtime) == [D("-31")]
    # The same id for another courier is not that settlement.
    assert (await settle(client, shop["rider2"], id=settlement_id)).status_code == 409


async def test_a_double_click_settles_once(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    await open_book(client, shop, runtime)
    settlement_id = str(uuid.uuid4())
    results = await asyncio.gather(*(settle(client, shop["rider"], id=settlement_id) for _ in range(4)))
    assert sorted(r.status_code for r in results) == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in results}) == 1
    assert await till(runtime) == [D("-31")]
    async with runtime.sessionmaker() as session:
        assert await session.scalar(text("SELECT count(*) FROM settlements WHERE kind = 'single'")) == 1


async def test_two_managers_settling_at_once_settle_each_row_once(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    await open_book(client, shop, runtime)
    results = await asyncio.gather(settle(client, shop["rider"]), settle(client, shop["rider"]))
    assert sorted(r.status_code for r in results) == [201, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["reason"] == "nothing_open"
    assert await till(runtime) == [D("-31")]


async def test_settling_a_settled_transaction_is_409(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    await open_book(client, shop, runtime)
    shown = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/settlements/preview")).json()
    ids = {t["kind"] + t["amount"]: t["id"] for t in shown["transactions"]}
    collection = ids["collection134.00"]
    part = await settle(client, shop["rider"], transaction_ids=[collection])
    assert part.status_code == 201
    assert money_of(part.json(), "collections", "fees", "net") == (D("134.00"), D("0.00"), D("134.00"))
    assert part.json()["owed_by"] == "courier"
    again = await settle(client, shop["rider"], transaction_ids=[collection, ids["fee15.00"]])
    assert again.status_code == 409
    assert again.json()["reason"] == "already_settled" and again.json()["transaction_ids"] == [collection]
    preview = await client.get(
        f"/api/v1/couriers/{shop['rider'].id}/settlements/preview", params={"transaction_ids": [collection]}
    )
    assert preview.status_code == 409
    assert await till(runtime) == [D("134")]
    rest = await settle(client, shop["rider"])
    assert rest.status_code == 201 and rest.json()["net"] == "-165.00"
    assert await till(runtime) == [D("134"), D("-165")]
    assert (await settle(client, shop["rider"])).status_code == 409


async def test_settle_now_dispatches_leave_nothing_to_settle(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    order = await new_order(client, shop)
    assert (await dispatch(client, order["id"], shop["rider"], "now")).status_code == 200
    nothing = await settle(client, shop["rider"])
    assert nothing.status_code == 409 and nothing.json()["reason"] == "nothing_open"
    history = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/settlements")).json()
    [made] = history["items"]
    assert (made["kind"], made["net"], made["order_id"]) == ("dispatch", "119.00", order["id"])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"transaction_ids": [999999]}, 422),
        ({"transaction_ids": []}, 400),
        ({"transaction_ids": ["x"]}, 400),
        ({"transaction_ids": [-1]}, 400),
        ({"id": "not-a-uuid"}, 400),
        ({"note": "n" * 501}, 400),
        ({"amount": "5"}, 400),
    ],
)
async def test_bad_settlement_bodies(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, body: dict[str, Any], status: int
) -> None:
    await login(client, "boss")
    await open_book(client, shop, runtime)
    response = await settle(client, shop["rider"], **body)
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["field"] == "transaction_ids"


async def test_another_couriers_transactions_are_not_theirs_to_settle(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    await open_book(client, shop, runtime)
    shown = (await client.get(f"/api/v1/couriers/{shop['rider'].id}/settlements/preview")).json()
    response = await settle(client, shop["rider2"], transaction_ids=[shown["transactions"][0]["id"]])
    assert response.status_code == 422 and response.json()["field"] == "transaction_ids"


async def test_who_may_read_and_settle(client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any) -> None:
    await login(client, "boss")
    await open_book(client, shop, runtime)
    rider, other = shop["rider"], shop["rider2"]
    listed = (await client.get("/api/v1/couriers/balances", params={"branch_id": shop["branch"].id})).json()
    by_id = {b["courier_id"]: b for b in listed}
    assert by_id[rider.id]["net"] == "-31.00" and by_id[rider.id]["active_deliveries"] == 2
    assert by_id[other.id]["net"] == "0.00"

    await login(client, "rider")
    assert (await balance(client, rider))["net"] == "-31.00"
    assert (await client.get(f"/api/v1/couriers/{rider.id}/settlements")).status_code == 200
    assert (await settle(client, rider)).status_code == 403
    assert (await client.get(f"/api/v1/couriers/{rider.id}/settlements/preview")).status_code == 403
    assert (await client.get(f"/api/v1/couriers/{other.id}/balance")).status_code == 404
    assert (await client.get(f"/api/v1/couriers/{other.id}/settlements")).status_code == 404
    assert (
        await client.get("/api/v1/couriers/balances", params={"branch_id": shop["branch"].id})
    ).status_code == 403
    await login(client, "cashier")
    assert (await client.get(f"/api/v1/couriers/{rider.id}/balance")).status_code == 403
    assert (await settle(client, rider)).status_code == 403
    await login(client, "stranger")
    assert (await client.get(f"/api/v1/couriers/{rider.id}/balance")).status_code == 404
    assert (await settle(client, rider)).status_code == 404
    assert (
        await client.get("/api/v1/couriers/balances", params={"branch_id": shop["branch"].id})
    ).status_code == 404
    assert (await client.get(f"/api/v1/couriers/{2**70}/balance")).status_code == 400
    assert await till(runtime) == []


# --------------------------------------------------------------------------- bulk, through a real worker


async def run_worker_once(settings: Any) -> None:
    options = worker_options(settings) | {"burst": True, "handle_signals": False, "cron_jobs": []}
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()


async def test_bulk_settlement_runs_as_a_job(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, settings: Any
) -> None:
    await login(client, "boss")
    await open_book(client, shop, runtime)
    second = await new_order(client, shop)
    assert (await dispatch(client, second["id"], shop["rider2"], "later")).status_code == 200
    bulk_id = str(uuid.uuid4())
    body = {"id": bulk_id, "branch_id": shop["branch"].id, "note": "night close"}
    queued = await client.post("/api/v1/settlements/bulk", json=body)
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued"
    # A retry before the worker ran: the same job, not a second one.
    assert (await client.post("/api/v1/settlements/bulk", json=body)).json()["status"] == "queued"

    await run_worker_once(settings)

    status = await client.get(f"/api/v1/settlements/bulk/{bulk_id}", params={"branch_id": shop["branch"].id})
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "complete"
    # Rider, Rider Two, Retired (the inactive courier has nothing open); Elsewhere is another branch's.
    assert status.json()["result"] == {"settled": 2, "already_settled": 0, "nothing_open": 1}
    for courier in (shop["rider"], shop["rider2"]):
        owed = await balance(client, courier)
        assert owed["net"] == "0.00" and owed["open_transactions"] == 0
    assert sorted(await till(runtime)) == [D("-31"), D("119")]
    async with runtime.sessionmaker() as session:
        kinds = (await session.scalars(text("SELECT kind FROM settlements ORDER BY kind"))).all()
    assert kinds == ["bulk", "bulk"]
    completed = [
        msgspec.json.decode(e.raw_data, type=ev.SettlementCompleted)
        for e in await stream(runtime, shop)
        if e.type == "settlement.completed"
    ]
    assert sorted((c.courier_id, c.net) for c in completed) == sorted(
        [(shop["rider"].id, "-31.00"), (shop["rider2"].id, "119.00")]
    )
    again = await client.post("/api/v1/settlements/bulk", json=body)
    assert again.status_code == 202 and again.json()["status"] == "complete"


async def test_bulk_job_rerun_settles_nothing_twice(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    """A retried job (arq re-runs it after a worker dies mid-way) finds each courier's settlement made."""
    from app.dispatch.services import DispatchService
    from app.lib.deps import provide_services

    await login(client, "boss")
    await open_book(client, shop, runtime)
    bulk_id = uuid.uuid4()
    for expected in (
        {"settled": 1, "already_settled": 0, "nothing_open": 2},
        {"settled": 0, "already_settled": 1, "nothing_open": 2},
    ):
        async with provide_services(runtime) as scope:
            counts = await scope.get(DispatchService).settle_bulk(
                bulk_id=bulk_id, branch_id=shop["branch"].id, courier_ids=None, note="", actor=None
            )
        assert counts == expected
    assert await till(runtime) == [D("-31")]


async def test_bad_bulk_requests(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    foreign = await client.post(
        "/api/v1/settlements/bulk",
        json={"id": str(uuid.uuid4()), "branch_id": shop["branch"].id, "courier_ids": [shop["foreign"].id]},
    )
    assert foreign.status_code == 422 and foreign.json()["field"] == "courier_ids"
    other_branch = await client.post(
        "/api/v1/settlements/bulk", json={"id": str(uuid.uuid4()), "branch_id": shop["other"].id}
    )
    assert other_branch.status_code == 404
    assert (
        await client.post("/api/v1/settlements/bulk", json={"id": "x", "branch_id": shop["branch"].id})
    ).status_code == 400
    unknown = await client.get(
        f"/api/v1/settlements/bulk/{uuid.uuid4()}", params={"branch_id": shop["branch"].id}
    )
    assert unknown.status_code == 404
    await login(client, "rider")
    assert (
        await client.post(
            "/api/v1/settlements/bulk", json={"id": str(uuid.uuid4()), "branch_id": shop["branch"].id}
        )
    ).status_code == 403

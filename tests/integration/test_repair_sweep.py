"""The repair cron heals what Redis losing its queue, or a crash, left undone: a paid order whose invoice job
was lost is invoiced exactly once however often (and however concurrently) the sweep runs; an order
committed in PostgreSQL but never put into the hot state reaches the board; and an invoice job held by a
worker killed with SIGKILL is done by the next worker in seconds, not after arq's five-minute claim."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select, text

from app.db.models import Invoice
from app.events.stream import read_after
from app.lib import jobs
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.payments import invoice_queued, new_order, pay, payments_shop
from tests.support.procs import passline, processes
from tests.support.sockets import LiveClient, connect
from workers.jobs.repair import repair


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await payments_shop(factory)


async def lose_the_queue(runtime: Any) -> None:
    """What a Redis wipe does to arq: the queue and every job in it are gone."""
    doomed = [key async for key in runtime.redis.scan_iter(match=f"arq:*{runtime.keys.prefix}*", count=1000)]
    doomed.append(runtime.keys.arq_queue())
    await runtime.redis.unlink(*doomed)


async def backdate(runtime: Any, *order_ids: str, seconds: int = 120) -> None:
    """The orders were made and paid a while ago (past the sweep's grace for the live path)."""
    async with runtime.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE orders SET created_at = created_at - make_interval(secs => :s),"
                " updated_at = updated_at - make_interval(secs => :s) WHERE id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"s": seconds, "ids": list(order_ids)},
        )


async def invoices_of(factory: Factory, order_id: str) -> list[Invoice]:
    factory.session.expire_all()
    rows = await factory.session.scalars(select(Invoice).where(Invoice.order_id == order_id))
    return list(rows.all())


async def issued_events(runtime: Any, branch_id: int) -> list[str]:
    entries = await read_after(runtime.redis, runtime.keys, branch_id, "0-0")
    return [str(e.data()["order_id"]) for e in entries if e.type == "invoice.issued"]


async def test_paid_orders_whose_invoice_jobs_were_lost_are_invoiced_exactly_once(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory, runtime: Any
) -> None:
    await login(client, "cashier")
    branch = shop["branch"].id
    paid = [await new_order(client, shop) for _ in range(3)]
    for order in paid:
        response = await pay(client, order["id"], method="card", amount="10.03", reference="T-1")
        assert response.status_code == 201, response.text
    unpaid = await new_order(client, shop)
    assert all([await invoice_queued(runtime, o["id"]) for o in paid])

    await lose_the_queue(runtime)
    assert not any([await invoice_queued(runtime, o["id"]) for o in paid])
    await backdate(runtime, *(o["id"] for o in [*paid, unpaid]))

    # Two workers' crons at once, then another run: one invoice per paid order, numbered without a gap.
    ctx = {"runtime": runtime}
    first, second = await asyncio.gather(repair(ctx), repair(ctx))
    assert first["invoices"] + second["invoices"] == 3
    assert (await repair(ctx))["invoices"] == 0
    numbers = []
    for order in paid:
        made = await invoices_of(factory, order["id"])
        assert [i.kind for i in made] == ["invoice"]
        numbers.append(made[0].number)
    assert sorted(numbers) == [1, 2, 3]
    assert await invoices_of(factory, unpaid["id"]) == []
    assert sorted(await issued_events(runtime, branch)) == sorted(o["id"] for o in paid)
    # The order's own read shows it, as if the job had run.
    read = (await client.get(f"/api/v1/orders/{paid[0]['id']}")).json()
    assert read["invoice"] is not None


async def test_an_order_committed_but_never_put_into_the_hot_state_reaches_the_board(
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    runtime: Any,
    live_server: LiveServer,
    clients: list[LiveClient],
) -> None:
    await login(client, "boss")
    branch = shop["branch"].id
    order = await new_order(client, shop)
    # Another order that had moved before its hash went: that is Redis losing data, for `passline rebuild`.
    moved_away = await new_order(client, shop)
    step = await client.post(f"/api/v1/orders/{moved_away['id']}/transitions", json={"to": "preparing"})
    assert step.status_code == 200, step.text
    for _ in range(50):  # the move reaches its row (orders.version 2)
        async with runtime.engine.connect() as conn:
            version = await conn.scalar(
                text("SELECT version FROM orders WHERE id = CAST(:id AS uuid)"), {"id": moved_away["id"]}
            )
        if version == 2:
            break
        await asyncio.sleep(0.1)
    assert version == 2
    # The crash between the commit and the Redis init: nothing of the order in Redis, and its events
    # never appended (the stream is dropped too, so nothing could have shown it).
    keys = runtime.keys
    await runtime.redis.unlink(
        keys.order(branch, order["id"]), keys.order_branch(order["id"]), keys.events(branch)
    )
    await runtime.redis.zrem(keys.state_index(branch, "received"), order["id"])
    board = (await client.get(f"/api/v1/branches/{branch}/board")).json()
    assert all(c["order_id"] != order["id"] for cards in board["columns"].values() for c in cards)
    moved = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "preparing"})
    assert moved.status_code == 503 and "passline rebuild" in moved.text

    await runtime.redis.unlink(keys.order(branch, moved_away["id"]))
    screen = await connect(clients, live_server, "/kanban", "boss")
    await backdate(runtime, order["id"], moved_away["id"])
    counts = await repair({"runtime": runtime})
    assert counts["orders_announced"] == 1 and counts["orders_need_rebuild"] == 1
    seen = await screen.next_event()
    assert (seen["type"], seen["data"]["order_id"]) == ("order.created", order["id"])
    board = (await client.get(f"/api/v1/branches/{branch}/board")).json()
    assert [c["order_id"] for c in board["columns"]["received"]] == [order["id"]]

    # Again: nothing more to announce, nothing appended twice.
    assert (await repair({"runtime": runtime}))["orders_announced"] == 0
    created = [e for e in await read_after(runtime.redis, keys, branch, "0-0") if e.type == "order.created"]
    assert len(created) == 1
    # And it is a live order again: it moves.
    moved = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "preparing"})
    assert moved.status_code == 200, moved.text


async def test_an_invoice_job_held_by_a_killed_worker_is_done_by_the_next_worker_within_seconds(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory, runtime: Any, settings: Any
) -> None:
    await login(client, "cashier")
    order = await new_order(client, shop)
    assert (await pay(client, order["id"], method="card", amount="10.03", reference="T-2")).status_code == 201
    job_id = jobs.invoice(runtime.keys, order["id"]).job_id
    env = {**os.environ, "PASSLINE_LOG_LEVEL": "INFO"}

    # The order's row locked: the worker's invoice job blocks inside, mid-job, until it is killed.
    lock = await asyncpg.connect(settings.database.asyncpg_dsn)
    try:
        with processes() as procs:
            await lock.execute("BEGIN")
            await lock.execute("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", order["id"])
            worker = passline("worker", env)
            procs.append(worker)
            deadline = time.monotonic() + 30
            while not await runtime.redis.exists(f"arq:in-progress:{job_id}"):
                assert time.monotonic() < deadline, f"the worker never took the job:\n{worker.tail()}"
                await asyncio.sleep(0.1)
            worker.kill()
            await lock.execute("ROLLBACK")

            # arq keeps the dead worker's claim for the job timeout + 10 s (it was 310 s).
            claim = await runtime.redis.pttl(f"arq:in-progress:{job_id}")
            assert 0 < claim <= 70_000, claim
            assert await invoices_of(factory, order["id"]) == []

            await backdate(runtime, order["id"], seconds=60)  # the minute the shop waited for the restart
            started = time.monotonic()
            procs.append(passline("worker", env, name="worker-2"))
            while not await invoices_of(factory, order["id"]):
                assert time.monotonic() - started < 20, "no invoice 20 s after the new worker started"
                await asyncio.sleep(0.2)
    finally:
        await lock.close()
    made = await invoices_of(factory, order["id"])
    assert len(made) == 1
    async with runtime.engine.connect() as conn:
        total = await conn.scalar(select(func.count()).select_from(Invoice))
    assert total == 1


async def test_a_bulk_settlement_whose_job_redis_lost_is_done_once_by_the_sweep(
    client: httpx.AsyncClient, factory: Factory, runtime: Any
) -> None:
    from tests.support.dispatch import dispatch, make_shop
    from tests.support.dispatch import new_order as delivery_order

    shop = await make_shop(factory)
    branch = shop["branch"].id
    await login(client, "boss")
    for rider in (shop["rider"], shop["rider2"]):
        placed = await delivery_order(client, shop)
        assert (await dispatch(client, placed["id"], rider, "later")).status_code == 200
    bulk_id = str(uuid.uuid4())
    body = {"id": bulk_id, "branch_id": branch, "note": "night close"}
    assert (await client.post("/api/v1/settlements/bulk", json=body)).status_code == 202
    # The same id with another body is refused, like every reused id.
    other = await client.post("/api/v1/settlements/bulk", json=body | {"note": "morning"})
    assert other.status_code == 409 and other.json()["reason"] == "id_reused"

    await lose_the_queue(runtime)
    status = await client.get(f"/api/v1/settlements/bulk/{bulk_id}", params={"branch_id": branch})
    assert status.status_code == 200 and status.json()["status"] == "queued"  # PostgreSQL remembers it
    async with runtime.engine.begin() as conn:
        await conn.execute(
            text("UPDATE bulk_settlement_requests SET requested_at = requested_at - interval '5 minutes'")
        )

    ctx = {"runtime": runtime}
    first, second = await asyncio.gather(repair(ctx), repair(ctx))
    assert first["bulk_settlements"] + second["bulk_settlements"] >= 1
    assert (await repair(ctx))["bulk_settlements"] == 0
    status = await client.get(f"/api/v1/settlements/bulk/{bulk_id}", params={"branch_id": branch})
    assert status.json()["status"] == "complete"
    assert status.json()["result"]["settled"] + status.json()["result"]["already_settled"] == 2
    async with runtime.engine.connect() as conn:
        made = (await conn.execute(text("SELECT courier_id FROM settlements ORDER BY courier_id"))).all()
        still_open = await conn.scalar(
            text("SELECT count(*) FROM courier_transactions WHERE status = 'open'")
        )
    assert sorted(r[0] for r in made) == sorted([shop["rider"].id, shop["rider2"].id])
    assert still_open == 0

"""The walk-in service queue: kiosk numbers, the counters calling them, estimated waits, flood limits."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app.queue.services import (
    DEFAULT_SERVICE_SECONDS,
    TICKETS_PER_MINUTE_PER_BRANCH,
    TICKETS_PER_MINUTE_PER_IP,
)
from tests.support.auth import login
from tests.support.devices import in_process
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="SQ", name="Service Queue")
    other = await factory.branch(code="SO", name="Elsewhere")
    closed = await factory.branch(code="SC", name="Closed", active=False)
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("cass", roles=("cashier",), branches=(branch,))
    await factory.user("kit", roles=("kitchen",), branches=(branch,))
    await factory.user("otto", roles=("cashier",), branches=(other,))
    await factory.commit()
    return {"branch": branch.id, "other": other.id, "closed": closed.id}


@pytest.fixture
async def app(asgi_app: Any, clean_state: None) -> Any:
    # The worker's app (tests/conftest.py): building one a test was ~0.3 s of CPU each. Its state lives
    # in PostgreSQL and Redis, which clean_state empties.
    return asgi_app


@pytest.fixture
async def kiosk(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(app, "10.2.0.5") as http:
        yield http


@pytest.fixture
async def counter(app: Any, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(app, "10.2.0.9") as http:
        await login(http, "cass")
        yield http


async def take(kiosk: httpx.AsyncClient, branch_id: int, service: str = "general") -> dict[str, Any]:
    response = await kiosk.post(f"/api/v1/queue/{branch_id}/tickets", json={"service": service})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def call_next(
    counter: httpx.AsyncClient, branch_id: int, desk: str = "1", **extra: Any
) -> httpx.Response:
    return await counter.post(f"/api/v1/queue/{branch_id}/call-next", json={"counter": desk, **extra})


async def act(staff: httpx.AsyncClient, ticket_id: str, action: str, **body: Any) -> httpx.Response:
    return await staff.post(f"/api/v1/queue/tickets/{ticket_id}/{action}", json=body or None)


async def test_the_kiosk_hands_out_numbers_in_order_per_branch(
    kiosk: httpx.AsyncClient, shop: dict[str, Any], db_session: Any
) -> None:
    from app.db.models import AuditLog, ServiceTicket

    services = (await kiosk.get(f"/api/v1/queue/{shop['branch']}/services")).json()
    assert [s["code"] for s in services] == ["general", "collection", "returns"]
    first = await take(kiosk, shop["branch"])
    second = await take(kiosk, shop["branch"], "returns")
    elsewhere = await take(kiosk, shop["other"])
    assert (first["number"], second["number"], elsewhere["number"]) == (1, 2, 1)
    assert (first["waiting_ahead"], second["waiting_ahead"]) == (0, 1)
    assert first["estimated_wait_seconds"] == 0
    assert second["estimated_wait_seconds"] == DEFAULT_SERVICE_SECONDS  # no history yet
    row = await db_session.get(ServiceTicket, uuid.UUID(second["id"]))
    assert (row.state, row.service, row.number) == ("waiting", "returns", 2)
    audited = (
        await db_session.scalars(select(AuditLog.action).where(AuditLog.entity_id == second["id"]))
    ).all()
    assert audited == ["service_ticket.created"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"service": "haircut"}, 422, "service"),
        ({"service": ""}, 400, "service"),
        ({"service": "general", "name": "Sam"}, 400, "name"),
        ("not json", 400, None),
    ],
)
async def test_bad_kiosk_input_is_a_4xx_naming_the_field(
    kiosk: httpx.AsyncClient, shop: dict[str, Any], body: Any, status: int, field: str | None
) -> None:
    if isinstance(body, str):
        response = await kiosk.post(
            f"/api/v1/queue/{shop['branch']}/tickets",
            content=body,
            headers={"Content-Type": "application/json"},
        )
    else:
        response = await kiosk.post(f"/api/v1/queue/{shop['branch']}/tickets", json=body)
    assert response.status_code == status, response.text
    if field is not None:
        assert field in response.text


async def test_unknown_and_closed_branches_take_no_tickets(
    kiosk: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    assert (await kiosk.post("/api/v1/queue/999999/tickets", json={})).status_code == 404
    assert (await kiosk.post(f"/api/v1/queue/{shop['closed']}/tickets", json={})).status_code == 404


async def test_a_kiosk_flood_gets_429_per_address_and_per_branch(app: Any, shop: dict[str, Any]) -> None:
    branch = shop["branch"]
    async with in_process(app, "10.2.1.1") as flood:
        for _ in range(TICKETS_PER_MINUTE_PER_IP):
            assert (await flood.post(f"/api/v1/queue/{branch}/tickets", json={})).status_code == 201
        refused = await flood.post(f"/api/v1/queue/{branch}/tickets", json={})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        # Another branch's kiosk is not this address's branch limit... but it is the same address.
        assert (await flood.post(f"/api/v1/queue/{shop['other']}/tickets", json={})).status_code == 429

    # Many addresses at once: the branch's own limit stops them.
    issued = TICKETS_PER_MINUTE_PER_IP
    address = 2
    while issued < TICKETS_PER_MINUTE_PER_BRANCH:
        async with in_process(app, f"10.2.1.{address}") as one:
            for _ in range(min(TICKETS_PER_MINUTE_PER_IP - 1, TICKETS_PER_MINUTE_PER_BRANCH - issued)):
                assert (await one.post(f"/api/v1/queue/{branch}/tickets", json={})).status_code == 201
                issued += 1
        address += 1
    async with in_process(app, "10.2.9.9") as fresh:
        assert (await fresh.post(f"/api/v1/queue/{branch}/tickets", json={})).status_code == 429
        # The other branch's kiosk still works from a fresh address.
        assert (await fresh.post(f"/api/v1/queue/{shop['other']}/tickets", json={})).status_code == 201


async def test_counters_call_the_oldest_waiting_number_first(
    kiosk: httpx.AsyncClient, counter: httpx.AsyncClient, shop: dict[str, Any], db_session: Any
) -> None:
    from app.db.models import AuditLog

    branch = shop["branch"]
    tickets = [await take(kiosk, branch, service) for service in ("general", "returns", "general")]

    first = await call_next(counter, branch, "1")
    assert first.status_code == 200, first.text
    assert (first.json()["number"], first.json()["state"], first.json()["counter"]) == (1, "called", "1")
    assert first.json()["called_at"]
    # A counter for returns only skips the general queue.
    returns = await call_next(counter, branch, "R", service="returns")
    assert returns.json()["number"] == 2
    third = await call_next(counter, branch, "2")
    assert third.json()["number"] == 3
    empty = await call_next(counter, branch, "1")
    assert empty.status_code == 409
    assert empty.json()["reason"] == "queue_empty"

    opened = (await counter.get(f"/api/v1/queue/{branch}/tickets")).json()
    assert [(t["number"], t["state"], t["counter"]) for t in opened] == [
        (1, "called", "1"),
        (2, "called", "R"),
        (3, "called", "2"),
    ]
    audited = (
        await db_session.scalars(
            select(AuditLog.action).where(AuditLog.entity_id == tickets[0]["id"]).order_by(AuditLog.id)
        )
    ).all()
    assert audited == ["service_ticket.created", "service_ticket.called"]


async def test_no_show_recall_serve_and_done(
    kiosk: httpx.AsyncClient, counter: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    from app.events.stream import read_after

    branch = shop["branch"]
    ticket = await take(kiosk, branch)
    await take(kiosk, branch)
    called = (await call_next(counter, branch, "4")).json()
    assert called["id"] == ticket["id"]

    missed = await act(counter, ticket["id"], "no-show")
    assert missed.status_code == 200, missed.text
    assert missed.json()["state"] == "no_show" and missed.json()["done_at"]
    # The no-show is no longer in the queue: the next call takes number 2.
    assert (await call_next(counter, branch, "4")).json()["number"] == 2
    # They came back: called again, to another counter.
    back = await act(counter, ticket["id"], "recall", counter="5")
    assert back.status_code == 200, back.text
    assert (back.json()["state"], back.json()["counter"], back.json()["done_at"]) == ("called", "5", None)
    again = await act(counter, ticket["id"], "recall")
    assert (again.json()["state"], again.json()["counter"]) == ("called", "5")
    serving = await act(counter, ticket["id"], "serve")
    assert serving.json()["state"] == "serving" and serving.json()["served_at"]
    assert (await act(counter, ticket["id"], "no-show")).status_code == 409
    done = await act(counter, ticket["id"], "done")
    assert done.json()["state"] == "done"
    twice = await act(counter, ticket["id"], "done")
    assert twice.status_code == 409
    assert twice.json()["state"] == "done"
    assert (await act(counter, str(uuid.uuid4()), "done")).status_code == 404

    entries = await read_after(runtime.redis, runtime.keys, branch, "0-0")
    mine = [
        (e.type, e.data()["state"], e.data()["counter"])
        for e in entries
        if e.data().get("ticket_id") == ticket["id"]
    ]
    assert mine == [
        ("service.ticket_created", "waiting", None),
        ("service.ticket_called", "called", "4"),
        ("service.ticket_updated", "no_show", "4"),
        ("service.ticket_called", "called", "5"),
        ("service.ticket_called", "called", "5"),
        ("service.ticket_updated", "serving", "5"),
        ("service.ticket_updated", "done", "5"),
    ]
    # Finished tickets leave the board's hash; the other one is still being served.
    open_numbers = await runtime.redis.hkeys(runtime.keys.service_tickets(branch))
    assert ticket["id"].encode() not in open_numbers and len(open_numbers) == 1


async def test_estimated_wait_is_people_ahead_times_recent_service_time(
    kiosk: httpx.AsyncClient, counter: httpx.AsyncClient, shop: dict[str, Any], db_session: Any
) -> None:
    from app.db.models import ServiceTicket

    branch = shop["branch"]
    served = [await take(kiosk, branch) for _ in range(3)]
    for _ in served:
        called = (await call_next(counter, branch)).json()
        assert (await act(counter, called["id"], "done")).status_code == 200
    # Those three took 60, 120 and 180 s at the counter: 120 s on average.
    now = dt.datetime.now(dt.UTC)
    for ticket, seconds in zip(served, (60, 120, 180), strict=True):
        await db_session.execute(
            update(ServiceTicket)
            .where(ServiceTicket.id == uuid.UUID(ticket["id"]))
            .values(called_at=now - dt.timedelta(seconds=seconds), done_at=now)
        )
    await db_session.commit()

    ahead = [await take(kiosk, branch) for _ in range(2)]
    assert [t["estimated_wait_seconds"] for t in ahead] == [0, 120]
    mine = await take(kiosk, branch)
    assert (mine["waiting_ahead"], mine["estimated_wait_seconds"]) == (2, 240)
    # One of them is called: one person ahead now.
    await call_next(counter, branch)
    later = await take(kiosk, branch)
    assert (later["waiting_ahead"], later["estimated_wait_seconds"]) == (2, 240)


async def test_only_the_branchs_counter_staff_call_numbers(
    app: Any, kiosk: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    branch = shop["branch"]
    ticket = await take(kiosk, branch)
    assert (await call_next(kiosk, branch)).status_code == 401
    async with in_process(app, "10.2.3.1") as cook, in_process(app, "10.2.3.2") as stranger:
        await login(cook, "kit")
        assert (await call_next(cook, branch)).status_code == 403
        await login(stranger, "otto")
        assert (await call_next(stranger, branch)).status_code == 404
        assert (await act(stranger, ticket["id"], "done")).status_code == 404
        assert (await stranger.get(f"/api/v1/queue/{branch}/tickets")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"counter": ""}, "counter"),
        ({}, "counter"),
        ({"counter": "1", "service": "haircut"}, "service"),
        ({"counter": "a\nb"}, "counter"),
        ({"counter": "1", "service_codes": ["general", "haircut"]}, "service_codes[1]"),
        ({"counter": "1", "service_codes": []}, "service_codes"),
    ],
)
async def test_bad_counter_input_is_a_4xx_naming_the_field(
    counter: httpx.AsyncClient, shop: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = await counter.post(f"/api/v1/queue/{shop['branch']}/call-next", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert field in response.text


async def test_counter_writes_need_the_csrf_token(app: Any, shop: dict[str, Any]) -> None:
    async with in_process(app, "10.2.4.1") as http:
        await login(http, "cass")
        del http.headers["X-CSRF-Token"]
        response = await call_next(http, shop["branch"])
        assert response.status_code == 403
        assert "CSRF" in response.text


async def test_the_counter_screen_calls_for_its_services_and_sends_numbers_to_other_counters(
    kiosk: httpx.AsyncClient, counter: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, app: Any
) -> None:
    from app.events.stream import last_id, read_after

    branch = shop["branch"]
    before = await last_id(runtime.redis, runtime.keys, branch)
    general, collection, returns = [
        await take(kiosk, branch, s) for s in ("general", "collection", "returns")
    ]

    # The snapshot the counter screen starts from: open tickets, current to the stream id it names.
    snapshot = (await counter.get(f"/api/v1/queue/{branch}/counter")).json()
    assert snapshot["stream_id"] == await last_id(runtime.redis, runtime.keys, branch) != before
    assert [t["number"] for t in snapshot["tickets"]] == [1, 2, 3]
    assert [s["code"] for s in snapshot["services"]] == ["general", "collection", "returns"]
    assert abs(snapshot["now_ms"] - int((await runtime.redis.time())[0]) * 1000) < 5000

    # A counter taking collection and returns skips the older general enquiry.
    mine = {"service_codes": ["collection", "returns"]}
    first = await call_next(counter, branch, "3", **mine)
    assert (first.json()["id"], first.json()["counter"]) == (collection["id"], "3")
    assert (await call_next(counter, branch, "3", **mine)).json()["id"] == returns["id"]
    empty = await call_next(counter, branch, "3", **mine)
    assert empty.status_code == 409 and empty.json()["reason"] == "queue_empty"
    assert empty.json()["detail"] == "Nobody is waiting for Order collection or Returns and refunds"

    # Sent to counter 5 while being served: called there, announced as a call again.
    assert (await act(counter, returns["id"], "serve")).status_code == 200
    sent = await act(counter, returns["id"], "transfer", counter="5")
    assert sent.status_code == 200, sent.text
    assert (sent.json()["state"], sent.json()["counter"]) == ("called", "5")
    same = await act(counter, returns["id"], "transfer", counter="5")
    assert same.status_code == 422 and same.json()["field"] == "counter"
    assert (await act(counter, returns["id"], "done")).status_code == 200
    gone = await act(counter, returns["id"], "transfer", counter="6")
    assert gone.status_code == 409
    assert gone.json()["detail"] == "Number 3 is done; it cannot be sent to another counter"
    assert (await act(counter, general["id"], "transfer", counter="6")).status_code == 409  # still waiting

    calls = [
        (e.data()["number"], e.data()["counter"], e.data()["recall"])
        for e in await read_after(runtime.redis, runtime.keys, branch, before)
        if e.type == "service.ticket_called"
    ]
    assert calls == [(2, "3", False), (3, "3", False), (3, "5", True)]

    # Today's no-shows stay in the counter's snapshot, to be called back; done ones leave it.
    assert (await act(counter, collection["id"], "no-show")).status_code == 200
    later = (await counter.get(f"/api/v1/queue/{branch}/counter")).json()
    assert [(t["number"], t["state"]) for t in later["tickets"]] == [(1, "waiting"), (2, "no_show")]
    async with in_process(app, "10.2.5.1") as cook, in_process(app, "10.2.5.2") as stranger:
        await login(cook, "kit")
        assert (await cook.get(f"/api/v1/queue/{branch}/counter")).status_code == 403
        await login(stranger, "otto")
        assert (await stranger.get(f"/api/v1/queue/{branch}/counter")).status_code == 404

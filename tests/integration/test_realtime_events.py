"""Live events over Socket.IO against real uvicorn processes: envelopes, per-audience projection, scale-out.

Events are made the way the order service makes them (the Lua state machine appending to the branch
stream); each web process's bridge reads the stream and feeds its sockets. Negative checks ("the courier
never sees another's order") are event-driven: a later event the client *should* get acts as a barrier,
and stream order guarantees anything forbidden would have arrived before it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import socketio

from tests.conftest import Factory, LiveServer, login, start_live_server

WAIT = 10.0
ENVELOPE_KEYS = {"id", "type", "branch_id", "ts", "data"}

# Whatever could identify or charge a customer; the TV must never carry any of it anywhere in a payload.
QUEUE_FORBIDDEN = {
    "name",
    "phone",
    "address",
    "total",
    "totals",
    "subtotal",
    "tax",
    "amount",
    "lines",
    "line_total",
    "items",
    "customer",
    "delivery",
    "payment_status",
    "note",
    "table_label",
}
KDS_FORBIDDEN = {
    "phone",
    "address",
    "total",
    "totals",
    "subtotal",
    "tax",
    "amount",
    "line_total",
    "customer",
    "delivery",
    "payment_status",
    "courier_id",
    "settle_mode",
}
COURIER_ORDER_FORBIDDEN = {"totals", "total", "lines", "customer", "payment_status", "name", "phone"}


def keys_in(value: Any) -> Iterator[str]:
    """Every mapping key anywhere in a payload."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_in(inner)


# --------------------------------------------------------------------------- clients


class RefusedError(Exception):
    def __init__(self, reason: Any) -> None:
        super().__init__(str(reason))
        self.reason = reason


async def session_cookie(server: LiveServer, username: str) -> str:
    async with httpx.AsyncClient(base_url=server.url) as http:
        await login(http, username)  # answers an admin's second-factor challenge too
        return f"passline_session={http.cookies['passline_session']}"


class LiveClient:
    """A python-socketio client on one namespace that queues every event it receives, in order."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.refusals: list[Any] = []
        self.hello: dict[str, Any] = {}
        self.sio.on("*", self._on_event, namespace=namespace)
        self.sio.on("connect_error", self.refusals.append, namespace=namespace)

    async def _on_event(self, event: str, data: Any = None) -> None:
        self.events.put_nowait((event, data))

    async def connect(
        self, server: LiveServer, cookie: str | None, auth: dict[str, Any] | None = None
    ) -> None:
        try:
            await self.sio.connect(
                server.url,
                namespaces=[self.namespace],
                transports=["websocket"],
                headers={"Cookie": cookie} if cookie else {},
                auth=auth,
                wait_timeout=WAIT,
            )
        except socketio.exceptions.ConnectionError as exc:
            await self.sio.disconnect()
            # The server's reason arrives as the namespace's connect_error payload.
            raise RefusedError(self.refusals[-1] if self.refusals else exc) from exc

    async def disconnect(self) -> None:
        await self.sio.disconnect()

    async def next(self, within: float = WAIT) -> tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), within)

    async def next_event(self, within: float = WAIT) -> dict[str, Any]:
        """The next stream event (skipping `hello`), as its envelope."""
        while True:
            name, payload = await self.next(within)
            if name != "hello":
                assert name == payload["type"], (name, payload)
                return payload  # type: ignore[no-any-return]

    async def events_until(self, last_id: str, within: float = WAIT) -> list[dict[str, Any]]:
        """Envelopes up to and including the one with `last_id`."""
        out: list[dict[str, Any]] = []
        while not out or out[-1]["id"] != last_id:
            out.append(await self.next_event(within))
        return out


@asynccontextmanager
async def client_pool() -> AsyncIterator[list[LiveClient]]:
    made: list[LiveClient] = []
    try:
        yield made
    finally:
        for client in made:
            await client.disconnect()


@pytest.fixture
async def clients() -> AsyncIterator[list[LiveClient]]:
    async with client_pool() as made:
        yield made


async def connect(
    clients: list[LiveClient],
    server: LiveServer,
    namespace: str,
    username: str | None,
    auth: dict[str, Any] | None = None,
    *,
    cookie: str | None = None,
) -> LiveClient:
    """A client signed in as `username` (a new session), or on the given session `cookie`."""
    client = LiveClient(namespace)
    if cookie is None and username:
        cookie = await session_cookie(server, username)
    await client.connect(server, cookie, auth)
    clients.append(client)
    name, client.hello = await client.next()
    assert name == "hello", (name, client.hello)
    return client


# --------------------------------------------------------------------------- shop and orders


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


async def make_shop(factory: Factory) -> dict[str, Any]:
    """Two branches, stations, one user per role, two couriers with logins."""
    from app.db.models import Courier, Station

    branch = await factory.branch(code="LV", name="Live Branch")
    other = await factory.branch(code="OT", name="Other Branch")
    factory.session.add_all(
        [
            Station(branch_id=branch.id, code="grill", name="Grill"),
            Station(branch_id=branch.id, code="bar", name="Bar"),
            Station(branch_id=other.id, code="grill", name="Grill"),
        ]
    )
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("cass", roles=("cashier",), branches=(branch,))
    await factory.user("kit", roles=("kitchen",), branches=(branch,))
    await factory.user("hal", roles=("hr",), branches=(branch,))
    cody = await factory.user("cody", roles=("courier",), branches=(branch,))
    cleo = await factory.user("cleo", roles=("courier",), branches=(branch,))
    await factory.user("otto", roles=("manager",), branches=(other,))
    couriers = [
        Courier(branch_id=branch.id, user_id=cody.id, name="Cody"),
        Courier(branch_id=branch.id, user_id=cleo.id, name="Cleo"),
    ]
    factory.session.add_all(couriers)
    await factory.commit()
    return {
        "branch": branch.id,
        "other": other.id,
        "cody": couriers[0].id,
        "cleo": couriers[1].id,
    }


async def new_order(
    runtime: Any,
    branch_id: int,
    *,
    channel: str = "counter",
    token: int | None = 7,
    stations: tuple[str, ...] = ("grill",),
) -> tuple[str, list[str]]:
    """An order as the order service makes it: order.created + one ticket.created per station."""
    from app.orders.machine import OrderMachine, TicketSpec
    from app.orders.states import State

    order_id = str(uuid.uuid4())
    delivery = channel in {"delivery", "partner"}
    lines = [
        {
            "line_no": n,
            "product_id": n,
            "name": f"Secret Burger {n}",
            "qty": "1",
            "unit": "piece",
            "station_code": station,
            "note": "allergic, call Sam on +20 100 555 0101",
            "line_total": "120.00",
        }
        for n, station in enumerate(stations, start=1)
    ]
    created = {
        "order_id": order_id,
        "branch_id": branch_id,
        "channel": channel,
        "state": "received",
        "version": 1,
        "token": token,
        "table_label": "T4" if channel == "dine_in" else None,
        "note": "ring twice, Sam Secret",
        "payment_status": "unpaid",
        "totals": {"subtotal": "240.00", "tax": "33.60", "delivery_charge": "0", "total": "273.60"},
        "customer": {"id": 1, "name": "Sam Secret", "phone": "+20 100 555 0101"},
        "delivery": (
            {"address": "12 Hidden St", "territory_id": 1, "slot_start": None, "slot_end": None}
            if delivery
            else None
        ),
        "lines": lines,
        "created_at": "2026-01-01T12:00:00+00:00",
    }
    tickets = []
    for line in lines:
        ticket_id = str(uuid.uuid4())
        ticket = {
            "ticket_id": ticket_id,
            "order_id": order_id,
            "station_code": line["station_code"],
            "token": token,
            "channel": channel,
            "table_label": created["table_label"],
            "rush": False,
            "items": [{k: line[k] for k in ("line_no", "name", "qty", "unit", "note")}],
            "note": "",
        }
        tickets.append(TicketSpec(ticket_id, str(line["station_code"]), json.dumps(ticket)))
    fields = {"channel": channel, "payment_status": "unpaid", "token": "" if token is None else str(token)}
    machine = OrderMachine(runtime.redis, runtime.keys, runtime.lua, runtime.bus)
    new, ids = await machine.init_order(
        branch_id=branch_id,
        order_id=order_id,
        state=State.RECEIVED,
        fields=fields,
        created=json.dumps(created),
        tickets=tickets,
    )
    assert new
    await runtime.redis.sadd(runtime.keys.event_branches(), branch_id)
    return order_id, ids


async def move(runtime: Any, branch_id: int, order_id: str, to: str, **guard: Any) -> str:
    from tests.support.moves import door_move

    moved = await door_move(runtime, branch_id, order_id, to, **guard)
    return str(moved.event_id)


# --------------------------------------------------------------------------- tests


async def test_kanban_gets_full_envelopes_in_stream_order(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    kanban = await connect(clients, live_server, "/kanban", "mia")

    order_id, created_ids = await new_order(runtime, branch, stations=("grill", "bar"))
    changed_id = await move(runtime, branch, order_id, "preparing")

    got = await kanban.events_until(changed_id)
    assert [e["id"] for e in got] == [*created_ids, changed_id]
    assert [e["type"] for e in got] == [
        "order.created",
        "ticket.created",
        "ticket.created",
        "order.state_changed",
    ]
    for envelope in got:
        assert set(envelope) == ENVELOPE_KEYS
        assert envelope["branch_id"] == branch
    created, changed = got[0], got[-1]
    # Managers see everything: the full order, customer and money included.
    assert created["data"]["order_id"] == order_id
    assert created["data"]["totals"]["total"] == "273.60"
    assert created["data"]["customer"]["name"] == "Sam Secret"
    assert {t["data"]["station_code"] for t in got[1:3]} == {"grill", "bar"}
    assert changed["data"]["order_id"] == order_id
    assert changed["data"]["from"] == "received"
    assert changed["data"]["to"] == "preparing"
    assert changed["data"]["version"] == 2
    assert changed["data"]["token"] == 7


async def test_pos_gets_its_branch_only(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    pos = await connect(clients, live_server, "/pos", "cass")
    other_board = await connect(clients, live_server, "/kanban", "otto")

    await new_order(runtime, shop["other"], stations=())
    _, ids = await new_order(runtime, shop["branch"], stations=())

    # The first event the till sees is its own branch's: the other branch's order never reached it.
    first = await pos.next_event()
    assert (first["id"], first["branch_id"]) == (ids[0], shop["branch"])
    assert first["data"]["payment_status"] == "unpaid"
    seen = await other_board.next_event()
    assert seen["branch_id"] == shop["other"]


async def test_queue_sees_tokens_and_states_only(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    tv = await connect(clients, live_server, "/queue", "cass", {"branch_id": branch})

    # A delivery order never reaches the TV; the counter order after it does.
    delivery_id, _ = await new_order(runtime, branch, channel="delivery", token=None)
    await move(runtime, branch, delivery_id, "preparing")
    order_id, ids = await new_order(runtime, branch, channel="counter", token=42, stations=("grill", "bar"))
    ready_id = await move(runtime, branch, order_id, "ready")

    created = await tv.next_event()
    assert created["id"] == ids[0]
    assert created["type"] == "order.created"
    assert created["data"] == {"order_id": order_id, "token": 42, "state": "received", "channel": "counter"}
    ready = await tv.next_event()  # ticket events are the kitchen's business, not the TV's
    assert ready["id"] == ready_id
    assert ready["data"] == {
        "order_id": order_id,
        "token": 42,
        "from": "received",
        "to": "ready",
        "channel": "counter",
    }
    for envelope in (created, ready):
        assert set(envelope) == ENVELOPE_KEYS
        assert not set(keys_in(envelope)) & QUEUE_FORBIDDEN, envelope


async def test_kds_sees_its_station_tickets_and_stripped_order_changes(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    grill = await connect(clients, live_server, "/kds", "kit", {"station": "grill", "branch_id": branch})
    expo = await connect(clients, live_server, "/kds", "kit")

    order_id, ids = await new_order(runtime, branch, stations=("bar", "grill"))
    cancelled = await move(runtime, branch, order_id, "cancelled", reason="customer left")

    ticket = await grill.next_event()
    assert ticket["type"] == "ticket.created"
    assert ticket["id"] == ids[2]  # the bar ticket (ids[1]) went to the bar's room only
    assert ticket["data"]["station_code"] == "grill"
    assert ticket["data"]["items"] == [
        {
            "line_no": 2,
            "name": "Secret Burger 2",
            "qty": "1",
            "unit": "piece",
            "note": "allergic, call Sam on +20 100 555 0101",
        }
    ]
    change = await grill.next_event()
    assert change["id"] == cancelled
    assert change["data"] == {
        "order_id": order_id,
        "from": "received",
        "to": "cancelled",
        "version": 2,
        "channel": "counter",
        "token": 7,
    }
    expo_got = await expo.events_until(cancelled)
    assert [e["id"] for e in expo_got] == [ids[1], ids[2], cancelled]
    for envelope in [ticket, change, *expo_got]:
        assert not set(keys_in(envelope)) & KDS_FORBIDDEN, envelope


async def test_courier_sees_only_their_own_deliveries(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    branch = shop["branch"]
    cody = await connect(clients, live_server, "/courier", "cody")
    cleo = await connect(clients, live_server, "/courier", "cleo")
    watcher = await connect(clients, live_server, "/courier", "mia", {"courier_id": shop["cleo"]})

    first, _ = await new_order(runtime, branch, channel="delivery", token=None)
    second, _ = await new_order(runtime, branch, channel="delivery", token=None)
    to_cody = await move(
        runtime, branch, first, "out_for_delivery", courier_id=shop["cody"], settle_mode="later"
    )
    to_cleo = await move(
        runtime, branch, second, "out_for_delivery", courier_id=shop["cleo"], settle_mode="now"
    )
    delivered = await move(runtime, branch, first, "delivered", courier_id=shop["cody"])

    got = await cody.events_until(delivered)
    assert [e["id"] for e in got] == [to_cody, delivered]
    assert got[0]["data"] == {
        "order_id": first,
        "from": "received",
        "to": "out_for_delivery",
        "version": 2,
        "channel": "delivery",
        "token": None,
        "courier_id": shop["cody"],
        "settle_mode": "later",
    }
    # Cleo's first event is her own dispatch: none of Cody's (made before it) reached her.
    for client in (cleo, watcher):
        event = await client.next_event()
        assert event["id"] == to_cleo
        assert event["data"]["courier_id"] == shop["cleo"]
    for envelope in got:
        assert not set(keys_in(envelope)) & COURIER_ORDER_FORBIDDEN, envelope


async def test_an_event_reaches_clients_of_every_web_process(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    second = start_live_server()
    try:
        branch = shop["branch"]
        on_a = await connect(clients, live_server, "/kanban", "mia")
        on_b = await connect(clients, second, "/kanban", "mia")
        tv_b = await connect(clients, second, "/queue", "cass")

        order_id, _ = await new_order(runtime, branch, stations=())
        changed = await move(runtime, branch, order_id, "ready")

        for client in (on_a, on_b):
            got = await client.events_until(changed)
            assert [e["type"] for e in got] == ["order.created", "order.state_changed"]
        assert (await tv_b.events_until(changed))[-1]["data"]["to"] == "ready"
    finally:
        for client in clients:
            await client.disconnect()
        clients.clear()
        second.stop()


async def test_unknown_event_types_reach_boards_but_not_the_tv_or_kitchen(
    live_server: LiveServer, shop: dict[str, Any], runtime: Any, clients: list[LiveClient]
) -> None:
    from tests.support.streams import append

    branch = shop["branch"]
    kanban = await connect(clients, live_server, "/kanban", "mia")
    tv = await connect(clients, live_server, "/queue", "cass")
    expo = await connect(clients, live_server, "/kds", "kit")

    alert = await append(
        runtime.redis,
        runtime.keys,
        branch,
        type="alert.raised",
        data={"kind": "late_order", "detail": "Sam Secret waits", "amount": "12.00"},
        maxlen=1000,
    )
    order_id, ids = await new_order(runtime, branch, stations=("grill",))

    assert (await kanban.next_event())["id"] == alert
    assert (await tv.next_event())["id"] == ids[0]
    assert (await expo.next_event())["id"] == ids[1]
    assert order_id

"""Pairing displays: code, approval, the token handed out once, and revocation that ends HTTP access and
connected sockets at once (a real uvicorn server for the socket parts)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.devices.services import CODE_ALPHABET, CODE_LENGTH, PAIR_PER_MINUTE_PER_IP
from tests.support.auth import login
from tests.support.devices import device_auth, in_process, pair
from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.sockets import WAIT, LiveClient, RefusedError, connect


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="DV", name="Device Branch")
    other = await factory.branch(code="DO", name="Other Branch")
    await factory.station(branch, "grill")
    await factory.station(branch, "bar")
    await factory.station(other, "grill")
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("otto", roles=("manager",), branches=(other,))
    await factory.user("cass", roles=("cashier",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "other": other.id}


@pytest.fixture
async def app(asgi_app: Any, clean_state: None) -> Any:
    # The worker's app (tests/conftest.py): building one a test was ~0.3 s of CPU each. Its state lives
    # in PostgreSQL and Redis, which clean_state empties.
    return asgi_app


@pytest.fixture
async def display(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(app, "10.0.0.5") as http:
        yield http


@pytest.fixture
async def manager(app: Any, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(app, "10.0.0.9") as http:
        await login(http, "mia")
        yield http


# --------------------------------------------------------------------------- pairing over HTTP


async def test_a_display_pairs_and_receives_its_token_once(
    display: httpx.AsyncClient, manager: httpx.AsyncClient, shop: dict[str, Any], db_session: Any
) -> None:
    from sqlalchemy import select

    from app.db.models import AuditLog, Device

    asked = await display.post("/api/v1/devices/pair")
    assert asked.status_code == 201, asked.text
    pairing = asked.json()
    assert len(pairing["code"]) == CODE_LENGTH
    assert set(pairing["code"]) <= set(CODE_ALPHABET)
    status_url = f"/api/v1/devices/{pairing['device_id']}/status"
    secret = {"X-Pairing-Secret": pairing["secret"]}

    pending = await display.get(status_url, headers=secret)
    assert pending.json() == {"device_id": pairing["device_id"], "status": "pending"}

    # The manager types the code as read off the TV: lower case, with a space in the middle.
    typed = f"{pairing['code'][:3].lower()} {pairing['code'][3:]}"
    approved = await manager.post(
        "/api/v1/devices/approve",
        json={"code": typed, "branch_id": shop["branch"], "role": "queue_tv", "name": "Front TV"},
    )
    assert approved.status_code == 200, approved.text
    device = approved.json()
    assert device["status"] == "approved"
    assert device["screen"] == f"/queue/{shop['branch']}"
    assert "token" not in device

    first = (await display.get(status_url, headers=secret)).json()
    assert first["status"] == "approved"
    assert first["screen"] == f"/queue/{shop['branch']}"
    token = first["token"]
    assert isinstance(token, str) and len(token) >= 40
    again = (await display.get(status_url, headers=secret)).json()
    assert again["status"] == "approved" and "token" not in again

    # PostgreSQL holds the token's SHA-256 only.
    row = await db_session.scalar(select(Device).where(Device.id == uuid.UUID(pairing["device_id"])))
    assert row.token_hash != token and len(row.token_hash) == 64
    actions = (
        await db_session.scalars(select(AuditLog.action).where(AuditLog.entity_type == "device"))
    ).all()
    assert actions == ["device.approved"]

    me = await display.get("/api/v1/devices/me", headers=device_auth(token))
    assert me.status_code == 200, me.text
    assert me.json() == {
        "device_id": pairing["device_id"],
        "branch_id": shop["branch"],
        "role": "queue_tv",
        "station_code": None,
        "name": "Front TV",
        "screen": f"/queue/{shop['branch']}",
    }


async def test_the_status_needs_the_displays_secret(display: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    pairing = (await display.post("/api/v1/devices/pair")).json()
    url = f"/api/v1/devices/{pairing['device_id']}/status"
    assert (await display.get(url, headers={"X-Pairing-Secret": "guess"})).status_code == 404
    missing = await display.get(url)
    assert missing.status_code == 400, missing.text
    assert "x-pairing-secret" in missing.text.lower()
    unknown = await display.get(f"/api/v1/devices/{uuid.uuid4()}/status", headers={"X-Pairing-Secret": "x"})
    assert unknown.status_code == 404


async def test_pairing_requests_are_rate_limited(app: Any, shop: dict[str, Any]) -> None:
    async with in_process(app, "10.0.0.77") as flood, in_process(app, "10.0.0.78") as neighbour:
        for _ in range(PAIR_PER_MINUTE_PER_IP):
            assert (await flood.post("/api/v1/devices/pair")).status_code == 201
        refused = await flood.post("/api/v1/devices/pair")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert (await neighbour.post("/api/v1/devices/pair")).status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"code": "ZZZZZZ"}, 404, "code"),
        ({"code": "short"}, 404, "code"),
        ({"code": "AB\x00CDE"}, 422, "code"),  # NUL is refused for every body (app/lib/request.py)
        ({"name": "TV\x00"}, 422, "name"),
        ({"role": "station", "station_code": "gr\x00ill"}, 422, "station_code"),
        ({"role": "station"}, 422, "station_code"),
        ({"role": "station", "station_code": "fryer"}, 422, "station_code"),
        ({"role": "queue_tv", "station_code": "grill"}, 422, "station_code"),
        ({"role": "toaster"}, 400, "role"),
        ({"branch_id": "other"}, 404, None),
        ({"branch_id": 999_999}, 404, None),
    ],
)
async def test_approval_checks_code_branch_role_and_station(
    display: httpx.AsyncClient,
    manager: httpx.AsyncClient,
    shop: dict[str, Any],
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    pairing = (await display.post("/api/v1/devices/pair")).json()
    request = {"code": pairing["code"], "branch_id": shop["branch"], "role": "queue_tv", **body}
    if request["branch_id"] == "other":
        request["branch_id"] = shop["other"]  # a branch the manager does not belong to: as if missing
    response = await manager.post("/api/v1/devices/approve", json=request)
    assert response.status_code == status, response.text
    if field is not None:
        assert field in response.text
    # Nothing was approved: the display still waits.
    still = await display.get(
        f"/api/v1/devices/{pairing['device_id']}/status", headers={"X-Pairing-Secret": pairing["secret"]}
    )
    assert still.json()["status"] == "pending"


async def test_only_managers_approve_and_revoke(
    app: Any, display: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    pairing = (await display.post("/api/v1/devices/pair")).json()
    async with in_process(app, "10.0.0.20") as cashier:
        await login(cashier, "cass")
        response = await cashier.post(
            "/api/v1/devices/approve",
            json={"code": pairing["code"], "branch_id": shop["branch"], "role": "queue_tv"},
        )
        assert response.status_code == 403
        assert (await cashier.get("/api/v1/devices")).status_code == 403
    anonymous = await display.post(
        "/api/v1/devices/approve",
        json={"code": pairing["code"], "branch_id": shop["branch"], "role": "queue_tv"},
    )
    assert anonymous.status_code == 401


async def test_managers_see_and_revoke_their_branches_devices_only(
    app: Any, display: httpx.AsyncClient, manager: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    tv = await pair(display, manager, branch_id=shop["branch"], name="Front TV")
    grill = await pair(display, manager, branch_id=shop["branch"], role="station", station_code="grill")
    assert grill["screen"] == f"/kds/grill?branch={shop['branch']}"
    listed = (await manager.get("/api/v1/devices", params={"branch_id": shop["branch"]})).json()
    assert {d["id"] for d in listed} == {tv["id"], grill["id"]}
    assert all("token" not in d and "pairing_code" not in d for d in listed)

    async with in_process(app, "10.0.0.21") as stranger:
        await login(stranger, "otto")
        assert (await stranger.get("/api/v1/devices")).json() == []
        assert (
            await stranger.get("/api/v1/devices", params={"branch_id": shop["branch"]})
        ).status_code == 404
        assert (await stranger.post(f"/api/v1/devices/{tv['id']}/revoke")).status_code == 404

    revoked = await manager.post(f"/api/v1/devices/{tv['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked" and revoked.json()["revoked_at"]
    again = await manager.post(f"/api/v1/devices/{tv['id']}/revoke")
    assert again.status_code == 200 and again.json()["status"] == "revoked"
    assert (await manager.post(f"/api/v1/devices/{uuid.uuid4()}/revoke")).status_code == 404


async def test_device_tokens_read_only_what_their_role_and_branch_allow(
    display: httpx.AsyncClient, manager: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    tv = await pair(display, manager, branch_id=shop["branch"])
    grill = await pair(display, manager, branch_id=shop["branch"], role="station", station_code="grill")
    board = f"/api/v1/queue/{shop['branch']}/board"
    assert (await display.get(board, headers=device_auth(tv["token"]))).status_code == 200
    # Another branch's board is answered like a missing one; a station screen has no business on the TV.
    other = await display.get(f"/api/v1/queue/{shop['other']}/board", headers=device_auth(tv["token"]))
    assert other.status_code == 404
    assert (await display.get(board, headers=device_auth(grill["token"]))).status_code == 403
    # A device is no user: staff endpoints stay closed to it.
    assert (await display.get("/api/v1/orders", headers=device_auth(tv["token"]))).status_code == 401
    assert (await display.get("/api/v1/devices", headers=device_auth(tv["token"]))).status_code == 401
    unknown = await display.get(board, headers=device_auth("not-a-token"))
    assert unknown.status_code == 401
    assert unknown.json()["extra"] == {"code": "device_unknown"}
    assert (await display.get(board)).status_code == 401


# --------------------------------------------------------------------------- sockets (real uvicorn)


@pytest.fixture
async def live_http(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        yield http


@pytest.fixture
async def live_manager(live_server: LiveServer, shop: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await login(http, "mia")
        yield http


class DeviceSocket(LiveClient):
    """A display's socket, noting when the server ends it."""

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        self.ended = asyncio.Event()
        self.end_reason: Any = None
        self.sio.on("disconnect", self._on_disconnect, namespace=namespace)

    async def _on_disconnect(self, reason: Any = None) -> None:
        self.end_reason = reason
        self.ended.set()


async def connect_device(
    clients: list[LiveClient], server: LiveServer, namespace: str, auth: dict[str, Any]
) -> DeviceSocket:
    client = DeviceSocket(namespace)
    await client.connect(server, None, auth)
    clients.append(client)
    name, client.hello = await client.next()
    assert name == "hello", (name, client.hello)
    return client


async def device_refusal(
    clients: list[LiveClient], server: LiveServer, namespace: str, auth: dict[str, Any]
) -> dict[str, Any]:
    with pytest.raises(RefusedError) as refused:
        await connect_device(clients, server, namespace, auth)
    reason: dict[str, Any] = refused.value.reason
    return reason


async def test_pair_approve_use_revoke_end_to_end(
    live_server: LiveServer,
    live_http: httpx.AsyncClient,
    live_manager: httpx.AsyncClient,
    shop: dict[str, Any],
    clients: list[LiveClient],
) -> None:
    branch = shop["branch"]
    tv = await pair(live_http, live_manager, branch_id=branch, name="Front TV")
    token = tv["token"]
    board = await live_http.get(f"/api/v1/queue/{branch}/board", headers=device_auth(token))
    assert board.status_code == 200, board.text
    assert board.json()["branch_id"] == branch

    socket = await connect_device(clients, live_server, "/queue", {"device_token": token})
    assert socket.hello == {"device": "Front TV", "device_id": tv["id"], "rooms": [f"branch:{branch}"]}
    # A staff screen is connected too; it must stay connected through the revoke.
    staff = await connect(clients, live_server, "/queue", "mia")

    revoked = await live_manager.post(f"/api/v1/devices/{tv['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    # HTTP refuses the token at once (the revoke is committed before it answers) ...
    after = await live_http.get(f"/api/v1/queue/{branch}/board", headers=device_auth(token))
    assert after.status_code == 401
    assert after.json()["extra"] == {"code": "device_revoked"}
    # ... and the bridge ends the display's socket when it reads `device.revoked` from the stream.
    await asyncio.wait_for(socket.ended.wait(), WAIT)
    assert not socket.sio.connected
    assert staff.sio.connected

    reason = await device_refusal(clients, live_server, "/queue", {"device_token": token})
    assert reason["data"] == {"code": "device_revoked"}
    assert "pair it again" in reason["message"]


async def test_unpaired_and_malformed_device_tokens_are_refused(
    live_server: LiveServer, shop: dict[str, Any], clients: list[LiveClient]
) -> None:
    for namespace in ("/queue", "/kds"):
        reason = await device_refusal(clients, live_server, namespace, {"device_token": "never-paired"})
        assert reason["data"] == {"code": "device_unknown"}, reason
        assert reason["message"].startswith("device_unknown: ")
    malformed = await device_refusal(clients, live_server, "/queue", {"device_token": 42})
    assert malformed["data"] == {"code": "bad_request"}


async def test_devices_follow_only_their_branch_role_and_station(
    live_server: LiveServer,
    live_http: httpx.AsyncClient,
    live_manager: httpx.AsyncClient,
    shop: dict[str, Any],
    clients: list[LiveClient],
) -> None:
    branch, other = shop["branch"], shop["other"]
    tv = (await pair(live_http, live_manager, branch_id=branch))["token"]
    grill = (await pair(live_http, live_manager, branch_id=branch, role="station", station_code="grill"))[
        "token"
    ]

    async def code(namespace: str, auth: dict[str, Any]) -> str:
        reason = await device_refusal(clients, live_server, namespace, auth)
        return str(reason["data"]["code"])

    # The TV: its own branch's queue room, nothing else.
    assert await code("/queue", {"device_token": tv, "branch_id": other}) == "unknown_branch"
    assert await code("/queue", {"device_token": tv, "branch_ids": [branch, other]}) == "unknown_branch"
    assert await code("/kds", {"device_token": tv}) == "forbidden"
    for namespace in ("/kanban", "/pos", "/courier"):
        assert await code(namespace, {"device_token": tv}) == "forbidden"
    same = await connect_device(clients, live_server, "/queue", {"device_token": tv, "branch_id": branch})
    assert same.hello["rooms"] == [f"branch:{branch}"]

    # The grill screen: its station (and the branch's order-level kitchen room), no other station.
    assert await code("/queue", {"device_token": grill}) == "forbidden"
    assert await code("/kds", {"device_token": grill, "station": "bar"}) == "forbidden"
    assert await code("/kds", {"device_token": grill, "stations": ["grill", "bar"]}) == "forbidden"
    assert await code("/kds", {"device_token": grill, "branch_id": other}) == "unknown_branch"
    screen = await connect_device(clients, live_server, "/kds", {"device_token": grill})
    assert screen.hello["rooms"] == [f"station:{branch}:grill", f"kds:{branch}"]
    named = await connect_device(clients, live_server, "/kds", {"device_token": grill, "station": "grill"})
    assert named.hello["rooms"] == [f"station:{branch}:grill", f"kds:{branch}"]


async def test_revoking_one_display_leaves_the_others_connected(
    live_server: LiveServer,
    live_http: httpx.AsyncClient,
    live_manager: httpx.AsyncClient,
    shop: dict[str, Any],
    clients: list[LiveClient],
    runtime: Any,
) -> None:
    from app.events.stream import read_after

    branch = shop["branch"]
    front = await pair(live_http, live_manager, branch_id=branch)
    back = await pair(live_http, live_manager, branch_id=branch)
    grill = await pair(live_http, live_manager, branch_id=branch, role="station", station_code="grill")
    front_tv = await connect_device(clients, live_server, "/queue", {"device_token": front["token"]})
    back_tv = await connect_device(clients, live_server, "/queue", {"device_token": back["token"]})
    station = await connect_device(clients, live_server, "/kds", {"device_token": grill["token"]})
    kanban = await connect(clients, live_server, "/kanban", "mia")

    assert (await live_manager.post(f"/api/v1/devices/{grill['id']}/revoke")).status_code == 200
    await asyncio.wait_for(station.ended.wait(), WAIT)
    # The staff board hears of it; the displays do not (they are only disconnected).
    event = await kanban.next_event()
    assert event["type"] == "device.revoked"
    assert event["data"]["device_id"] == grill["id"]
    entries = await read_after(runtime.redis, runtime.keys, branch, "0-0")
    assert [e.type for e in entries] == ["device.revoked"]

    # The TVs are still live: the next revoke reaches them in stream order, after the first one.
    assert (await live_manager.post(f"/api/v1/devices/{back['id']}/revoke")).status_code == 200
    await asyncio.wait_for(back_tv.ended.wait(), WAIT)
    assert front_tv.sio.connected
    assert front_tv.events.empty()

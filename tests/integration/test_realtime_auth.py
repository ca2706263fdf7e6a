"""Socket.IO against a real uvicorn server: only logged-in staff with the right role connect."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import socketio

from tests.support.factory import Factory
from tests.support.live import LiveServer


@pytest.fixture
async def staff(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="KB", name="Kanban Branch")
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("cass", roles=("cashier",), branches=(branch,))
    await factory.commit()
    return {"branch": branch}


async def _session_cookie(server: LiveServer, username: str) -> str:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"username": username, "password": Factory.PASSWORD}
        )
        assert response.status_code == 200, response.text
        return f"passline_session={response.cookies['passline_session']}"


class ConnectRefusedError(Exception):
    pass


async def _connect(server: LiveServer, cookie: str | None) -> tuple[socketio.AsyncClient, asyncio.Queue[Any]]:
    client = socketio.AsyncClient(reconnection=False)
    hello: asyncio.Queue[Any] = asyncio.Queue()
    refusals: list[Any] = []
    client.on("hello", hello.put_nowait, namespace="/kanban")
    client.on("connect_error", refusals.append, namespace="/kanban")
    try:
        await client.connect(
            server.url,
            namespaces=["/kanban"],
            transports=["websocket"],
            headers={"Cookie": cookie} if cookie else {},
            wait_timeout=5,
        )
    except socketio.exceptions.ConnectionError as exc:
        await client.disconnect()
        # The server's reason arrives as the namespace's connect_error payload.
        raise ConnectRefusedError(str(refusals)) from exc
    return client, hello


async def test_anonymous_connect_is_refused(live_server: LiveServer, staff: dict[str, Any]) -> None:
    with pytest.raises(ConnectRefusedError, match="unauthorized"):
        await _connect(live_server, None)


async def test_forged_cookie_is_refused(live_server: LiveServer, staff: dict[str, Any]) -> None:
    with pytest.raises(ConnectRefusedError, match="unauthorized"):
        await _connect(live_server, "passline_session=not-a-real-session")


async def test_wrong_role_is_refused(live_server: LiveServer, staff: dict[str, Any]) -> None:
    cookie = await _session_cookie(live_server, "cass")
    with pytest.raises(ConnectRefusedError, match="forbidden"):
        await _connect(live_server, cookie)


async def test_logged_in_manager_connects_and_joins_branch_room(
    live_server: LiveServer, staff: dict[str, Any]
) -> None:
    cookie = await _session_cookie(live_server, "mia")
    client, hello = await _connect(live_server, cookie)
    try:
        greeting = await asyncio.wait_for(hello.get(), 5)
        assert greeting == {"user": "mia", "rooms": [f"branch:{staff['branch'].id}"]}
        assert client.connected
    finally:
        await client.disconnect()

"""Why a live connection is refused, in the language the handshake asks for: the page's (`?lang=`, which
shared/live.js sends), else the browser's Accept-Language, else the signed-in person's own choice. The
code the client acts on stays the same English word."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import socketio

from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.live import LiveServer


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="RL")
    await factory.user("kamal", roles=("manager",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id}


async def refusal(server: LiveServer, namespace: str, *, query: str = "", **headers: str) -> dict[str, Any]:
    client = socketio.AsyncClient(reconnection=False)
    refusals: list[Any] = []
    client.on("connect_error", refusals.append, namespace=namespace)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(
                server.url + query,
                namespaces=[namespace],
                transports=["websocket"],
                headers=headers,
                auth={"branch_id": 999_999},
                wait_timeout=10,
            )
    finally:
        await client.disconnect()
    assert refusals, "no refusal arrived"
    reason: dict[str, Any] = refusals[-1]
    return reason


async def test_a_refusal_reads_in_the_language_the_handshake_asks_for(
    live_server: LiveServer, shop: dict[str, Any]
) -> None:
    english = await refusal(live_server, "/kanban")
    assert english == {"message": "unauthorized: log in first", "data": {"code": "unauthorized"}}
    browser = await refusal(live_server, "/kanban", **{"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"})
    assert browser == {"message": "unauthorized: سجّل الدخول أولًا", "data": {"code": "unauthorized"}}
    page = await refusal(live_server, "/kds", query="?lang=ar", **{"Accept-Language": "en-GB"})
    assert page["message"] == "unauthorized: سجّل الدخول أولًا"


async def test_a_signed_in_refusal_reads_in_the_persons_own_language(
    live_server: LiveServer, shop: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await login(http, "kamal")
        chosen = await http.put("/api/v1/me/language", json={"language": "ar"})
        assert chosen.status_code == 200, chosen.text
        cookie = f"passline_session={http.cookies['passline_session']}"
    mine = await refusal(live_server, "/kanban", Cookie=cookie)
    assert mine == {
        "message": "unknown_branch: لا يوجد الفرع 999999 ضمن فروعك",
        "data": {"code": "unknown_branch"},
    }
    asked = await refusal(live_server, "/kanban", Cookie=cookie, **{"Accept-Language": "en"})
    assert asked["message"] == "unknown_branch: no branch 999999 among yours"

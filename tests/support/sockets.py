"""python-socketio clients against a live server: each queues the events it receives, in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import socketio

from tests.support.auth import login
from tests.support.live import LiveServer

WAIT = 10.0


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

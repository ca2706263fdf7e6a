"""The real `passline web` (uvicorn, as the CLI runs it) under idle, slow and oversized connections.

Hundreds of sockets that connect and say nothing, or trickle a request head a byte at a time (slowloris),
must not stop the server answering everybody else; a request head that never finishes is cut off; and a
request head past the size cap is refused with 431 instead of being read into memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.live import LiveServer, start_live_server

IDLE = 300
SLOW = 100
HEAD_TIMEOUT = 2


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A `passline web` of its own, with a short head timeout so a test waits seconds, not ten."""
    server = start_live_server(
        Path(tmp_path_factory.mktemp("limits-server")),
        extra_env={"PASSLINE_HEAD_TIMEOUT_SECONDS": str(HEAD_TIMEOUT)},
    )
    yield server
    server.stop()


def _address(server: LiveServer) -> tuple[str, int]:
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


async def _open(server: LiveServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = _address(server)
    return await asyncio.open_connection(host, port)


async def _closed_by_server(reader: asyncio.StreamReader, within: float) -> bytes | None:
    """What the server sent before closing (b"" for a bare close), or None if it kept the socket open."""
    try:
        return await asyncio.wait_for(reader.read(), timeout=within)
    except TimeoutError:
        return None
    except ConnectionResetError:
        return b""


async def _trickle(writer: asyncio.StreamWriter, stop: asyncio.Event) -> None:
    """Slowloris: a request head that never ends, one header line every half second."""
    with contextlib.suppress(ConnectionError, OSError):
        writer.write(b"GET /health/live HTTP/1.1\r\nHost: passline\r\n")
        await writer.drain()
        n = 0
        while not stop.is_set():
            writer.write(b"X-Slow-%d: a\r\n" % n)
            await writer.drain()
            n += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)


@pytest.mark.timeout(90)
async def test_idle_and_slow_sockets_do_not_stop_the_server(live_server: LiveServer) -> None:
    idle = [await _open(live_server) for _ in range(IDLE)]
    slow = [await _open(live_server) for _ in range(SLOW)]
    stop = asyncio.Event()
    trickles = [asyncio.create_task(_trickle(writer, stop)) for _, writer in slow]
    try:
        await asyncio.sleep(0.3)
        timings = []
        async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
            for _ in range(40):
                started = time.perf_counter()
                response = await http.get("/health/live")
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            # A real page and an API answer too, not only the health check.
            assert (await http.get("/api/v1/auth/me")).status_code == 401
        assert statistics.median(timings) < 0.25, timings
        assert max(timings) < 2, timings

        # A request head that never finishes is cut off (the server's head timeout), freeing the socket.
        reader, _ = slow[0]
        assert await _closed_by_server(reader, within=HEAD_TIMEOUT + 5) is not None
    finally:
        stop.set()
        await asyncio.gather(*trickles, return_exceptions=True)
        for _, writer in idle + slow:
            writer.close()


async def test_a_silent_connection_is_closed(live_server: LiveServer) -> None:
    reader, writer = await _open(live_server)
    try:
        assert await _closed_by_server(reader, within=HEAD_TIMEOUT + 5) is not None
    finally:
        writer.close()


@pytest.mark.parametrize("size", [70 * 1024, 8 * 1024 * 1024])
async def test_an_oversized_request_head_is_refused(live_server: LiveServer, size: int) -> None:
    reader, writer = await _open(live_server)
    try:
        head = b"GET /health/live HTTP/1.1\r\nHost: passline\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
        with contextlib.suppress(ConnectionError):
            writer.write(head)
            await writer.drain()
        answer = await _closed_by_server(reader, within=HEAD_TIMEOUT + 5)
        assert answer is not None, "the server kept reading an oversized request head"
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"content-type: application/json" in head
        assert json.loads(body) == {
            "status_code": 431,
            "detail": "The request head is larger than 65536 bytes",
        }
    finally:
        writer.close()
    # And the server is none the worse for it.
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        assert (await http.get("/health/live")).status_code == 200


async def test_a_large_but_reasonable_head_still_passes(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        response = await http.get("/health/live", headers={"X-Cookie-Jar": "c" * 16_000})
    assert response.status_code == 200

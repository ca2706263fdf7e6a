"""uvicorn's httptools protocol with the two limits it lacks: a request head must arrive within a deadline,
and stay under a size cap.

uvicorn closes a keep-alive connection idle between requests (`timeout_keep_alive`), but a connection that
never finishes its FIRST request head — one that says nothing, or trickles a header line every few seconds
(slowloris) — stays open for ever, and a request head is read whole however big it is (an 8 MB header was
accepted). asyncio keeps hundreds of such sockets cheaply, so the server goes on answering everybody else;
these limits make sure they also go away, and that nobody makes the server buffer megabytes of headers.

What is counted is the bytes fed to the parser while a request head is still incomplete, so a body that
arrives in the same read as the end of its head never counts against the head.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.settings import get_settings

_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}
# After refusing, what the client is still sending is read and dropped for a moment before closing: closing
# with unread bytes makes the kernel send a reset, which destroys the answer before the client reads it.
LINGER_SECONDS = 2.0
LINGER_BYTES = 16 * 1024 * 1024


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """One connection, with the limits of the server settings (`PASSLINE_MAX_HEAD_BYTES`,
    `PASSLINE_HEAD_TIMEOUT_SECONDS`). Read from the settings rather than baked into a class made at start-up:
    with several web workers uvicorn pickles this class by name into each worker process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        server = get_settings().server
        self.max_head_bytes = server.max_head_bytes
        self.head_timeout = server.head_timeout_seconds

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._in_head = True
        self._head_bytes = 0
        self._refused = False
        self._head_timer: asyncio.TimerHandle | None = None
        # A connection that says nothing at all is a head that never arrives.
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            self._dropped += len(data)
            if self._dropped > LINGER_BYTES:
                self.transport.close()
            return
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self.max_head_bytes and not self._refused:
            self._refuse(431, f"The request head is larger than {self.max_head_bytes} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_head_timer()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_head_timer()
        # A head that arrived in one read is measured here (the read-by-read count never saw it unfinished).
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.max_head_bytes:
            self._refuse(431, f"The request head is larger than {self.max_head_bytes} bytes")
            return
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # Whatever comes next on this connection is the next request's head.
        self._in_head = True
        self._head_bytes = 0

    def _start_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_bytes:
            self._refuse(408, f"The request head did not arrive within {self.head_timeout:g} s")
        else:
            self.transport.close()

    def _refuse(self, status: int, message: str) -> None:
        """Answer without the app (there is no request to give it) and close: the rest is not read."""
        self._refused = True
        self._dropped = 0
        self._stop_head_timer()
        # The API's one error body, as every other refusal has it.
        body = json.dumps({"status_code": status, "detail": message}).encode()
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (status, _REASONS[status], len(body), body)
        )
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
        self.logger.warning("request refused: %s", message, extra={"client": self.client, "status": status})

"""Fixtures the integration tests share (the root tests/conftest.py has the services and the app)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.sockets import LiveClient, client_pool


@pytest.fixture
async def clients() -> AsyncIterator[list[LiveClient]]:
    """Socket clients a test connects (`tests.support.sockets.connect`), disconnected when it ends."""
    async with client_pool() as made:
        yield made

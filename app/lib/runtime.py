"""Process-wide resources: the engine, the session factory and the Redis client.

The web process opens them in Litestar's lifespan; the worker in arq's on_startup; the CLI and tests
around their own work. Socket.IO namespaces hold a reference to the same object, so every entry point
shares one pool of connections per process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from app.db.engine import make_engine, make_sessionmaker
from app.lib.redis import Keys, make_redis
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


class Runtime:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.keys = Keys(self.settings.redis.prefix)
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self._redis: Redis | None = None

    async def open(self) -> None:
        if self._engine is None:
            self._engine = make_engine(self.settings.database)
            self._sessionmaker = make_sessionmaker(self._engine)
        if self._redis is None:
            self._redis = make_redis(self.settings.redis)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
            self._sessionmaker = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            msg = "Runtime is not open"
            raise RuntimeError(msg)
        return self._engine

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        if self._sessionmaker is None:
            msg = "Runtime is not open"
            raise RuntimeError(msg)
        return self._sessionmaker

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            msg = "Runtime is not open"
            raise RuntimeError(msg)
        return self._redis


@asynccontextmanager
async def open_runtime(settings: Settings | None = None) -> AsyncIterator[Runtime]:
    runtime = Runtime(settings)
    await runtime.open()
    try:
        yield runtime
    finally:
        await runtime.close()

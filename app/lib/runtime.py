"""Process-wide resources: the engine, the session factory, the Redis client, its Lua scripts, the event
bus and its journal.

The web process opens them in Litestar's lifespan; the worker in arq's on_startup; the CLI and tests
around their own work. Socket.IO namespaces hold a reference to the same object, so every entry point
shares one pool of connections per process. Long-running processes (web, worker) also start the journal,
which stores the events they append; a one-off command leaves that to the persister.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from app.db.engine import make_engine, make_sessionmaker
from app.events import EventBus, Journal
from app.lib.lua import LuaScripts
from app.lib.redis import Keys, make_redis
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

    from app.db.session import Session


class RuntimeNotOpenError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("Runtime is not open")


class Runtime:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.keys = Keys(self.settings.redis.prefix)
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[Session] | None = None
        self._redis: Redis | None = None
        self._lua: LuaScripts | None = None
        self._journal: Journal | None = None
        self._bus: EventBus | None = None

    async def open(self) -> None:
        if self._engine is None:
            self._engine = make_engine(self.settings.database)
            self._sessionmaker = make_sessionmaker(self._engine)
            self._journal = Journal(self._engine)
        if self._redis is None:
            self._redis = make_redis(self.settings.redis)
            self._lua = LuaScripts(self._redis)
            self._bus = EventBus(self._redis, self.keys, journal=self._journal)

    async def close(self) -> None:
        if self._journal is not None:
            await self._journal.stop()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
            self._lua = None
            self._bus = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
            self._sessionmaker = None
            self._journal = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeNotOpenError
        return self._engine

    @property
    def sessionmaker(self) -> async_sessionmaker[Session]:
        if self._sessionmaker is None:
            raise RuntimeNotOpenError
        return self._sessionmaker

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            raise RuntimeNotOpenError
        return self._redis

    @property
    def lua(self) -> LuaScripts:
        if self._lua is None:
            raise RuntimeNotOpenError
        return self._lua

    @property
    def bus(self) -> EventBus:
        if self._bus is None:
            raise RuntimeNotOpenError
        return self._bus

    @property
    def journal(self) -> Journal:
        if self._journal is None:
            raise RuntimeNotOpenError
        return self._journal


@asynccontextmanager
async def open_runtime(settings: Settings | None = None) -> AsyncIterator[Runtime]:
    runtime = Runtime(settings)
    await runtime.open()
    try:
        yield runtime
    finally:
        await runtime.close()

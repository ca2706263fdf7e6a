"""Dependency providers: one path from the runtime to a database session, for HTTP and everything else.

`provide_services()` is what jobs, the CLI and socket handlers use; Litestar handlers receive the same
session through `provide_db_session`, one per request, closed (and rolled back if uncommitted) after.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.lib.redis import Keys
from app.lib.runtime import Runtime
from app.settings import Settings

# Handler and provider parameters are injected by name; Litestar wants that said explicitly.
DbSession = NamedDependency[AsyncSession]
RedisClient = NamedDependency[Redis]
RedisKeys = NamedDependency[Keys]
AppSettings = NamedDependency[Settings]
AppRuntime = NamedDependency[Runtime]


class Services:
    """What a unit of work outside HTTP needs: its own session, plus the shared Redis and settings."""

    __slots__ = ("keys", "redis", "runtime", "session", "settings")

    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.runtime = runtime
        self.session = session
        self.redis = runtime.redis
        self.keys = runtime.keys
        self.settings = runtime.settings


@asynccontextmanager
async def provide_services(runtime: Runtime) -> AsyncIterator[Services]:
    async with runtime.sessionmaker() as session:
        yield Services(runtime, session)


def runtime_from_state(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    async with runtime_from_state(state).sessionmaker() as session:
        yield session


def provide_redis(state: State) -> Redis:
    return runtime_from_state(state).redis


def provide_keys(state: State) -> Keys:
    return runtime_from_state(state).keys


def provide_settings(state: State) -> Settings:
    return runtime_from_state(state).settings


def provide_runtime(state: State) -> Runtime:
    return runtime_from_state(state)


DEPENDENCIES = {
    "db_session": Provide(provide_db_session),
    "redis": Provide(provide_redis, sync_to_thread=False),
    "keys": Provide(provide_keys, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "runtime": Provide(provide_runtime, sync_to_thread=False),
}

"""The one provider of ready services, for HTTP handlers, arq jobs, the CLI and socket handlers alike.

A `Scope` is one unit of work: its own database session plus the runtime's shared parts (Redis, its Lua
scripts, the event bus). `scope.get(OrderService)` builds a service once per scope from the service's own
`from_scope` classmethod, so a service that needs another (the kitchen needs the orders' door) asks the
scope for it and both share the session. Nothing here knows the domains: each service says how it is
built, and every entry point builds them the same way.

- HTTP: the scope is the request dependency `services` (one session per request, closed after the answer); a controller
  declares `dependencies = {"orders": provide(OrderService)}`.
- Jobs, the CLI, socket handlers: `async with provide_services(runtime) as scope: scope.get(…)`.

A lower domain that needs something only a higher one can do declares a `Port` (the orders' transitions
endpoint sends moves onto and off the road to dispatch); the process's composition root binds it once
(app/wiring.py), so the lower domain never imports the higher one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from redis.asyncio import Redis

from app.db.session import Session
from app.lib.redis import Keys
from app.lib.runtime import Runtime
from app.settings import Settings

if TYPE_CHECKING:
    from app.events import EventBus
    from app.lib.lua import LuaScripts


class FromScope(Protocol):
    @classmethod
    def from_scope(cls, scope: Scope) -> Self: ...


S = TypeVar("S", bound=FromScope)
P = TypeVar("P")


class Port(Generic[P]):
    """Something a domain needs from a domain above it, implemented there and bound at start-up."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Port({self.name!r})"


class PortNotBoundError(LookupError):
    def __init__(self, port: Port[Any]) -> None:
        super().__init__(f"{port.name} is not bound: the process must call app.wiring.wire() at start-up")


_BINDINGS: dict[Port[Any], Callable[[Scope], Any]] = {}


def bind(port: Port[P], factory: Callable[[Scope], P]) -> None:
    _BINDINGS[port] = factory


class Scope:
    """One unit of work's session and services, over the process's shared runtime. The session is opened on
    first use: a transition answered from Redis alone never builds one."""

    __slots__ = ("_services", "_session", "runtime")

    def __init__(self, runtime: Runtime, session: Session | None = None) -> None:
        self.runtime = runtime
        self._session = session
        self._services: dict[Any, Any] = {}

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self.runtime.sessionmaker()
        return self._session

    async def release(self) -> None:
        """Give the session's connection back to the pool (ending its transaction) before a long wait on
        Redis or the journal, if the session was ever used."""
        if self._session is not None:
            await self._session.rollback()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def redis(self) -> Redis:
        return self.runtime.redis

    @property
    def keys(self) -> Keys:
        return self.runtime.keys

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def bus(self) -> EventBus:
        return self.runtime.bus

    @property
    def lua(self) -> LuaScripts:
        return self.runtime.lua

    def get(self, service: type[S]) -> S:
        built: S | None = self._services.get(service)
        if built is None:
            built = self._services[service] = service.from_scope(self)
        return built

    def port(self, port: Port[P]) -> P:
        built: P | None = self._services.get(port)
        if built is None:
            factory = _BINDINGS.get(port)
            if factory is None:
                raise PortNotBoundError(port)
            built = self._services[port] = factory(self)
        return built


class ScopedService:
    """A service built from a scope: the scope's session (opened on first use), Redis, keys and bus."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope)

    @property
    def session(self) -> Session:
        return self.scope.session

    @property
    def redis(self) -> Redis:
        return self.scope.runtime.redis

    @property
    def keys(self) -> Keys:
        return self.scope.runtime.keys

    @property
    def bus(self) -> EventBus:
        return self.scope.runtime.bus


@asynccontextmanager
async def provide_services(runtime: Runtime) -> AsyncIterator[Scope]:
    scope = Scope(runtime)
    try:
        yield scope
    finally:
        await scope.close()


# ---------------------------------------------------------------------- Litestar

# Handler and provider parameters are injected by name; Litestar wants that said explicitly.
DbSession = NamedDependency[Session]
RedisClient = NamedDependency[Redis]
RedisKeys = NamedDependency[Keys]
AppSettings = NamedDependency[Settings]
AppRuntime = NamedDependency[Runtime]
RequestScope = NamedDependency[Scope]


def runtime_from_state(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def provide_scope(state: State) -> AsyncIterator[Scope]:
    async with provide_services(runtime_from_state(state)) as scope:
        yield scope


def provide_db_session(services: RequestScope) -> Session:
    return services.session


def provide_redis(state: State) -> Redis:
    return runtime_from_state(state).redis


def provide_keys(state: State) -> Keys:
    return runtime_from_state(state).keys


def provide_settings(state: State) -> Settings:
    return runtime_from_state(state).settings


def provide_runtime(state: State) -> Runtime:
    return runtime_from_state(state)


def provide(service: type[S]) -> Provide:
    """A request dependency yielding `service` from the request's scope."""

    def provider(services: RequestScope) -> Any:
        return services.get(service)

    return Provide(provider, sync_to_thread=False)


DEPENDENCIES = {
    # Named `services`: Litestar reserves `scope` for the ASGI scope.
    "services": Provide(provide_scope),
    "db_session": Provide(provide_db_session, sync_to_thread=False),
    "redis": Provide(provide_redis, sync_to_thread=False),
    "keys": Provide(provide_keys, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "runtime": Provide(provide_runtime, sync_to_thread=False),
}

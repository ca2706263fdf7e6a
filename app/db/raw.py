"""Hot statements on the driver itself: asyncpg with its prepared-statement cache, no SQLAlchemy in between.

For the few statements on every sale and every move (the order insert, the event journal): SQLAlchemy's
text() path costs more CPU than the statement's round trip there (bind processing of ~40 array
parameters), while asyncpg encodes the same arrays natively. Statements keep SQLAlchemy's `:name` style
here and are converted once; connections still come from the engine's pool, in autocommit (no BEGIN).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlalchemy.exc import DataError, IntegrityError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

_NAME = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class RawSQL:
    """A statement with `:name` parameters, run positionally on asyncpg."""

    __slots__ = ("names", "sql")

    def __init__(self, sql: str) -> None:
        names: list[str] = []

        def position(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        self.sql = _NAME.sub(position, sql)
        self.names = tuple(names)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] for name in self.names]

    async def fetchrow(self, conn: asyncpg.Connection, params: Mapping[str, Any]) -> asyncpg.Record | None:
        try:
            return await conn.fetchrow(self.sql, *self.args(params))
        # Callers handle a duplicate, a broken reference or bad data as they would from SQLAlchemy.
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(self.sql, None, exc) from exc
        except asyncpg.DataError as exc:
            raise DataError(self.sql, None, exc) from exc


@asynccontextmanager
async def connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection's asyncpg side, outside any transaction: each statement commits on its own."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, asyncpg.Connection)
        yield driver

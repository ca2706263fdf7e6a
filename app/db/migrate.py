"""Apply Alembic migrations from code (the CLI, `passline run`, test fixtures). No alembic.ini is needed.

These functions are synchronous on purpose: `migrations/env.py` drives its async engine with its own
`asyncio.run`, which cannot nest inside a running event loop. Call them from synchronous code, or from async
code through `await asyncio.to_thread(upgrade, url)`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

import migrations
from app.settings import DatabaseSettings

SCRIPT_LOCATION = Path(migrations.__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the installed `migrations` package and at `database_url` (any of the
    postgres://, postgresql:// or postgresql+asyncpg:// schemes)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # ConfigParser interpolates '%', and URL-encoded passwords contain it.
    config.set_main_option("sqlalchemy.url", _async_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    _refuse_inside_event_loop("upgrade")
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    _refuse_inside_event_loop("downgrade")
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    """The revision the database is at, or None for an empty (never migrated) database."""
    _refuse_inside_event_loop("current")
    return asyncio.run(_current(_async_url(database_url)))


async def _current(url: str) -> str | None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_revision_of)
    finally:
        await engine.dispose()


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _async_url(database_url: str) -> str:
    return DatabaseSettings(url=database_url).async_url


def _refuse_inside_event_loop(name: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    msg = f"app.db.migrate.{name}() runs its own event loop; call it via `await asyncio.to_thread(...)`"
    raise RuntimeError(msg)

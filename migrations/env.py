"""Alembic environment: async engine, the whole model metadata, type comparison on autogenerate.

The URL comes from the config's `sqlalchemy.url` (set by `app.db.migrate.alembic_config`) and falls back to
the process settings, so `alembic -x` style invocations are not needed. This module runs its own
`asyncio.run`, so Alembic commands must be invoked from synchronous code (see `app.db.migrate`).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import app.db.models  # noqa: F401  (importing registers every table on Base.metadata)
from app.db.base import Base
from app.settings import DatabaseSettings, get_settings

config = context.config
target_metadata = Base.metadata

# Taken for the duration of the migration transaction, so several processes starting at once (web workers,
# the worker, the CLI) apply each revision exactly once instead of racing on CREATE TABLE. The number is
# arbitrary but fixed ("passline" in ASCII); it only has to be the same in every process.
_MIGRATION_LOCK_KEY = 0x7061_7373_6C69_6E65


def _url() -> str:
    configured = config.get_main_option("sqlalchemy.url")
    url = configured or get_settings().database.async_url
    # Operators write postgres:// or postgresql://; the migration engine always needs the asyncpg driver.
    return DatabaseSettings(url=url).async_url


def _configure(**kwargs: object) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, **kwargs)


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_with_connection(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        context.run_migrations()


async def run_migrations_online() -> None:
    # NullPool: a migration is one connection for a few seconds; a pool would only outlive it.
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_with_connection)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())

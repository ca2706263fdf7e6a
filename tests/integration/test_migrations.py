"""The migration history builds exactly the schema the models describe, and takes it down again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, make_url, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

import app.db.models  # noqa: F401 - registers every table on Base.metadata
from app.db.base import Base
from app.db.migrate import alembic_config, current, downgrade, upgrade


@pytest.fixture
async def empty_database_url(pg_admin_dsn: str, database_name: str) -> AsyncIterator[str]:
    """A throwaway database of its own, so going down to base cannot disturb the worker's test database;
    named after that one, so the end of the run removes it even if this test is killed."""
    name = f"{database_name}_mig_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg_admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield (
            make_url(pg_admin_dsn)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        admin = await asyncpg.connect(pg_admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def _inspect(url: str) -> tuple[list[Any], list[str]]:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
            tables = list(
                await connection.scalars(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                )
            )
    finally:
        await engine.dispose()
    return diff, tables


async def test_upgrade_matches_models_and_downgrade_removes_everything(empty_database_url: str) -> None:
    url = empty_database_url
    assert await asyncio.to_thread(current, url) is None

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    await asyncio.to_thread(upgrade, url)
    assert await asyncio.to_thread(current, url) == head
    diff, tables = await _inspect(url)
    assert diff == []
    assert set(tables) == set(Base.metadata.tables) | {"alembic_version"}

    # Upgrading an up-to-date database is a no-op, which is what every process start relies on.
    await asyncio.to_thread(upgrade, url)
    assert await asyncio.to_thread(current, url) == head

    await asyncio.to_thread(downgrade, url)
    assert await asyncio.to_thread(current, url) is None
    _, tables = await _inspect(url)
    assert set(tables) <= {"alembic_version"}


async def test_migrate_functions_refuse_to_run_inside_an_event_loop(empty_database_url: str) -> None:
    # env.py calls asyncio.run; failing early with a pointer to to_thread beats a nested-loop traceback.
    with pytest.raises(RuntimeError, match="to_thread"):
        upgrade(empty_database_url)

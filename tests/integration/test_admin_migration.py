"""Migration 0011 on a database of the previous release: branches get their country from their phone, and the
phones on file are rewritten in E.164 unless that would make two customers share a number."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import make_url

from app.db.migrate import upgrade


@pytest.fixture
async def empty_database_url(pg_admin_dsn: str, database_name: str) -> AsyncIterator[str]:
    """A throwaway database, named after the worker's so the end of the run removes it even if killed."""
    name = f"{database_name}_bo_{uuid.uuid4().hex[:8]}"
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


async def test_existing_phones_are_rewritten_internationally_and_collisions_are_left_to_merge(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await asyncio.to_thread(upgrade, url, "0010")
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    db = await asyncpg.connect(dsn)
    try:
        await db.execute(
            "INSERT INTO branches (code, name, timezone, currency, phone) VALUES "
            "('DT', 'Downtown', 'Africa/Cairo', 'EGP', '+20223950001'), ('XX', 'No phone', 'UTC', 'EGP', '')"
        )
        for name, phone in [
            ("Local", "01112223333"),
            ("Old form", "01005550002"),
            ("New form", "+201005550002"),
            ("Double zero", "00201224445555"),
            ("Nonsense", "12345"),
        ]:
            customer = await db.fetchval("INSERT INTO customers (name) VALUES ($1) RETURNING id", name)
            await db.execute(
                "INSERT INTO customer_phones (customer_id, phone, is_primary) VALUES ($1, $2, true)",
                customer,
                phone,
            )
    finally:
        await db.close()

    await asyncio.to_thread(upgrade, url, "0011")

    db = await asyncpg.connect(dsn)
    try:
        countries = dict(await db.fetch("SELECT code, country FROM branches"))
        phones = dict(
            await db.fetch(
                "SELECT c.name, p.phone FROM customer_phones p JOIN customers c ON c.id = p.customer_id"
            )
        )
    finally:
        await db.close()
    assert countries == {"DT": "EG", "XX": None}
    assert phones == {
        "Local": "+201112223333",
        # Its international form is another customer's: left for the duplicates screen to merge.
        "Old form": "01005550002",
        "New form": "+201005550002",
        "Double zero": "+201224445555",
        "Nonsense": "12345",
    }

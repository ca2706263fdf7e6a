"""Emptying a worker's database between tests (the `clean_state` fixture in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

_EMPTYING: list[str] = []


async def emptying_statement(conn: Any, table_names: list[str]) -> str:
    """DELETE every table, children first, and restart every identity: what TRUNCATE … RESTART IDENTITY
    does, but ~30x faster on a test's handful of rows (TRUNCATE makes new files for every table and index,
    ~0.25 s a test here)."""
    from sqlalchemy import text

    if not _EMPTYING:
        rows = await conn.execute(
            text(
                "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name) FROM"
                " information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'"
            )
        )
        sequences = sorted(name for (name,) in rows if name)
        deletes = [f"DELETE FROM {name}" for name in reversed(table_names)]
        _EMPTYING.append("; ".join(deletes + [f"ALTER SEQUENCE {name} RESTART" for name in sequences]))
    return _EMPTYING[0]

"""Ceiling: bare Litestar + asyncpg, one INSERT and its COMMIT per request (DESIGN §10).

CEILING_DATABASE_URL names a scratch database made by the driver (run_http.py), which drops it afterwards;
the table is created here. The pool is as large as Passline's (10 + 10 overflow).
"""

import os
import uuid

import asyncpg
from litestar import Litestar, post
from litestar.datastructures import State

DSN = os.environ["CEILING_DATABASE_URL"]
BODY = '{"lines": 3, "channel": "counter"}'


async def open_pool(app: Litestar) -> None:
    app.state.pool = await asyncpg.create_pool(DSN, min_size=10, max_size=20)
    await app.state.pool.execute(
        "CREATE TABLE IF NOT EXISTS ceiling_rows (id uuid PRIMARY KEY, body jsonb NOT NULL, "
        "created_at timestamptz NOT NULL DEFAULT now())"
    )


async def close_pool(app: Litestar) -> None:
    await app.state.pool.close()


@post("/insert", status_code=201)
async def insert(state: State) -> dict[str, str]:
    row_id = uuid.uuid4()
    # One statement in autocommit: the INSERT and its COMMIT (one WAL flush) in a single round trip, the
    # cheapest durable write the stack can make. An explicit BEGIN/INSERT/COMMIT block measured ~25 % lower
    # here; the higher figure is the stricter ceiling.
    await state.pool.execute("INSERT INTO ceiling_rows (id, body) VALUES ($1, $2)", row_id, BODY)
    return {"id": str(row_id)}


app = Litestar([insert], on_startup=[open_pool], on_shutdown=[close_pool])

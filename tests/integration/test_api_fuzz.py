"""The fuzzing gate: schemathesis against a live `passline web`, every operation, signed in as the admin.

Three checks, zero failures allowed: no 5xx for anything a client can send (`not_a_server_error`), every
status the server answers is one the OpenAPI document lists (`status_code_conformance`), and every body
matches its documented schema (`response_schema_conformance`). The run is the schemathesis CLI (its
documented, stable interface; the version is pinned in pyproject) over the demo shop, so ids in paths and
bodies often name real rows (half the id parameters are taken from its rows through a schemathesis.toml the test writes). Sized to stay near a minute on the 2-core box: a fixed seed, one pass of each
phase, few examples per operation, one worker.

Left out, on purpose: `POST /api/v1/auth/logout` would end the session every other request rides on (the
auth tests cover it).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.live import LiveServer

# Generated cases per operation. Each phase makes one pass over every operation: its examples, the
# coverage phase's boundary and negative cases (about 40 an operation, most of the run), then MAX_EXAMPLES
# random ones. The gate used to be an 85-second soak (`--max-time`: the fuzzing pass repeats until the
# time is spent) at 8 a pass, about 13 random cases an operation; one pass at 4 reaches every operation
# with every check in about a minute on the 2-core box. PASSLINE_FUZZ_SECONDS > 0 soaks for that long.
MAX_EXAMPLES = int(os.environ.get("PASSLINE_FUZZ_EXAMPLES", "4"))
SOAK_SECONDS = int(os.environ.get("PASSLINE_FUZZ_SECONDS", "0"))
# The test's own timeout: a pass is never cut short, so it takes what the box gives it (~60 s alone, ~170 s
# beside the other workers and a busy PostgreSQL); the limit is far above that, or above the soak.
TIMEOUT_SECONDS = (SOAK_SECONDS or 360) + 60
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
SEED = int(os.environ.get("PASSLINE_FUZZ_SEED", "12"))
# Who the fuzzer signs in as: the admin reaches every operation; another demo login (kitchen, courier1, hr)
# checks what the document says that role is answered.
USERNAME = os.environ.get("PASSLINE_FUZZ_USER", "admin")


# Path and query parameters that name rows: half the time the fuzzer takes a real one from the demo shop
# (else it mostly meets 404s and never reaches the logic behind them), half the time anything.
_ID_QUERIES = {
    "branch_id": "SELECT id FROM branches",
    "courier_id": "SELECT id FROM couriers",
    "product_id": "SELECT id FROM products",
    "customer_id": "SELECT id FROM customers",
    "pos_profile_id": "SELECT id FROM pos_profiles",
    "profile_id": "SELECT id FROM pos_profiles",
    "order_id": "SELECT id::text FROM orders",
    "station": "SELECT DISTINCT code FROM stations",
}


async def _write_config(db_session: Any, path: Path) -> Path:
    from sqlalchemy import text

    lines = []
    bindings = []
    for name, query in _ID_QUERIES.items():
        values = [row[0] for row in (await db_session.execute(text(query + " LIMIT 20"))).all()]
        if not values:
            continue
        listed = ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in values)
        lines += [f"[dictionaries.{name}]", f"values = [{listed}]", ""]
        for location in ("path", "query"):
            bindings.append(f'"{location}.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    config = path / "schemathesis.toml"
    config.write_text("\n".join([*lines, "[parameters]", *bindings, ""]))
    return config


async def _some_orders(server: LiveServer, db_session: Any) -> None:
    """A few open orders of the demo shop, so order operations meet real ones."""
    from sqlalchemy import text

    from app.demo import DEMO_PASSWORD

    rows = (
        await db_session.execute(
            text(
                "SELECT b.id, p.id FROM branches b JOIN product_prices pp ON pp.branch_id = b.id "
                "JOIN products p ON p.id = pp.product_id WHERE p.active ORDER BY b.id, p.id LIMIT 3"
            )
        )
    ).all()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await login(http, "admin", DEMO_PASSWORD)
        for branch_id, product_id in rows:
            body = {
                "id": str(uuid.uuid4()),
                "branch_id": branch_id,
                "channel": "counter",
                "lines": [{"product_id": product_id, "qty": "1"}],
            }
            await http.post("/api/v1/orders", json=body)


async def _signed_in_headers(server: LiveServer) -> list[str]:
    from app.demo import DEMO_PASSWORD

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        body = await login(http, USERNAME, DEMO_PASSWORD)
        cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    # The pages send the session cookie and echo the CSRF token in a header; so does the fuzzer.
    return ["-H", f"Cookie: {cookie}", "-H", f"X-CSRF-Token: {body['csrf_token']}"]


@pytest.mark.timeout(TIMEOUT_SECONDS)
async def test_every_operation_keeps_to_its_schema(
    live_server: LiveServer, db_session: Any, tmp_path: Path
) -> None:
    from app.demo import seed_demo

    await seed_demo(db_session)
    await db_session.commit()
    await _some_orders(live_server, db_session)
    config = await _write_config(db_session, tmp_path)
    headers = await _signed_in_headers(live_server)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        # One worker: schemathesis' workers are threads, and CPython 3.11 parses Python source (hypothesis
        # describing a filter) unsafely from two threads at once ("AST constructor recursion depth
        # mismatch"); the server has the box's other core anyway.
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        *(["--max-time", str(SOAK_SECONDS)] if SOAK_SECONDS else []),
        "--request-timeout",
        "20",
        "--exclude-path",
        "/api/v1/auth/logout",
        "--suppress-health-check",
        "all",
        "--no-shrink",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
        *headers,
    ]
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "160"},
        # Its replay cache (.schemathesis/) goes with the test's other files, not into the work tree.
        cwd=tmp_path,
    )
    output, _ = await process.communicate()
    elapsed = time.monotonic() - started
    text = output.decode(errors="replace")
    (tmp_path / "schemathesis.log").write_text(text)
    # The failures (with a curl line for each) first, then the summary; the warnings in between are long.
    first = min((at for at in (text.find("ERRORS"), text.find("FAILURES")) if at >= 0), default=0)
    failures = text[first : text.find("WARNINGS")][:16000]
    summary = text[text.find("SUMMARY") :]
    assert process.returncode == 0, f"schemathesis failed in {elapsed:.0f} s:\n{failures}\n{summary}"

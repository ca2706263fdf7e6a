"""Bulk courier settlement: thin — the dispatch service settles each courier (idempotent per courier)."""

from __future__ import annotations

import uuid
from typing import Any

from app.dispatch.services import DispatchService
from app.lib.deps import provide_services
from app.lib.runtime import Runtime


async def settle_couriers(
    ctx: dict[str, Any],
    *,
    bulk_id: str,
    branch_id: int,
    courier_ids: list[int] | None,
    note: str,
    actor: int | None,
) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        return await scope.get(DispatchService).settle_bulk(
            bulk_id=uuid.UUID(bulk_id), branch_id=branch_id, courier_ids=courier_ids, note=note, actor=actor
        )

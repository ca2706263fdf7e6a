"""Invoicing: thin — the invoice module decides whether the order is due and issues it once."""

from __future__ import annotations

import uuid
from typing import Any

from app.invoices.services import issue_for_order
from app.lib.deps import provide_services
from app.lib.runtime import Runtime


async def issue_invoice(ctx: dict[str, Any], order_id: str) -> dict[str, Any]:
    """Issue the order's original invoice; a no-op when it exists or the order is not due (yet)."""
    runtime: Runtime = ctx["runtime"]
    async with provide_services(runtime) as scope:
        result = await issue_for_order(
            scope.session, scope.redis, scope.keys, scope.bus, order_id=uuid.UUID(order_id)
        )
    return {"outcome": result.outcome, "number": result.number_text}

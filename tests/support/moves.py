"""Moving an order the way the server does: through the orders' door (never the script directly)."""

from __future__ import annotations

import uuid
from typing import Any


async def door_move(
    runtime: Any,
    branch_id: int,
    order_id: str | uuid.UUID,
    to: str,
    *,
    roles: tuple[str, ...] = ("manager",),
    expected_version: int | None = None,
    courier_id: int | None = None,
    settle_mode: str | None = None,
    reason: str | None = None,
) -> Any:
    """One order moved by the door as a manager; returns the `Moved` (raises MoveRefusedError)."""
    from app.lib.deps import provide_services
    from app.orders import Door, Move
    from app.orders.states import State

    async with provide_services(runtime) as scope:
        [moved] = await scope.get(Door).move(
            Move(
                branch_id=branch_id,
                order_ids=(uuid.UUID(str(order_id)),),
                to=State(to),
                roles=roles,
                actor=None,
                expected_version=expected_version,
                courier_id=courier_id,
                settle_mode=settle_mode,
                reason=reason,
            )
        )
    return moved

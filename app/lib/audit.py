"""The audit trail: every state change and money movement adds a row in the same transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.db.models import AuditLog
from app.lib.logging import request_id_var

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def record(
    session: AsyncSession,
    *,
    action: str,
    entity_type: str,
    entity_id: object | None,
    actor_user_id: int | None = None,
    branch_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Add an audit row to the caller's transaction; it commits or rolls back with the change itself."""
    session.add(
        AuditLog(
            action=action,
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            actor_user_id=actor_user_id,
            branch_id=branch_id,
            request_id=request_id_var.get(),
            data=data or {},
        )
    )

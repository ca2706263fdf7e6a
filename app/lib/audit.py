"""The audit trail: every state change and money movement adds a row in the same transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

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


def change(
    session: AsyncSession,
    *,
    action: str,
    entity_type: str,
    entity_id: object | None,
    before: Any,
    after: Any,
    actor_user_id: int | None = None,
    branch_id: int | None = None,
    **extra: Any,
) -> None:
    """An edit, as the audit viewer shows it: what the thing was (`before`, None when it is new) and what it
    became (`after`, None when it is gone), plus any `extra` context (a reason, the source of an import).

    Both sides go through msgspec's builtins so a Decimal, a date or a struct is stored the way the viewer
    reads it (text), whichever service wrote it.
    """
    record(
        session,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        branch_id=branch_id,
        data={"before": _plain(before), "after": _plain(after), **_plain(extra)},
    )


def _plain(value: Any) -> Any:
    return msgspec.to_builtins(value)

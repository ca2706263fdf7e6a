"""The audit log: every state change and money movement, append-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Index, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.models._columns import fk_column, id_column


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_type_entity_id", "entity_type", "entity_id"),)

    id: Mapped[int] = id_column()
    ts: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    # NULL for the system (workers, CLI) and for failed logins of unknown users. RESTRICT: staff who ever
    # acted are deactivated, never deleted, so the log keeps pointing at them.
    actor_user_id: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True, index=True)
    # Dotted verb, e.g. "auth.login", "order.cancel", "settlement.complete".
    action: Mapped[str] = mapped_column(Text)
    # Nullable because some actions are about no single row (a bulk settlement names several in `data`).
    entity_type: Mapped[str | None] = mapped_column(Text)
    # Text, because entity ids are bigints for some tables and UUIDs for others.
    entity_id: Mapped[str | None] = mapped_column(Text)
    branch_id: Mapped[int | None] = fk_column("branches.id", ondelete="RESTRICT", nullable=True)
    request_id: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))

"""Kitchen tickets (an order's lines for one station, the unit a cook starts and bumps), the paired display
devices, and the walk-in service queue shown on the same TV."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at_column
from app.db.models._columns import fk_column, id_column, one_of

TICKET_STATES = ("queued", "started", "bumped")
DEVICE_ROLES = ("queue_tv", "station")
DEVICE_STATES = ("pending", "approved", "revoked")
SERVICE_TICKET_STATES = ("waiting", "called", "serving", "done", "no_show")


class KitchenTicket(Base):
    __tablename__ = "kitchen_tickets"
    __table_args__ = (
        CheckConstraint(one_of("state", TICKET_STATES), name="state_known"),
        # One ticket per station per order: the split is deterministic, so a retried create cannot double it.
        Index("uq_kitchen_tickets_order_station", "order_id", "station_code", unique=True),
        Index("ix_kitchen_tickets_branch_station_state", "branch_id", "station_code", "state"),
    )

    # Derived from the order id and station (uuid5), so PostgreSQL and Redis agree on it without a lookup.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("orders.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT")
    station_code: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, server_default="queued")
    rush: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[dt.datetime] = created_at_column()
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    bumped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Device(Base):
    """A wall tablet or TV paired with a branch: it shows a short code, a manager approves it for a role,
    and it then authenticates with a revocable token (stored here only as its SHA-256)."""

    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint(one_of("status", DEVICE_STATES), name="status_known"),
        CheckConstraint(f"role IS NULL OR {one_of('role', DEVICE_ROLES)}", name="role_known"),
        CheckConstraint("role <> 'station' OR station_code IS NOT NULL", name="station_needs_code"),
        Index(
            "uq_devices_pairing_code_pending",
            "pairing_code",
            unique=True,
            postgresql_where="status = 'pending'",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    pairing_code: Mapped[str] = mapped_column(Text)
    # Set on approval.
    branch_id: Mapped[int | None] = fk_column("branches.id", ondelete="CASCADE", nullable=True, index=True)
    role: Mapped[str | None] = mapped_column(Text)
    station_code: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text, server_default="")
    token_hash: Mapped[str | None] = mapped_column(Text, unique=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    approved_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ServiceTicket(Base):
    """A walk-in customer waiting for a counter (returns, collections, enquiries) without an order."""

    __tablename__ = "service_tickets"
    __table_args__ = (
        CheckConstraint(one_of("state", SERVICE_TICKET_STATES), name="state_known"),
        Index("uq_service_tickets_branch_day_number", "branch_id", "business_date", "number", unique=True),
        Index("ix_service_tickets_branch_state", "branch_id", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT")
    business_date: Mapped[dt.date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(Text, server_default="general")
    state: Mapped[str] = mapped_column(Text, server_default="waiting")
    counter: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at_column()
    called_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    served_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    called_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)


class ServiceTicketCounter(Base):
    """Last walk-in number handed out per branch and business day (same scheme as order tokens)."""

    __tablename__ = "service_ticket_counters"

    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class WalkInService(Base):
    """A service the branch's kiosk offers walk-in customers (returns, collections, enquiries), set up in
    /admin/branches. A branch with none set up offers the built-in three (app/queue/setup.py)."""

    __tablename__ = "queue_services"
    __table_args__ = (
        UniqueConstraint("branch_id", "code"),
        CheckConstraint("code ~ '^[a-z][a-z0-9_]*$'", name="code_format"),
        CheckConstraint(
            "average_seconds IS NULL OR average_seconds BETWEEN 10 AND 86400", name="average_range"
        ),
    )

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", index=True)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    # The estimate a kiosk gives before the branch has finished tickets to average (seconds per customer).
    average_seconds: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())


class WalkInCounter(Base):
    """A counter of the branch ("3", "Returns desk"): what a clerk's tablet says it is and what the TV
    announces. A branch with none set up lets each tablet name its own counter."""

    __tablename__ = "queue_counters"
    __table_args__ = (UniqueConstraint("branch_id", "name"),)

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", index=True)
    name: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())

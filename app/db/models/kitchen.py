"""Kitchen tickets: an order's lines for one station, the unit a cook starts and bumps."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Text, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at_column
from app.db.models._columns import fk_column, one_of

TICKET_STATES = ("queued", "started", "bumped")


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

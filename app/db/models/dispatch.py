"""Dispatch and courier cash (DESIGN §6): deliveries, trips, courier transactions, settlements, and the
branch's cash movements, plus the board's alerts and per-user board preferences."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, Text, Uuid, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at_column
from app.db.models._columns import fk_column, id_column, one_of

SETTLE_MODES = ("now", "later")
DELIVERY_STATES = ("assigned", "accepted", "delivered", "returned")
# collection: the courier owes the branch cash taken (or to take) from a customer; fee: the branch owes the
# courier for a ride; shortfall: cash the courier was charged for but did not collect (a short collection),
# which the branch owes back against the collection.
TRANSACTION_KINDS = ("collection", "fee", "shortfall")
TRANSACTION_STATES = ("open", "settled")
SETTLEMENT_KINDS = ("dispatch", "single", "bulk")
# `low_stock`: a product of a branch went below its reorder point (no order; `product_id` says which);
# `ledger_mismatch`: the nightly check found a branch's on-hand not equal to its stock ledger's sum.
ALERT_KINDS = ("state_overdue", "slot_missed", "low_stock", "ledger_mismatch", "clock_open")


class Trip(Base):
    """Several delivery orders handed to one courier together."""

    __tablename__ = "trips"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    courier_id: Mapped[int] = fk_column("couriers.id", ondelete="RESTRICT", index=True)
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class Delivery(Base):
    """One dispatch of an order to a courier. A returned order dispatched again gets a new row."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(one_of("settle_mode", SETTLE_MODES), name="settle_mode_known"),
        CheckConstraint(one_of("state", DELIVERY_STATES), name="state_known"),
        CheckConstraint("amount_to_collect >= 0", name="amount_non_negative"),
        CheckConstraint("courier_fee >= 0", name="fee_non_negative"),
        CheckConstraint("tip >= 0 AND (cash_collected IS NULL OR tip <= cash_collected)", name="tip_range"),
        # At most one delivery of an order is on the road at a time.
        Index(
            "uq_deliveries_order_active",
            "order_id",
            unique=True,
            postgresql_where=text("state IN ('assigned', 'accepted')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("orders.id", ondelete="RESTRICT"), index=True
    )
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT")
    courier_id: Mapped[int] = fk_column("couriers.id", ondelete="RESTRICT", index=True)
    trip_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("trips.id", ondelete="RESTRICT"))
    settle_mode: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, server_default="assigned")
    # What the courier must collect from the customer (0 for a paid or partner order) and earns.
    amount_to_collect: Mapped[Decimal] = mapped_column()
    courier_fee: Mapped[Decimal] = mapped_column()
    # What the customer handed over, and of it what the courier keeps as a tip (never branch money).
    cash_collected: Mapped[Decimal | None] = mapped_column()
    tip: Mapped[Decimal] = mapped_column(server_default=text("0"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Settlement(Base):
    """Cash squared between a courier and the branch. `net` > 0: the courier paid the branch; < 0: the
    branch paid the courier. Client-generated id: a double click or a retry settles once."""

    __tablename__ = "settlements"
    __table_args__ = (CheckConstraint(one_of("kind", SETTLEMENT_KINDS), name="kind_known"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    courier_id: Mapped[int] = fk_column("couriers.id", ondelete="RESTRICT", index=True)
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    kind: Mapped[str] = mapped_column(Text)
    net: Mapped[Decimal] = mapped_column()
    transactions: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, server_default="")
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class CourierTransaction(Base):
    """What a courier owes the branch (a collection) or the branch owes the courier (a fee), open until
    settled. Balances are sums over open rows."""

    __tablename__ = "courier_transactions"
    __table_args__ = (
        CheckConstraint(one_of("kind", TRANSACTION_KINDS), name="kind_known"),
        CheckConstraint(one_of("status", TRANSACTION_STATES), name="status_known"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint("(status = 'settled') = (settlement_id IS NOT NULL)", name="settled_has_settlement"),
        Index("ix_courier_transactions_courier_status", "courier_id", "status"),
    )

    id: Mapped[int] = id_column()
    courier_id: Mapped[int] = fk_column("couriers.id", ondelete="RESTRICT")
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT")
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("deliveries.id", ondelete="RESTRICT"), index=True
    )
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("orders.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column()
    status: Mapped[str] = mapped_column(Text, server_default="open")
    settlement_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("settlements.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[dt.datetime] = created_at_column()
    settled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class BranchCashMovement(Base):
    """Cash into (+) or out of (-) a branch's till outside sales: settlements with couriers, cash in/out."""

    __tablename__ = "branch_cash_movements"

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    amount: Mapped[Decimal] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    settlement_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("settlements.id", ondelete="RESTRICT")
    )
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("orders.id", ondelete="RESTRICT"))
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class Alert(Base):
    """A late order or a missed slot, raised once per breach (per order version and kind)."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(one_of("kind", ALERT_KINDS), name="kind_known"),
        Index("uq_alerts_order_kind_version", "order_id", "kind", "order_version", unique=True),
    )

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", index=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = fk_column("products.id", ondelete="CASCADE", nullable=True)
    # A low-stock alert is raised once per crossing: the ledger row that crossed the reorder point.
    stock_move_id: Mapped[int | None] = fk_column(
        "stock_moves.id", ondelete="CASCADE", nullable=True, unique=True
    )
    # A clock entry left open too long is alerted once.
    time_entry_id: Mapped[int | None] = fk_column(
        "time_entries.id", ondelete="CASCADE", nullable=True, unique=True
    )
    kind: Mapped[str] = mapped_column(Text)
    order_state: Mapped[str] = mapped_column(Text)
    order_version: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = created_at_column()
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)


class UserPreference(Base):
    """Per-user screen settings kept on the server (board filters follow a manager between devices)."""

    __tablename__ = "user_preferences"

    user_id: Mapped[int] = fk_column("users.id", ondelete="CASCADE", primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    updated_at: Mapped[dt.datetime] = created_at_column()


class BulkSettlementRequest(Base):
    """A manager's request to settle many couriers at once. Its job is queued in Redis; the request is kept
    here too, so when Redis loses the queue the repair cron still finds it undone and does it. The courier
    settlements it makes carry ids derived from this id, so doing it twice settles nothing twice."""

    __tablename__ = "bulk_settlement_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    # None: every courier of the branch with something open.
    courier_ids: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger), nullable=True)
    note: Mapped[str] = mapped_column(Text, server_default="")
    requested_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    requested_at: Mapped[dt.datetime] = created_at_column()
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The job's counts (settled, already_settled, nothing_open) once done.
    result: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)

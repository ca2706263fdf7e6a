"""Labour: what each person is paid per hour, and when they were at work (the time clock)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, Money, created_at_column
from app.db.models._columns import fk_column, id_column, one_of

CLOCK_SOURCES = ("home", "till", "manager")


class PayRate(Base):
    """An hourly rate from a day on, in the currency of the branch the hours are worked at. A rate for one
    branch (`branch_id`) wins over the person's general rate (no branch); a later `effective_from` replaces
    an earlier one from that day, so a raise never rewrites the cost of hours already worked."""

    __tablename__ = "pay_rates"
    __table_args__ = (
        CheckConstraint("hourly_rate >= 0", name="hourly_rate_non_negative"),
        # One rate per person, branch (or none) and day: setting it again replaces it.
        Index(
            "uq_pay_rates_user_branch_day",
            "user_id",
            "branch_id",
            "effective_from",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = fk_column("users.id", ondelete="CASCADE")
    branch_id: Mapped[int | None] = fk_column("branches.id", ondelete="CASCADE", nullable=True)
    hourly_rate: Mapped[Decimal] = mapped_column(Money)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = created_at_column()
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="SET NULL", nullable=True)


class TimeEntry(Base):
    """One stretch at work at one branch: clocked in, and (once closed) clocked out."""

    __tablename__ = "time_entries"
    __table_args__ = (
        CheckConstraint(one_of("source", CLOCK_SOURCES), name="source_known"),
        CheckConstraint("clock_out_at IS NULL OR clock_out_at > clock_in_at", name="out_after_in"),
        # One open entry per person, whatever the branch: nobody works two shops at once.
        Index("uq_time_entries_open", "user_id", unique=True, postgresql_where=text("clock_out_at IS NULL")),
        Index("ix_time_entries_branch_in", "branch_id", "clock_in_at"),
    )

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = fk_column("users.id", ondelete="CASCADE")
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE")
    clock_in_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    clock_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(Text, server_default="home")
    # The last manager correction: why (the audit log keeps every one with before and after).
    note: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[dt.datetime] = created_at_column()

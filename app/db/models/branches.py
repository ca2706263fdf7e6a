"""Branches (shops), their seller tax numbers over time, and their kitchen stations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, Money, created_at_column
from app.db.models._columns import fk_column, id_column


class Branch(Base):
    __tablename__ = "branches"
    __table_args__ = (
        CheckConstraint("code ~ '^[A-Z0-9]{2,10}$'", name="code_format"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        # Money columns keep four fractional digits, so no currency may need more.
        CheckConstraint("currency_exponent BETWEEN 0 AND 4", name="currency_exponent_range"),
        CheckConstraint("cash_rounding >= 0", name="cash_rounding_non_negative"),
        CheckConstraint("timezone <> ''", name="timezone_not_empty"),
        CheckConstraint("fiscal_year_start_month BETWEEN 1 AND 12", name="fiscal_year_start_month_range"),
        CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_iso3166"),
        CheckConstraint("language ~ '^[a-z]{2,3}$'", name="language_code"),
        CheckConstraint("digits IN ('latn', 'arab')", name="digits_known"),
        CheckConstraint("overtime_after_minutes BETWEEN 60 AND 1440", name="overtime_after_minutes_range"),
    )

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    # An IANA zone name; the business date of an order is its creation time in this zone. PostgreSQL cannot
    # validate zone names in a CHECK (pg_timezone_names is not immutable), so the service does.
    timezone: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(Text)
    currency_exponent: Mapped[int] = mapped_column(SmallInteger, server_default=text("2"))
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Cash totals are rounded to a multiple of this (0.50, 0.05); 0 means no cash rounding.
    cash_rounding: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    # Orders for a slot further ahead than this start as `scheduled` and are released by the worker.
    schedule_lead_minutes: Mapped[int] = mapped_column(SmallInteger, server_default=text("45"))
    # The queue TV: the language its announcements are spoken in (BCP 47, for the browser's speech
    # synthesis), and how long a ready token stays on screen when nobody marks it handed over.
    announce_language: Mapped[str] = mapped_column(Text, server_default="en-GB")
    queue_ready_seconds: Mapped[int] = mapped_column(Integer, server_default=text("600"))
    # Seconds an order may sit in a state before the board raises an alert, per state.
    state_limits: Mapped[dict[str, Any]] = mapped_column(
        server_default=text(
            """'{"received": 600, "preparing": 1200, "ready": 600, "out_for_delivery": 2700, "returned": 900}'::jsonb"""
        )
    )
    # Invoice numbers restart every fiscal year; a year named 2026 starts on this month of 2026.
    fiscal_year_start_month: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    address: Mapped[str] = mapped_column(Text, server_default="")
    phone: Mapped[str] = mapped_column(Text, server_default="")
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # The language of the branch's screens and receipts unless a user chose their own, and whether its
    # numbers show Latin (0-9) or Arabic-Indic digits.
    language: Mapped[str] = mapped_column(Text, server_default="en")
    digits: Mapped[str] = mapped_column(Text, server_default="latn")
    created_at: Mapped[dt.datetime] = created_at_column()
    # ISO 3166 country (EG, GB): how a phone number typed the local way ("0100 555 0002") is read.
    country: Mapped[str | None] = mapped_column(Text)
    # Printed above and below every receipt of the branch (address lines, a thank-you, a return policy).
    receipt_header: Mapped[str] = mapped_column(Text, server_default="")
    receipt_footer: Mapped[str] = mapped_column(Text, server_default="")
    # The labour report's overtime: a person's time past this in the shifts that started on one local day
    # (labour law and contracts differ: 8 h in most places, 7 h for some, 9 h with a long break).
    overtime_after_minutes: Mapped[int] = mapped_column(SmallInteger, server_default=text("480"))

    tax_numbers: Mapped[list[BranchTaxNumber]] = relationship(
        order_by="BranchTaxNumber.valid_from",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )
    stations: Mapped[list[Station]] = relationship(
        order_by="Station.sort_order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )


class BranchTaxNumber(Base):
    """The seller tax number valid on a date is the row with the latest `valid_from` <= that date whose
    `valid_to` (if any) is not before it.

    Rows are never edited once an invoice may have used them; a new number gets a new row.
    """

    __tablename__ = "branch_tax_numbers"
    __table_args__ = (
        UniqueConstraint("branch_id", "valid_from"),
        CheckConstraint("tax_number <> ''", name="tax_number_not_empty"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE")
    tax_number: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    # The last day it is valid (a registration that ended); None while it runs.
    valid_to: Mapped[dt.date | None] = mapped_column(Date)


class Station(Base):
    """A kitchen station of one branch; products name a station *code* and are routed to the branch's
    station with that code."""

    __tablename__ = "stations"
    __table_args__ = (
        UniqueConstraint("branch_id", "code"),
        CheckConstraint("code ~ '^[a-z][a-z0-9_]*$'", name="code_format"),
        CheckConstraint("warn_after_seconds > 0", name="warn_after_positive"),
        CheckConstraint("late_after_seconds >= warn_after_seconds", name="late_after_warn"),
    )

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE")
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    # Ticket ageing on the KDS: amber after warn, red after late.
    warn_after_seconds: Mapped[int] = mapped_column(Integer, server_default=text("300"))
    late_after_seconds: Mapped[int] = mapped_column(Integer, server_default=text("600"))
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))

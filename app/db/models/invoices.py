"""Invoices: gapless numbers per branch series and fiscal year, never edited once issued (DESIGN §7)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.models._columns import fk_column, one_of

INVOICE_KINDS = ("invoice", "amendment")


class InvoiceCounter(Base):
    """The last number issued per (branch, series, fiscal year). Taken with UPDATE … RETURNING inside the
    transaction that inserts the invoice, so the row lock serialises issuers and a rollback gives the
    number back: no gaps, no duplicates."""

    __tablename__ = "invoice_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_non_negative"),)

    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", primary_key=True)
    series: Mapped[str] = mapped_column(Text, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    """An issued invoice or an amendment of one. Everything printed on it is a snapshot taken when it was
    issued (seller and buyer details, lines, tax breakdown), so later edits elsewhere never change it."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("branch_id", "series", "fiscal_year", "number"),
        CheckConstraint(one_of("kind", INVOICE_KINDS), name="kind_known"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint(
            "(kind = 'amendment') = (amends_id IS NOT NULL)", name="amendment_references_original"
        ),
        # One original invoice per order; amendments reference it.
        Index(
            "uq_invoices_order_original",
            "order_id",
            unique=True,
            postgresql_where=text("kind = 'invoice'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT")
    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("orders.id", ondelete="RESTRICT"), index=True
    )
    customer_id: Mapped[int | None] = fk_column(
        "customers.id", ondelete="RESTRICT", nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(Text, server_default="invoice")
    amends_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("invoices.id", ondelete="RESTRICT"))
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    series: Mapped[str] = mapped_column(Text)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    # The printed number, e.g. "DT1-2026-000042".
    number_text: Mapped[str] = mapped_column(Text, unique=True)
    issue_date: Mapped[dt.date] = mapped_column(Date)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    seller_name: Mapped[str] = mapped_column(Text)
    seller_address: Mapped[str] = mapped_column(Text, server_default="")
    seller_tax_number: Mapped[str | None] = mapped_column(Text)
    buyer_name: Mapped[str | None] = mapped_column(Text)
    buyer_company_name: Mapped[str | None] = mapped_column(Text)
    buyer_tax_number: Mapped[str | None] = mapped_column(Text)
    buyer_address: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(Text)
    currency_exponent: Mapped[int] = mapped_column(SmallInteger)
    prices_include_tax: Mapped[bool] = mapped_column(Boolean)
    subtotal: Mapped[Decimal] = mapped_column()
    discount: Mapped[Decimal] = mapped_column(server_default=text("0"))
    tax_total: Mapped[Decimal] = mapped_column()
    delivery_charge: Mapped[Decimal] = mapped_column(server_default=text("0"))
    total: Mapped[Decimal] = mapped_column()
    # [{line_no, parent_line_no, name, qty, unit, unit_price, tax_rate, discount, line_subtotal, line_tax,
    #   line_total}] and [{rate, taxable, tax}] as strings, exactly as printed.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(server_default=text("'[]'::jsonb"))
    tax_breakdown: Mapped[list[dict[str, Any]]] = mapped_column(server_default=text("'[]'::jsonb"))
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)

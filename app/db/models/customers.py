"""Customers, their phone numbers (the lookup key at the POS) and delivery addresses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, DateTime, Index, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, created_at_column
from app.db.models._columns import fk_column, id_column


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (CheckConstraint("credit_limit >= 0", name="credit_limit_non_negative"),)

    id: Mapped[int] = id_column()
    name: Mapped[str] = mapped_column(Text)
    # Buyer details for B2B invoices; both are copied onto each invoice when it is issued.
    company_name: Mapped[str | None] = mapped_column(Text)
    tax_number: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    # How much may be outstanding on account (payment method `on_account`); 0 means cash customers only.
    credit_limit: Mapped[Decimal] = mapped_column(server_default=text("0"))
    note: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[dt.datetime] = created_at_column()
    # The branch that added them: its country reads their local phone numbers; the admin list filters on it.
    home_branch_id: Mapped[int | None] = fk_column(
        "branches.id", ondelete="SET NULL", nullable=True, index=True
    )
    # Set when a customer with invoices is deleted: the row stays for the invoices, the person is gone.
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    phones: Mapped[list[CustomerPhone]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )
    addresses: Mapped[list[CustomerAddress]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )


class CustomerPhone(Base):
    """Phones are stored normalised (digits, optional leading +) so that the caller-id lookup is an exact
    match; one number belongs to one customer."""

    __tablename__ = "customer_phones"
    __table_args__ = (
        CheckConstraint(r"phone ~ '^\+?[0-9]{5,17}$'", name="phone_normalised"),
        Index(
            "uq_customer_phones_one_primary", "customer_id", unique=True, postgresql_where=text("is_primary")
        ),
    )

    id: Mapped[int] = id_column()
    customer_id: Mapped[int] = fk_column("customers.id", ondelete="CASCADE", index=True)
    phone: Mapped[str] = mapped_column(Text, unique=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, server_default=false())


class CustomerAddress(Base):
    __tablename__ = "customer_addresses"
    __table_args__ = (
        CheckConstraint("address <> ''", name="address_not_empty"),
        Index(
            "uq_customer_addresses_one_default",
            "customer_id",
            unique=True,
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[int] = id_column()
    customer_id: Mapped[int] = fk_column("customers.id", ondelete="CASCADE", index=True)
    label: Mapped[str] = mapped_column(Text, server_default="")
    address: Mapped[str] = mapped_column(Text)
    # RESTRICT: a territory in use is deactivated, not deleted, so delivery charges stay explainable.
    territory_id: Mapped[int | None] = fk_column(
        "territories.id", ondelete="RESTRICT", nullable=True, index=True
    )
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=false())

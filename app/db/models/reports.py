"""Report rollups: per-day aggregates the worker keeps, so a year of history answers in milliseconds.

They are derived data: every row is recomputed from the system-of-record tables by `app/reports/_rollups.py`
and nothing else writes them. `report_days` says which (branch, business day) the rollups hold; a day that is
not there, or is marked dirty by the triggers of migration 0013 (a refund, void or late edit touching an
old day), is computed live from the source tables until the worker rolls it again, so a report is exact at
every moment. No foreign keys: a rollup row outliving a deleted product must not block the delete.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, Quantity, Rate, created_at_column
from app.db.models._columns import fk_column, id_column
from app.db.models.invoices import Invoice
from app.db.models.kitchen import ServiceTicket
from app.db.models.orders import Order
from app.db.models.payments import Payment, PaymentRefund

# Seconds add up over a year of tickets; NUMERIC keeps the sums exact and unbounded.
Seconds = Quantity


class ReportDay(Base):
    __tablename__ = "report_days"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    dirty: Mapped[bool] = mapped_column(Boolean, server_default=false())
    rolled_at: Mapped[dt.datetime] = created_at_column()


class _SalesFigures:
    """The sums both sales rollups keep."""

    orders: Mapped[int] = mapped_column(Integer)
    cancelled: Mapped[int] = mapped_column(Integer)
    cancelled_total: Mapped[Decimal] = mapped_column()
    items: Mapped[Decimal] = mapped_column(Quantity)
    gross: Mapped[Decimal] = mapped_column()
    net: Mapped[Decimal] = mapped_column()
    tax: Mapped[Decimal] = mapped_column()
    discount: Mapped[Decimal] = mapped_column()
    delivery_charge: Mapped[Decimal] = mapped_column()


class ReportSalesHourly(_SalesFigures, Base):
    """Orders by branch, business day, local hour and channel."""

    __tablename__ = "report_sales_hourly"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(Text, primary_key=True)


class ReportCashierDaily(_SalesFigures, Base):
    """Orders by branch, business day and the cashier who rang them up (0: none — online, delivery)."""

    __tablename__ = "report_cashier_daily"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    cashier_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class _ProductLines:
    """The keys and sums both product rollups keep (after branch and day or month)."""

    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tax_rate: Mapped[Decimal] = mapped_column(Rate, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    qty: Mapped[Decimal] = mapped_column(Quantity)
    net: Mapped[Decimal] = mapped_column()
    tax: Mapped[Decimal] = mapped_column()
    gross: Mapped[Decimal] = mapped_column()
    discount: Mapped[Decimal] = mapped_column()


class ReportProductDaily(_ProductLines, Base):
    """Lines sold per product and tax rate."""

    __tablename__ = "report_product_daily"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)


class ReportSalesMonthly(_SalesFigures, Base):
    """`report_sales_hourly` summed per month (`business_date` is the month's first day), kept by
    `roll_days` from the daily rows: a year's page by month, or with no time axis, reads 12 rows per key
    instead of 365 (app/reports/_source.py says when a month may be read from here)."""

    __tablename__ = "report_sales_monthly"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(Text, primary_key=True)


class ReportProductMonthly(_ProductLines, Base):
    """`report_product_daily` summed per month, as `report_sales_monthly` is."""

    __tablename__ = "report_product_monthly"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)


class ReportItemTimesDaily(Base):
    """Per product: the tickets that carried it and their kitchen time (created to bumped)."""

    __tablename__ = "report_item_times_daily"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer)
    ticket_seconds: Mapped[Decimal] = mapped_column(Seconds)


class ReportPaymentsDaily(Base):
    """Payments by the branch-local day they were taken, and refunds by the day they were paid out."""

    __tablename__ = "report_payments_daily"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    method: Mapped[str] = mapped_column(Text, primary_key=True)
    payments: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column()
    voids: Mapped[int] = mapped_column(Integer)
    voided_amount: Mapped[Decimal] = mapped_column()
    refunds: Mapped[int] = mapped_column(Integer)
    refunded_amount: Mapped[Decimal] = mapped_column()


class ReportStockDaily(Base):
    """The stock ledger summed per branch-local day, product and kind of movement (the inventory report's
    movements, and its on-hand and value at a past date counted back from now). Unbounded NUMERIC: the
    sums of qty x unit cost stay exactly what the live ledger adds up to."""

    __tablename__ = "report_stock_daily"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    moves: Mapped[int] = mapped_column(Integer)
    qty: Mapped[Decimal] = mapped_column(Numeric)
    value: Mapped[Decimal] = mapped_column(Numeric)


class ReportKitchenHourly(Base):
    __tablename__ = "report_kitchen_hourly"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    station_code: Mapped[str] = mapped_column(Text, primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer)
    started: Mapped[int] = mapped_column(Integer)
    bumped: Mapped[int] = mapped_column(Integer)
    wait_seconds: Mapped[Decimal] = mapped_column(Seconds)
    total_seconds: Mapped[Decimal] = mapped_column(Seconds)
    max_seconds: Mapped[Decimal] = mapped_column(Seconds)
    late: Mapped[int] = mapped_column(Integer)


class ReportDeliveryDaily(Base):
    """Deliveries per courier and territory (0: none) of the orders of a business day."""

    __tablename__ = "report_delivery_daily"

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    courier_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    territory_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deliveries: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer)
    dispatch_seconds: Mapped[Decimal] = mapped_column(Seconds)
    duration_seconds: Mapped[Decimal] = mapped_column(Seconds)
    late: Mapped[int] = mapped_column(Integer)
    to_collect: Mapped[Decimal] = mapped_column()
    collected: Mapped[Decimal] = mapped_column()
    fees: Mapped[Decimal] = mapped_column()
    settled: Mapped[Decimal] = mapped_column()


class ReportCustomerDaily(Base):
    """What each known customer bought per branch and day: the customers report and first-order dates."""

    __tablename__ = "report_customer_daily"
    __table_args__ = (
        Index("ix_report_customer_daily_customer_id_business_date", "customer_id", "business_date"),
    )

    branch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    gross: Mapped[Decimal] = mapped_column()


class ReportAnomaly(Base):
    """An hour whose sales fell outside the 99 % band of its forecast; raised once per branch and hour."""

    __tablename__ = "report_anomalies"
    __table_args__ = (UniqueConstraint("branch_id", "business_date", "hour"),)

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE")
    business_date: Mapped[dt.date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(SmallInteger)
    actual: Mapped[Decimal] = mapped_column()
    expected: Mapped[Decimal] = mapped_column()
    low: Mapped[Decimal] = mapped_column()
    high: Mapped[Decimal] = mapped_column()
    raised_at: Mapped[dt.datetime] = created_at_column()


class ReportRecipient(Base):
    """Where a manager wants the daily summary. A manager without a row still gets it on the log transport;
    over SMTP only managers with an address here (or a username that is one) are mailed."""

    __tablename__ = "report_recipients"

    user_id: Mapped[int] = fk_column("users.id", ondelete="CASCADE", primary_key=True)
    email: Mapped[str | None] = mapped_column(Text)
    daily_summary: Mapped[bool] = mapped_column(Boolean, server_default=true())


class ReportMailLog(Base):
    """One row per summary sent: taken before sending, so a retried or doubled job mails once."""

    __tablename__ = "report_mail_log"

    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    recipients: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    sent_at: Mapped[dt.datetime] = created_at_column()


# The live part of a report reads money and walk-ins by time within a branch; declared here (they serve the
# reports) and attached to their tables.
Index("ix_payments_branch_id_created_at", Payment.branch_id, Payment.created_at)
Index("ix_payment_refunds_branch_id_created_at", PaymentRefund.branch_id, PaymentRefund.created_at)
Index("ix_invoices_branch_id_issue_date", Invoice.branch_id, Invoice.issue_date)
Index("ix_service_tickets_branch_id_created_at", ServiceTicket.branch_id, ServiceTicket.created_at)

# The invoices report sorts a range's invoices by status without reading them or their orders' rows (a
# month is ~85 k invoices at a busy two-branch shop, each row wide with its snapshot): the invoices from an
# index of their own, the orders not paid (a few percent) from a partial one, amendments and on-account
# sales from partial ones. The orders index costs a sale one entry while it is unpaid; decisions.md says
# why that is worth it.
Index(
    "ix_invoices_originals_by_day",
    Invoice.branch_id,
    Invoice.issue_date,
    postgresql_include=["id", "order_id", "total"],
    postgresql_where=text("kind = 'invoice'"),
)
Index("ix_invoices_amends_id", Invoice.amends_id, postgresql_where=text("amends_id IS NOT NULL"))
# On-account sales (a few percent of payments), with what the invoices report (their orders) and the
# customers report's ageing (per branch up to a date) read of them.
Index(
    "ix_payments_on_account",
    Payment.branch_id,
    Payment.created_at,
    postgresql_include=["id", "customer_id", "amount", "status", "order_id"],
    postgresql_where=text("method = 'on_account'"),
)
# By branch first: a cancelled order stays unpaid for good, so the set grows with the years, and a report
# reads only its own branches' part of it.
Index(
    "ix_orders_not_paid",
    Order.branch_id,
    Order.id,
    postgresql_include=["payment_status"],
    postgresql_where=text("payment_status <> 'paid'"),
)

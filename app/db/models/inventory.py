"""Inventory: the stock ledger, recipes, suppliers and purchase orders, counts, transfers, and the petty
cash a till pays out for the shop.

`product_stock.qty` (catalog.py) is the on-hand figure a sale takes down with a guarded UPDATE; every change
to it writes one `stock_moves` row in the same transaction, carrying the signed quantity in the product's
base unit, the unit cost at the time and the on-hand it left. So the on-hand is always the ledger's sum, and
a nightly job proves it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, Money, Quantity, created_at_column
from app.db.models._columns import fk_column, id_column, one_of

MOVE_KINDS = (
    "opening",
    "sale",
    "cancel",
    "receipt",
    "adjustment",
    "waste",
    "count",
    "transfer_out",
    "transfer_in",
)
PO_STATES = ("draft", "sent", "partial", "received", "closed", "cancelled")
COUNT_STATES = ("open", "approved", "cancelled")
TRANSFER_STATES = ("in_transit", "received", "cancelled")
EXPENSE_STATES = ("pending", "approved", "rejected")
EXPENSE_CATEGORIES = ("supplies", "cleaning", "repairs", "transport", "food", "utilities", "other")
INVOICE_STATES = ("open", "paid", "void")
# A recipe's yield in percent: 90 means a tenth of what is taken off the shelf is trimmed away.
Percent = Numeric(5, 2)


class StockMove(Base):
    """One movement of one product's stock in one branch: signed base-unit quantity, the unit cost it moved
    at, and the on-hand it left (written under the stock row's lock, so the running figure is exact)."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint(one_of("kind", MOVE_KINDS), name="kind_known"),
        CheckConstraint("qty <> 0", name="qty_not_zero"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_non_negative"),
        Index("ix_stock_moves_branch_product", "branch_id", "product_id", "id"),
        # The inventory report reads a date range's movements (and those after it) per branch.
        Index("ix_stock_moves_branch_created", "branch_id", "created_at"),
        Index("ix_stock_moves_low_crossing", "id", postgresql_where=text("low_crossing")),
    )

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE")
    product_id: Mapped[int] = fk_column("products.id", ondelete="CASCADE")
    kind: Mapped[str] = mapped_column(Text)
    qty: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    on_hand_after: Mapped[Decimal] = mapped_column(Quantity)
    reason: Mapped[str | None] = mapped_column(Text)
    # The sale (or cancelled sale) that moved it; no foreign key on the hottest insert of the system.
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    # The document behind any other movement: `receipt:12`, `transfer:3`, `count:7`.
    ref: Mapped[str | None] = mapped_column(Text)
    # This movement took the on-hand from at or above the reorder point to below it (one low-stock alert).
    low_crossing: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class RecipeLine(Base):
    """`qty` of `ingredient_id` (its base unit) that one base unit of `product_id` is made of, before the
    trim; `gross_qty` is what leaves the shelf (qty / yield, rounded to the gram) and what a sale takes."""

    __tablename__ = "recipe_lines"
    __table_args__ = (
        UniqueConstraint("product_id", "ingredient_id"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("gross_qty > 0", name="gross_qty_positive"),
        CheckConstraint("yield_pct > 0 AND yield_pct <= 100", name="yield_range"),
        CheckConstraint("product_id <> ingredient_id", name="not_itself"),
    )

    id: Mapped[int] = id_column()
    product_id: Mapped[int] = fk_column("products.id", ondelete="CASCADE", index=True)
    ingredient_id: Mapped[int] = fk_column("products.id", ondelete="RESTRICT", index=True)
    qty: Mapped[Decimal] = mapped_column(Quantity)
    yield_pct: Mapped[Decimal] = mapped_column(Percent, server_default=text("100"))
    gross_qty: Mapped[Decimal] = mapped_column(Quantity)
    sort_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Supplier(Base):
    __tablename__ = "suppliers"
    __table_args__ = (
        CheckConstraint("name <> ''", name="name_not_empty"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_non_negative"),
    )

    id: Mapped[int] = id_column()
    name: Mapped[str] = mapped_column(Text, unique=True)
    contact_name: Mapped[str] = mapped_column(Text, server_default="")
    phone: Mapped[str] = mapped_column(Text, server_default="")
    email: Mapped[str] = mapped_column(Text, server_default="")
    lead_time_days: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    note: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[dt.datetime] = created_at_column()


class SupplierItem(Base):
    """What a supplier sells us: a product in one of its units (a case of 24), at a price per that unit."""

    __tablename__ = "supplier_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["product_id", "unit"],
            ["product_units.product_id", "product_units.unit"],
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        CheckConstraint("price >= 0", name="price_non_negative"),
    )

    supplier_id: Mapped[int] = fk_column("suppliers.id", ondelete="CASCADE", primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    unit: Mapped[str] = mapped_column(Text, primary_key=True)
    price: Mapped[Decimal] = mapped_column(Money)
    supplier_sku: Mapped[str] = mapped_column(Text, server_default="")


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (CheckConstraint(one_of("state", PO_STATES), name="state_known"),)

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    supplier_id: Mapped[int] = fk_column("suppliers.id", ondelete="RESTRICT", index=True)
    state: Mapped[str] = mapped_column(Text, server_default="draft")
    note: Mapped[str] = mapped_column(Text, server_default="")
    expected_on: Mapped[dt.date | None] = mapped_column()
    total: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PurchaseOrderLine(Base):
    """Ordered in a purchase unit (`factor` base units each), received in the same unit."""

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "product_id", "unit"),
        CheckConstraint("qty_ordered > 0", name="qty_ordered_positive"),
        CheckConstraint("qty_received >= 0", name="qty_received_non_negative"),
        CheckConstraint("unit_price >= 0", name="unit_price_non_negative"),
        CheckConstraint("factor > 0", name="factor_positive"),
    )

    id: Mapped[int] = id_column()
    purchase_order_id: Mapped[int] = fk_column("purchase_orders.id", ondelete="CASCADE", index=True)
    product_id: Mapped[int] = fk_column("products.id", ondelete="RESTRICT")
    unit: Mapped[str] = mapped_column(Text)
    factor: Mapped[Decimal] = mapped_column(Quantity)
    qty_ordered: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    qty_received: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))


class PurchaseReceipt(Base):
    """One delivery against a purchase order (a tablet scanning the boxes at the back door)."""

    __tablename__ = "purchase_receipts"

    id: Mapped[int] = id_column()
    purchase_order_id: Mapped[int] = fk_column("purchase_orders.id", ondelete="RESTRICT", index=True)
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT")
    note: Mapped[str] = mapped_column(Text, server_default="")
    total: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    received_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    received_at: Mapped[dt.datetime] = created_at_column()


class PurchaseReceiptLine(Base):
    """What came for one order line: quantity and cost, with the differences against the order kept."""

    __tablename__ = "purchase_receipt_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_non_negative"),
    )

    id: Mapped[int] = id_column()
    receipt_id: Mapped[int] = fk_column("purchase_receipts.id", ondelete="CASCADE", index=True)
    line_id: Mapped[int] = fk_column("purchase_order_lines.id", ondelete="RESTRICT")
    qty: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    qty_difference: Mapped[Decimal] = mapped_column(Quantity)  # received - still outstanding (>0: over)
    cost_difference: Mapped[Decimal] = mapped_column(Money)  # unit cost - ordered price


class SupplierInvoice(Base):
    __tablename__ = "supplier_invoices"
    __table_args__ = (
        UniqueConstraint("supplier_id", "number"),
        CheckConstraint(one_of("state", INVOICE_STATES), name="state_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("paid >= 0 AND paid <= amount", name="paid_range"),
    )

    id: Mapped[int] = id_column()
    supplier_id: Mapped[int] = fk_column("suppliers.id", ondelete="RESTRICT", index=True)
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT")
    purchase_order_id: Mapped[int | None] = fk_column(
        "purchase_orders.id", ondelete="RESTRICT", nullable=True
    )
    number: Mapped[str] = mapped_column(Text)
    invoice_date: Mapped[dt.date] = mapped_column()
    due_date: Mapped[dt.date | None] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    state: Mapped[str] = mapped_column(Text, server_default="open")
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class StockCount(Base):
    __tablename__ = "stock_counts"
    __table_args__ = (CheckConstraint(one_of("state", COUNT_STATES), name="state_known"),)

    id: Mapped[int] = id_column()
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    state: Mapped[str] = mapped_column(Text, server_default="open")
    # A blind count hides the expected figures from the counter, so they count what is there.
    blind: Mapped[bool] = mapped_column(Boolean, server_default=false())
    note: Mapped[str] = mapped_column(Text, server_default="")
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    approved_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class StockCountLine(Base):
    __tablename__ = "stock_count_lines"
    __table_args__ = (CheckConstraint("counted >= 0", name="counted_non_negative"),)

    count_id: Mapped[int] = fk_column("stock_counts.id", ondelete="CASCADE", primary_key=True)
    product_id: Mapped[int] = fk_column("products.id", ondelete="RESTRICT", primary_key=True)
    counted: Mapped[Decimal] = mapped_column(Quantity)
    # On hand when the variance was posted (approval); NULL until then.
    expected: Mapped[Decimal | None] = mapped_column(Quantity)
    counted_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    counted_at: Mapped[dt.datetime] = created_at_column()


class StockTransfer(Base):
    __tablename__ = "stock_transfers"
    __table_args__ = (
        CheckConstraint(one_of("state", TRANSFER_STATES), name="state_known"),
        CheckConstraint("from_branch_id <> to_branch_id", name="different_branches"),
    )

    id: Mapped[int] = id_column()
    from_branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    to_branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    state: Mapped[str] = mapped_column(Text, server_default="in_transit")
    note: Mapped[str] = mapped_column(Text, server_default="")
    dispatched_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    dispatched_at: Mapped[dt.datetime] = created_at_column()
    received_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class StockTransferLine(Base):
    __tablename__ = "stock_transfer_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_received IS NULL OR qty_received >= 0", name="qty_received_non_negative"),
    )

    transfer_id: Mapped[int] = fk_column("stock_transfers.id", ondelete="CASCADE", primary_key=True)
    product_id: Mapped[int] = fk_column("products.id", ondelete="RESTRICT", primary_key=True)
    qty: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    qty_received: Mapped[Decimal | None] = mapped_column(Quantity)


class Expense(Base):
    """Cash a till paid out for the shop (petty cash). Over the branch's limit it waits for a manager; the
    drawer's cash movement is written when it is approved (at once when under the limit)."""

    __tablename__ = "expenses"
    __table_args__ = (
        CheckConstraint(one_of("state", EXPENSE_STATES), name="state_known"),
        CheckConstraint(one_of("category", EXPENSE_CATEGORIES), name="category_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("shifts.id", ondelete="RESTRICT"), index=True
    )
    category: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str] = mapped_column(Text, server_default="")
    state: Mapped[str] = mapped_column(Text)
    movement_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("shift_cash_movements.id", ondelete="RESTRICT")
    )
    created_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    decided_by: Mapped[int | None] = fk_column("users.id", ondelete="RESTRICT", nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, server_default="")


class ExpenseReceipt(Base):
    """The photo of an expense's paper receipt (at most 2 MB, checked to be an image)."""

    __tablename__ = "expense_receipts"

    expense_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("expenses.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)


class BranchStockSettings(Base):
    """Per-branch inventory settings: the petty cash amount a cashier may pay out without a manager."""

    __tablename__ = "branch_stock_settings"
    __table_args__ = (CheckConstraint("expense_limit >= 0", name="expense_limit_non_negative"),)

    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", primary_key=True)
    expense_limit: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))

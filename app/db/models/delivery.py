"""Delivery territories (what the customer pays, what the courier earns) and couriers."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.models._columns import fk_column, id_column


class Territory(Base):
    """DESIGN §6: settlement net = amount collected - courier fee, so a fee above the delivery charge is
    allowed (the branch subsidises far-away deliveries)."""

    __tablename__ = "territories"
    __table_args__ = (
        CheckConstraint("delivery_charge >= 0", name="delivery_charge_non_negative"),
        CheckConstraint("courier_fee >= 0", name="courier_fee_non_negative"),
    )

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    delivery_charge: Mapped[Decimal] = mapped_column()
    courier_fee: Mapped[Decimal] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())


class Courier(Base):
    __tablename__ = "couriers"

    id: Mapped[int] = id_column()
    # RESTRICT: courier cash and settlements are history of the branch.
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="RESTRICT", index=True)
    # The login a courier uses on /courier; an external courier without a login has none.
    user_id: Mapped[int | None] = fk_column("users.id", ondelete="SET NULL", nullable=True, unique=True)
    name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(Text, server_default="")
    vehicle: Mapped[str] = mapped_column(Text, server_default="")
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())

"""What a shift sold, for its Z report: the orders rung up on it (`orders.shift_id`) and its money back.

    gross sales     = line amounts at list prices (in the prices' own terms: tax included in a
                      tax-inclusive branch), before discounts
    discounts       = line discounts (the order discount is spread over the lines)
    net sales       = gross - discounts, before tax (the lines' subtotals)
    tax per rate    = the lines' tax by rate, on their subtotals
    total           = net + tax + delivery charges (the orders' totals)

Cancelled orders sell nothing: they are listed as voids with what they came to. Refunds are the ones paid
out in this shift (`payment_refunds.shift_id`), whatever shift took the payment; voided payments are this
shift's. Items are what customers bought (bundles as bundles, their components left out).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.db.models import Order, OrderLine, Payment, PaymentRefund
from app.lib.money import money
from app.shifts.schemas import ChannelLine, ItemLine, RefundLine, SalesSummary, TaxLine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

ZERO = Decimal(0)
CANCELLED = "cancelled"


async def sales(
    session: AsyncSession, shift_id: uuid.UUID, *, exponent: int, prices_include_tax: bool
) -> SalesSummary:
    sold = (Order.shift_id == shift_id) & (Order.state != CANCELLED)
    # In the prices' own terms, a line's amount after its discount is its total (tax included) or its
    # subtotal (tax on top); adding the discount back gives it at list price.
    after_discount = OrderLine.line_total if prices_include_tax else OrderLine.line_subtotal
    lines = (
        await session.execute(
            select(
                func.coalesce(func.sum(after_discount + OrderLine.discount), ZERO),
                func.coalesce(func.sum(OrderLine.discount), ZERO),
                func.coalesce(func.sum(OrderLine.line_subtotal), ZERO),
            )
            .join(Order, Order.id == OrderLine.order_id)
            .where(sold)
        )
    ).one()
    taxes = (
        await session.execute(
            select(OrderLine.tax_rate, func.sum(OrderLine.line_subtotal), func.sum(OrderLine.line_tax))
            .join(Order, Order.id == OrderLine.order_id)
            .where(sold)
            .group_by(OrderLine.tax_rate)
            .order_by(OrderLine.tax_rate)
        )
    ).all()
    channels = (
        await session.execute(
            select(Order.channel, func.count(), func.coalesce(func.sum(Order.total), ZERO))
            .where(sold)
            .group_by(Order.channel)
            .order_by(Order.channel)
        )
    ).all()
    orders = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Order.total), ZERO),
                func.coalesce(func.sum(Order.delivery_charge), ZERO),
                func.coalesce(func.sum(Order.tax_total), ZERO),
            ).where(sold)
        )
    ).one()
    items = (
        await session.execute(
            select(
                OrderLine.name,
                OrderLine.unit,
                func.sum(OrderLine.qty),
                func.sum(after_discount),
            )
            .join(Order, Order.id == OrderLine.order_id)
            .where(sold, OrderLine.parent_line_no.is_(None))
            .group_by(OrderLine.name, OrderLine.unit)
            .order_by(func.sum(OrderLine.qty).desc(), OrderLine.name)
        )
    ).all()
    cancelled = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Order.total), ZERO)).where(
                Order.shift_id == shift_id, Order.state == CANCELLED
            )
        )
    ).one()
    voided = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Payment.amount), ZERO)).where(
                Payment.shift_id == shift_id, Payment.status == "voided"
            )
        )
    ).one()
    refunds = (
        await session.execute(
            select(
                PaymentRefund.created_at,
                Order.token,
                PaymentRefund.order_id,
                Payment.method,
                PaymentRefund.amount,
                PaymentRefund.reason,
            )
            .join(Payment, Payment.id == PaymentRefund.payment_id)
            .join(Order, Order.id == PaymentRefund.order_id)
            .where(PaymentRefund.shift_id == shift_id)
            .order_by(PaymentRefund.created_at, PaymentRefund.id)
        )
    ).all()

    def m(value: Decimal | None) -> Decimal:
        return money(Decimal(value or 0), exponent)

    gross, discounts, net = lines
    count, total, delivery, tax_total = orders
    return SalesSummary(
        orders=int(count),
        gross=m(gross),
        discounts=m(discounts),
        net=m(net),
        taxes=[
            TaxLine(rate=rate.normalize(), taxable=m(taxable), tax=m(tax)) for rate, taxable, tax in taxes
        ],
        tax_total=m(tax_total),
        delivery_charges=m(delivery),
        total=m(total),
        by_channel=[ChannelLine(channel=c, orders=int(n), total=m(t)) for c, n, t in channels],
        items=[
            ItemLine(name=name, unit=unit, qty=qty.normalize(), amount=m(amount))
            for name, unit, qty, amount in items
        ],
        refunds=[
            RefundLine(at=at, token=token, order_id=order_id, method=method, amount=m(amount), reason=reason)
            for at, token, order_id, method, amount, reason in refunds
        ],
        refunded=m(sum((r[4] for r in refunds), ZERO)),
        voided_payments=int(voided[0]),
        voided_amount=m(voided[1]),
        cancelled_orders=int(cancelled[0]),
        cancelled_total=m(cancelled[1]),
    )

"""Rows for the invoice tests: orders priced the way app/orders/pricing.py prices them, written straight to
PostgreSQL (the tests mark orders paid in the rows, as the payments part will), plus tax numbers."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from app.orders.pricing import HUNDRED, money


def priced(
    product: Any,
    *,
    qty: str = "1",
    unit_price: str,
    tax_rate: str = "14",
    discount: str = "0",
    discount_reason: str | None = None,
    parent_line_no: int | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    return {
        "product": product,
        "qty": Decimal(qty),
        "unit_price": Decimal(unit_price),
        "tax_rate": Decimal(tax_rate),
        "discount": Decimal(discount),
        "discount_reason": discount_reason,
        "parent_line_no": parent_line_no,
        "name": name or product.name,
    }


async def order_row(
    session: Any,
    *,
    branch: Any,
    lines: list[dict[str, Any]],
    customer: Any = None,
    channel: str = "counter",
    state: str = "completed",
    payment_status: str = "paid",
    delivery_charge: str = "0",
    delivery_address: str | None = None,
    order_discount: str = "0",
    token: int | None = None,
    commit: bool = True,
) -> Any:
    """An order and its lines with the pricing rules applied per line (tax-inclusive or exclusive)."""
    from app.db.models import Order, OrderLine

    exponent = branch.currency_exponent
    order_id = uuid.uuid4()
    rows = []
    for n, spec in enumerate(lines, start=1):
        gross = money(spec["qty"] * spec["unit_price"] - spec["discount"], exponent)
        rate = spec["tax_rate"]
        if branch.prices_include_tax:
            tax = money(gross * rate / (HUNDRED + rate), exponent)
            subtotal, total = gross - tax, gross
        else:
            tax = money(gross * rate / HUNDRED, exponent)
            subtotal, total = gross, gross + tax
        rows.append(
            OrderLine(
                order_id=order_id,
                line_no=n,
                product_id=spec["product"].id,
                name=spec["name"],
                qty=spec["qty"],
                unit="piece",
                unit_factor=Decimal(1),
                price_list="counter",
                unit_price=spec["unit_price"],
                tax_rate=rate,
                discount=spec["discount"],
                discount_reason=spec["discount_reason"],
                line_subtotal=subtotal,
                line_tax=tax,
                line_total=total,
                station_code=spec["product"].station_code,
                parent_line_no=spec["parent_line_no"],
            )
        )
    subtotal = sum((r.line_subtotal for r in rows), Decimal(0))
    tax_total = sum((r.line_tax for r in rows), Decimal(0))
    charge = Decimal(delivery_charge)
    total = subtotal + tax_total + charge
    order = Order(
        id=order_id,
        branch_id=branch.id,
        channel=channel,
        state=state,
        version=1,
        token=token,
        business_date=dt.date.today(),
        customer_id=None if customer is None else customer.id,
        payment_status=payment_status,
        subtotal=subtotal,
        tax_total=tax_total,
        delivery_charge=charge,
        total=total,
        discount=Decimal(order_discount),
        paid_total=total if payment_status == "paid" else Decimal(0),
        delivery_address=delivery_address,
        request_hash="invoice-test",
    )
    session.add(order)
    await session.flush()
    session.add_all(rows)
    await session.flush()
    if commit:
        await session.commit()
    return order


async def tax_number(session: Any, branch: Any, number: str, valid_from: dt.date) -> None:
    from app.db.models import BranchTaxNumber

    session.add(BranchTaxNumber(branch_id=branch.id, tax_number=number, valid_from=valid_from))
    await session.flush()


async def payment(
    session: Any,
    order: Any,
    *,
    method: str,
    amount: str,
    at: dt.datetime | None = None,
    customer: Any = None,
    tendered: str | None = None,
    change_due: str | None = None,
    rounding: str = "0",
    reference: str | None = None,
    status: str = "captured",
) -> Any:
    from app.db.models import Payment

    row = Payment(
        id=uuid.uuid4(),
        order_id=order.id,
        branch_id=order.branch_id,
        method=method,
        amount=Decimal(amount),
        tendered=None if tendered is None else Decimal(tendered),
        change_due=None if change_due is None else Decimal(change_due),
        rounding=Decimal(rounding),
        reference=reference,
        status=status,
        customer_id=None if customer is None else customer.id,
    )
    if at is not None:
        row.created_at = at
    session.add(row)
    await session.flush()
    return row


async def refund(session: Any, paid: Any, *, amount: str, reason: str, at: dt.datetime | None = None) -> Any:
    from app.db.models import PaymentRefund

    row = PaymentRefund(
        id=uuid.uuid4(),
        payment_id=paid.id,
        order_id=paid.order_id,
        branch_id=paid.branch_id,
        amount=Decimal(amount),
        reason=reason,
    )
    if at is not None:
        row.created_at = at
    session.add(row)
    paid.refunded_amount += Decimal(amount)
    paid.status = "refunded" if paid.refunded_amount == paid.amount else "partially_refunded"
    await session.flush()
    return row

"""A customer's statement: invoices, payments (every method) and refunds in date order, with the running
balance of their account — what they owe on account: `on_account` charges minus refunds of those charges.

Dates are the branch's local dates (an invoice's issue date; a payment's or refund's time in the branch's
time zone). Only branches the caller sees are listed; a customer who never bought in one is a 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import Date, cast, func, or_, select

from app.db.models import Branch, Customer, Invoice, Order, Payment, PaymentRefund
from app.invoices.schemas import StatementEntry, StatementOut, StatementTotals
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.lib.money import money

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser

ZERO = Decimal(0)
ON_ACCOUNT = "on_account"
# A pending tender has not happened; a voided one was taken back before anything followed from it.
COUNTED_STATUSES = ("captured", "partially_refunded", "refunded")
_KIND_ORDER = {"invoice": 0, "payment": 1, "refund": 2}


async def _branches(session: AsyncSession, customer_id: int, actor: SessionUser) -> list[int]:
    bought = select(Order.branch_id).where(Order.customer_id == customer_id)
    charged = select(Payment.branch_id).where(Payment.customer_id == customer_id)
    rows = (await session.scalars(bought.union(charged))).all()
    return sorted(b for b in rows if actor.can_see_branch(b))


async def customer_statement(  # noqa: PLR0912 - one pass over three sources, then one over the period
    session: AsyncSession,
    *,
    customer_id: int,
    date_from: dt.date | None,
    date_to: dt.date | None,
    actor: SessionUser,
) -> StatementOut:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise unprocessable("from", _("must not be after `to`"))
    customer = await session.get(Customer, customer_id)
    branches = await _branches(session, customer_id, actor) if customer is not None else []
    if customer is None or not branches:
        raise NotFoundException(detail=_("Customer not found"))

    exponent_rows = await session.execute(
        select(Branch.id, Branch.currency_exponent).where(Branch.id.in_(branches))
    )
    exponents: dict[int, int] = {row[0]: row[1] for row in exponent_rows}
    exponent = max(exponents.values())
    entries: list[StatementEntry] = []
    invoices = await session.execute(
        select(
            Invoice.issued_at,
            Invoice.issue_date,
            Invoice.branch_id,
            Invoice.order_id,
            Invoice.number_text,
            Invoice.total,
        ).where(
            Invoice.customer_id == customer_id, Invoice.kind == "invoice", Invoice.branch_id.in_(branches)
        )
    )
    dated: list[tuple[dt.date, StatementEntry]] = []
    for at, day, branch_id, order_id, number, total in invoices:
        dated.append((day, _entry(at, "invoice", branch_id, order_id, number, "invoice", total, ZERO, None)))

    local_day = cast(func.timezone(Branch.timezone, Payment.created_at), Date)
    customers_orders = select(Order.id).where(Order.customer_id == customer_id)
    payment_rows = await session.execute(
        select(Payment, local_day)
        .join(Branch, Branch.id == Payment.branch_id)
        .where(
            or_(Payment.customer_id == customer_id, Payment.order_id.in_(customers_orders)),
            Payment.branch_id.in_(branches),
            Payment.status.in_(COUNTED_STATUSES),
        )
    )
    payments = {}
    for payment, day in payment_rows:
        payments[payment.id] = payment
        charge = payment.amount if payment.method == ON_ACCOUNT else ZERO
        ref = payment.reference or str(payment.id)
        dated.append(
            (
                day,
                _entry(
                    payment.created_at,
                    "payment",
                    payment.branch_id,
                    payment.order_id,
                    ref,
                    payment.method,
                    payment.amount,
                    charge,
                    payment.status,
                ),
            )
        )
    if payments:
        refund_day = cast(func.timezone(Branch.timezone, PaymentRefund.created_at), Date)
        refund_rows = await session.execute(
            select(PaymentRefund, refund_day)
            .join(Branch, Branch.id == PaymentRefund.branch_id)
            .where(PaymentRefund.payment_id.in_(list(payments)))
        )
        for refund, day in refund_rows:
            method = payments[refund.payment_id].method
            change = -refund.amount if method == ON_ACCOUNT else ZERO
            dated.append(
                (
                    day,
                    _entry(
                        refund.created_at,
                        "refund",
                        refund.branch_id,
                        refund.order_id,
                        refund.reason,
                        method,
                        -refund.amount,
                        change,
                        None,
                    ),
                )
            )

    dated.sort(key=lambda pair: (pair[1].at, _KIND_ORDER[pair[1].kind], pair[1].reference))
    opening = ZERO
    balance = ZERO
    totals = StatementTotals(
        invoiced=ZERO, paid=ZERO, refunded=ZERO, on_account_charged=ZERO, on_account_refunded=ZERO
    )
    for day, entry in dated:
        if date_to is not None and day > date_to:
            continue
        balance += entry.account_change
        if date_from is not None and day < date_from:
            opening = balance
            continue
        entry.balance = money(balance, exponent)
        entry.amount = money(entry.amount, exponents[entry.branch_id])
        entry.account_change = money(entry.account_change, exponents[entry.branch_id])
        entries.append(entry)
        if entry.kind == "invoice":
            totals.invoiced += entry.amount
        elif entry.kind == "payment":
            totals.paid += entry.amount
            totals.on_account_charged += entry.account_change
        else:
            totals.refunded -= entry.amount
            totals.on_account_refunded -= entry.account_change
    for name in ("invoiced", "paid", "refunded", "on_account_charged", "on_account_refunded"):
        setattr(totals, name, money(getattr(totals, name), exponent))
    return StatementOut(
        customer_id=customer.id,
        customer_name=customer.name,
        date_from=date_from,
        date_to=date_to,
        credit_limit=money(customer.credit_limit, exponent),
        opening_balance=money(opening, exponent),
        closing_balance=money(balance, exponent),
        entries=entries,
        totals=totals,
    )


def _entry(  # noqa: PLR0917 - one positional row per entry keeps the three call sites readable
    at: dt.datetime,
    kind: str,
    branch_id: int,
    order_id: object,
    reference: str,
    method: str | None,
    amount: Decimal,
    account_change: Decimal,
    status: str | None,
) -> StatementEntry:
    assert isinstance(order_id, uuid.UUID)
    return StatementEntry(
        at=at,
        kind=kind,
        branch_id=branch_id,
        order_id=order_id,
        reference=reference,
        method=method,
        amount=amount,
        account_change=account_change,
        balance=ZERO,
        status=status,
    )

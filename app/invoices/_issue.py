"""Issuing an order's invoice: eligibility, snapshots, the number, the row, and its announcement.

Everything printed on an invoice is copied onto it here (seller, the seller's tax number valid on the issue
date, buyer, lines, tax per rate), so later edits to the branch, the customer or the catalog never change
an issued invoice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.db.models import (
    Branch,
    BranchTaxNumber,
    Customer,
    CustomerAddress,
    Invoice,
    Order,
    OrderLine,
)
from app.events import money as money_events
from app.invoices import _numbering
from app.lib import audit
from app.lib.money import money
from app.lib.redis import hget
from app.orders.hot import REMOVE_MARK, money_text, qty_text

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.db.session import Session
    from app.events import EventBus
    from app.lib.redis import Keys

log = logging.getLogger(__name__)

# An order is invoiced once fully paid, or once handed over on pay-later (delivered / completed).
FINAL_STATES = frozenset({"delivered", "completed"})
Outcome = Literal["issued", "exists", "missing", "not_due"]


class IssueResult(msgspec.Struct, kw_only=True):
    outcome: Outcome
    invoice_id: uuid.UUID | None = None
    number_text: str | None = None


async def seller_tax_number(session: AsyncSession, branch_id: int, on: dt.date) -> str | None:
    """The branch's tax number valid on `on`: the latest one that started on or before that date."""
    return await session.scalar(
        select(BranchTaxNumber.tax_number)
        .where(
            BranchTaxNumber.branch_id == branch_id,
            BranchTaxNumber.valid_from <= on,
            # A registration that ended before the date no longer names the seller.
            or_(BranchTaxNumber.valid_to.is_(None), BranchTaxNumber.valid_to >= on),
        )
        .order_by(BranchTaxNumber.valid_from.desc())
        .limit(1)
    )


def line_snapshots(lines: Sequence[OrderLine], exponent: int) -> list[dict[str, Any]]:
    return [
        _with_menu_depth(line, snapshot)
        for line, snapshot in zip(lines, _plain_snapshots(lines, exponent), strict=True)
    ]


def _with_menu_depth(line: OrderLine, snapshot: dict[str, Any]) -> dict[str, Any]:
    """A line's modifiers ("+ Bacon 12.00", "- no onion" with an en dash) and allergens, printed under it; only when it
    has some, so the snapshots of plain lines stay as they were."""
    if line.modifiers:
        snapshot["modifiers"] = [
            f"{REMOVE_MARK if m.get('kind') == 'remove' else '+'} {m.get('name')}"
            + (f" {m['price']}" if Decimal(str(m.get("price") or 0)) else "")
            for m in line.modifiers
        ]
    if line.allergens:
        snapshot["allergens"] = list(line.allergens)
    return snapshot


def _plain_snapshots(lines: Sequence[OrderLine], exponent: int) -> list[dict[str, Any]]:
    return [
        {
            "line_no": line.line_no,
            "parent_line_no": line.parent_line_no,
            "name": line.name,
            "qty": qty_text(line.qty),
            "unit": line.unit,
            "unit_price": money_text(line.unit_price, exponent),
            "tax_rate": str(line.tax_rate),
            "discount": money_text(line.discount, exponent),
            "discount_reason": line.discount_reason,
            "line_subtotal": money_text(line.line_subtotal, exponent),
            "line_tax": money_text(line.line_tax, exponent),
            "line_total": money_text(line.line_total, exponent),
        }
        for line in lines
    ]


def tax_breakdown(lines: Sequence[OrderLine], exponent: int) -> list[dict[str, str]]:
    """Taxable base and tax per rate, summed from the rounded line figures (so the rates add up to the
    order's subtotal and tax exactly); a rate carried only by zero-priced bundle components is left out."""
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        taxable, tax = by_rate.get(line.tax_rate, (Decimal(0), Decimal(0)))
        by_rate[line.tax_rate] = (taxable + line.line_subtotal, tax + line.line_tax)
    return [
        {"rate": str(rate), "taxable": money_text(taxable, exponent), "tax": money_text(tax, exponent)}
        for rate, (taxable, tax) in sorted(by_rate.items())
        if taxable or tax
    ]


async def _buyer(session: AsyncSession, order: Order) -> dict[str, str | None]:
    if order.customer_id is None:
        return {
            "buyer_name": None,
            "buyer_company_name": None,
            "buyer_tax_number": None,
            "buyer_address": None,
        }
    customer = await session.get(Customer, order.customer_id)
    assert customer is not None  # orders.customer_id is a RESTRICT foreign key
    address = await session.scalar(
        select(CustomerAddress.address).where(
            CustomerAddress.customer_id == customer.id, CustomerAddress.is_default
        )
    )
    return {
        "buyer_name": customer.name,
        "buyer_company_name": customer.company_name,
        "buyer_tax_number": customer.tax_number,
        # No default address in the book: the address the order was delivered to, if any.
        "buyer_address": address or order.delivery_address,
    }


async def _hot_state(redis: Redis, keys: Keys, order: Order) -> str:
    """The live state: PostgreSQL follows Redis within the persister's lag, and the job may run inside it."""
    raw = await hget(redis, keys.order(order.branch_id, str(order.id)), "state")
    return raw.decode() if raw else order.state


async def _original_of(session: AsyncSession, order_id: uuid.UUID) -> Invoice | None:
    return await session.scalar(
        select(Invoice).where(Invoice.order_id == order_id, Invoice.kind == "invoice")
    )


async def issue_for_order(
    session: Session,
    redis: Redis,
    keys: Keys,
    bus: EventBus,
    *,
    order_id: uuid.UUID,
    now: dt.datetime | None = None,
    actor: int | None = None,
) -> IssueResult:
    """Issue the order's original invoice if it is due and not issued yet; a no-op otherwise.

    One transaction: the order row lock (two issuers of one order queue here, the second then finds the
    invoice), the counter, the insert and the audit row. `invoice.issued` goes out after the commit."""
    order = await session.scalar(select(Order).where(Order.id == order_id).with_for_update(key_share=True))
    if order is None:
        await session.rollback()
        return IssueResult(outcome="missing")
    existing = await _original_of(session, order_id)
    if existing is not None:
        result = IssueResult(outcome="exists", invoice_id=existing.id, number_text=existing.number_text)
        await session.rollback()
        return result
    state = await _hot_state(redis, keys, order)
    due = state != "cancelled" and (order.payment_status == "paid" or state in FINAL_STATES)
    if not due:
        await session.rollback()
        return IssueResult(outcome="not_due")

    branch = await session.get(Branch, order.branch_id)
    assert branch is not None
    lines = list(
        (
            await session.scalars(
                select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
            )
        ).all()
    )
    exponent = branch.currency_exponent
    issued_at = now or dt.datetime.now(dt.UTC)
    issue_date = _numbering.local_date(issued_at, branch.timezone)
    year = _numbering.fiscal_year(issue_date, branch.fiscal_year_start_month)
    breakdown = tax_breakdown(lines, exponent)
    _check_sums(order, breakdown, exponent)
    buyer = await _buyer(session, order)
    tax_number = await seller_tax_number(session, branch.id, issue_date)
    series = branch.code
    number = await _numbering.take_number(session, branch_id=branch.id, series=series, year=year)
    invoice = Invoice(
        id=uuid.uuid4(),
        branch_id=branch.id,
        order_id=order.id,
        customer_id=order.customer_id,
        kind="invoice",
        series=series,
        fiscal_year=year,
        number=number,
        number_text=_numbering.number_text(series, year, number),
        issue_date=issue_date,
        issued_at=issued_at,
        seller_name=branch.name,
        seller_address=branch.address,
        seller_tax_number=tax_number,
        currency=branch.currency,
        currency_exponent=exponent,
        prices_include_tax=branch.prices_include_tax,
        subtotal=money(order.subtotal, exponent),
        discount=money(sum((line.discount for line in lines), Decimal(0)), exponent),
        tax_total=money(order.tax_total, exponent),
        delivery_charge=money(order.delivery_charge, exponent),
        total=money(order.total, exponent),
        lines=line_snapshots(lines, exponent),
        tax_breakdown=breakdown,
        created_by=actor,
        **buyer,
    )
    session.add(invoice)
    audit.record(
        session,
        action="invoice.issued",
        entity_type="invoice",
        entity_id=invoice.id,
        actor_user_id=actor,
        branch_id=branch.id,
        data={"order_id": str(order.id), "number": invoice.number_text, "total": str(invoice.total)},
    )
    announce(bus, session, invoice)
    try:
        await session.commit()
    except IntegrityError:
        # The partial unique index on originals: another issuer got there first (e.g. one that did not
        # take the order lock). Our rollback gives the number back, so the series keeps no gap.
        await session.rollback()
        winner = await _original_of(session, order_id)
        if winner is None:
            raise
        return IssueResult(outcome="exists", invoice_id=winner.id, number_text=winner.number_text)
    return IssueResult(outcome="issued", invoice_id=invoice.id, number_text=invoice.number_text)


def _check_sums(order: Order, breakdown: list[dict[str, str]], exponent: int) -> None:
    taxable = sum((Decimal(row["taxable"]) for row in breakdown), Decimal(0))
    tax = sum((Decimal(row["tax"]) for row in breakdown), Decimal(0))
    if taxable != money(order.subtotal, exponent) or tax != money(order.tax_total, exponent):
        # The order's figures are sums of these same lines; a mismatch is a pricing bug to look at, but
        # the invoice still states the order's own totals.
        log.error(
            "invoice tax breakdown does not add up to the order",
            extra={"order_id": str(order.id), "taxable": str(taxable), "tax": str(tax)},
        )


def announce(bus: EventBus, session: Session, invoice: Invoice) -> None:
    """`invoice.issued` on the branch stream, once the invoice is committed."""
    bus.on_commit(
        session,
        invoice.branch_id,
        money_events.INVOICE_ISSUED,
        money_events.InvoiceIssued(
            order_id=str(invoice.order_id),
            invoice_id=str(invoice.id),
            number=invoice.number_text,
            total=money_text(invoice.total, invoice.currency_exponent),
            kind=invoice.kind,
            amends=None if invoice.amends_id is None else str(invoice.amends_id),
        ),
        order_id=str(invoice.order_id),
    )

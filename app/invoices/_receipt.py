"""What a receipt prints, built once from an invoice (or, for a pro-forma, from the order) and rendered
twice: as HTML for a browser's print dialog and as ESC/POS bytes for a thermal printer."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import select

from app.db.models import Branch, Customer, Invoice, Order, OrderLine, Payment, PaymentRefund
from app.invoices._issue import line_snapshots, seller_tax_number, tax_breakdown
from app.lib.i18n import _
from app.lib.money import money
from app.menu.labels import ALLERGENS_LINE, allergen_name
from app.orders.ref import order_ref

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser

# Lazy texts: their plain value is the English, and a receipt renders them in its own language(s).
PROFORMA_NOTICE = _("PRO-FORMA — not an invoice")
INVOICE_TITLE = _("Invoice")
AMENDMENT_TITLE = _("Invoice amendment")
METHOD_LABELS = {
    "cash": _("Cash"),
    "card": _("Card"),
    "wallet": _("Wallet"),
    "bank_transfer": _("Bank transfer"),
    "on_account": _("On account"),
    "cash_on_delivery": _("Cash on delivery"),
}
# How the base units read on a receipt in its language (a shop's own unit codes print as they are).
UNIT_WORDS = {"piece": _("piece"), "kg": _("kg"), "package": _("package")}
# Tenders that count on a receipt: a voided one never happened, a pending one has not happened yet.
SHOWN_STATUSES = ("captured", "partially_refunded", "refunded")


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    name: str
    qty: str
    unit: str
    amount: str
    # A bundle's component, printed indented under its bundle.
    component: bool
    discount: str | None
    discount_reason: str | None
    # Menu depth: modifiers as printed under the line; the allergens' names (lazy texts, rendered in the
    # receipt's language) and the line that lists them.
    modifiers: tuple[str, ...] = ()
    allergens: tuple[str, ...] = ()
    allergens_label: str = ALLERGENS_LINE


@dataclass(frozen=True, slots=True)
class ReceiptPayment:
    method: str
    amount: str
    reference: str | None
    tendered: str | None
    change: str | None
    rounding: str | None
    refunded: str | None
    status: str


@dataclass(slots=True)
class ReceiptDoc:
    proforma: bool
    title: str
    seller_name: str
    seller_address: str
    seller_tax_number: str | None
    number: str | None
    amends: str | None
    amendment_reason: str | None
    date: str
    currency: str
    prices_include_tax: bool
    buyer: list[str]
    lines: list[ReceiptLine]
    subtotal: str
    discount: str | None
    taxes: list[tuple[str, str, str]]  # (rate, taxable, tax)
    tax_total: str
    delivery_charge: str | None
    total: str
    payments: list[ReceiptPayment] = field(default_factory=list)
    paid: str | None = None
    rounding: str | None = None
    change: str | None = None
    balance: str | None = None
    # The order's one reference (#42, app/orders/ref.py), as the screens and the TV show it.
    order_ref: str = ""
    # The order's queue token (counter, pickup, dine-in): the number the customer is called by.
    token: int | None = None
    # The branch's language: the receipt's unless the request asks for others (`?lang=ar,en`).
    language: str = "en"
    # The branch's own lines above the items and below the totals (opening hours, a return policy), as
    # the manager typed them in /admin/branches: the shop's words, printed as they are in any language.
    header_lines: tuple[str, ...] = ()
    footer_lines: tuple[str, ...] = ()


def _lines(snapshots: list[dict[str, Any]], *, prices_include_tax: bool) -> list[ReceiptLine]:
    out = []
    for line in snapshots:
        amount = line["line_total"] if prices_include_tax else line["line_subtotal"]
        discount = line.get("discount") or "0"
        out.append(
            ReceiptLine(
                name=line["name"],
                qty=line["qty"],
                unit=line["unit"],
                amount=amount,
                component=line.get("parent_line_no") is not None,
                discount=discount if Decimal(discount) else None,
                discount_reason=line.get("discount_reason"),
                modifiers=tuple(line.get("modifiers") or ()),
                allergens=tuple(allergen_name(code) for code in line.get("allergens") or ()),
            )
        )
    return out


def _buyer(name: str | None, company: str | None, tax_number: str | None, address: str | None) -> list[str]:
    rows = [
        company,
        name if name != company else None,
        _("Tax no. %(number)s", number=tax_number) if tax_number else None,
        address,
    ]
    return [row for row in rows if row]


async def _payments(session: AsyncSession, doc: ReceiptDoc, order_id: uuid.UUID, exponent: int) -> None:
    """Tenders from the `payments` table, with change and cash rounding (issue 5)."""
    payments = (
        await session.scalars(
            select(Payment)
            .where(Payment.order_id == order_id, Payment.status.in_(SHOWN_STATUSES))
            .order_by(Payment.created_at, Payment.id)
        )
    ).all()
    zero = Decimal(0)
    refunds: dict[uuid.UUID, Decimal] = {}
    for refund in (
        await session.scalars(select(PaymentRefund).where(PaymentRefund.order_id == order_id))
    ).all():
        refunds[refund.payment_id] = refunds.get(refund.payment_id, zero) + refund.amount
    paid = rounding = change = zero
    for p in payments:
        paid += p.amount
        rounding += p.rounding
        change += p.change_due or zero
        refunded = refunds.get(p.id, zero)
        doc.payments.append(
            ReceiptPayment(
                method=METHOD_LABELS.get(p.method, p.method),
                amount=str(money(p.amount, exponent)),
                reference=p.reference,
                tendered=None if p.tendered is None else str(money(p.tendered, exponent)),
                change=str(money(p.change_due, exponent)) if p.change_due else None,
                rounding=_signed(p.rounding, exponent) if p.rounding else None,
                refunded=str(money(refunded, exponent)) if refunded else None,
                status=p.status,
            )
        )
    if payments:
        doc.paid = str(money(paid, exponent))
        doc.rounding = _signed(rounding, exponent) if rounding else None
        doc.change = str(money(change, exponent)) if change else None
        due = money(Decimal(doc.total) - paid, exponent)
        doc.balance = str(due) if due > 0 else None


def _signed(value: Decimal, exponent: int) -> str:
    text = str(money(value, exponent))
    return text if value < 0 else f"+{text}"


def shop_lines(value: str) -> tuple[str, ...]:
    """The branch's receipt header or footer as printed rows: its own line breaks, blank rows dropped."""
    return tuple(row.strip() for row in value.splitlines() if row.strip())


def _local(at: dt.datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


async def invoice_receipt(session: AsyncSession, invoice: Invoice) -> ReceiptDoc:
    branch = await session.get(Branch, invoice.branch_id)
    assert branch is not None
    exponent = invoice.currency_exponent
    amends = None
    if invoice.amends_id is not None:
        amends = await session.scalar(select(Invoice.number_text).where(Invoice.id == invoice.amends_id))
    token = await session.scalar(select(Order.token).where(Order.id == invoice.order_id))
    doc = ReceiptDoc(
        proforma=False,
        title=AMENDMENT_TITLE if invoice.kind == "amendment" else INVOICE_TITLE,
        seller_name=invoice.seller_name,
        seller_address=invoice.seller_address,
        seller_tax_number=invoice.seller_tax_number,
        number=invoice.number_text,
        amends=amends,
        amendment_reason=invoice.amendment_reason,
        date=_local(invoice.issued_at, branch.timezone),
        currency=invoice.currency,
        prices_include_tax=invoice.prices_include_tax,
        buyer=_buyer(
            invoice.buyer_name, invoice.buyer_company_name, invoice.buyer_tax_number, invoice.buyer_address
        ),
        lines=_lines(invoice.lines, prices_include_tax=invoice.prices_include_tax),
        subtotal=str(money(invoice.subtotal, exponent)),
        discount=str(money(invoice.discount, exponent)) if invoice.discount else None,
        taxes=[(row["rate"], row["taxable"], row["tax"]) for row in invoice.tax_breakdown],
        tax_total=str(money(invoice.tax_total, exponent)),
        delivery_charge=str(money(invoice.delivery_charge, exponent)) if invoice.delivery_charge else None,
        total=str(money(invoice.total, exponent)),
        order_ref=order_ref(token, invoice.order_id),
        token=token,
        language=branch.language,
        header_lines=shop_lines(branch.receipt_header),
        footer_lines=shop_lines(branch.receipt_footer),
    )
    await _payments(session, doc, invoice.order_id, exponent)
    return doc


async def proforma_receipt(session: AsyncSession, order_id: uuid.UUID, actor: SessionUser) -> ReceiptDoc:
    """The order as it would be invoiced now, clearly marked as no invoice (no number, nothing stored)."""
    order = await session.get(Order, order_id)
    if order is None or not actor.can_see_branch(order.branch_id):
        raise NotFoundException(detail=_("Order not found"))
    branch = await session.get(Branch, order.branch_id)
    assert branch is not None
    exponent = branch.currency_exponent
    lines = list(
        (
            await session.scalars(
                select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
            )
        ).all()
    )
    customer = await session.get(Customer, order.customer_id) if order.customer_id is not None else None
    discount = money(sum((line.discount for line in lines), Decimal(0)), exponent)
    now = dt.datetime.now(dt.UTC)
    doc = ReceiptDoc(
        proforma=True,
        title=PROFORMA_NOTICE,
        seller_name=branch.name,
        seller_address=branch.address,
        seller_tax_number=await seller_tax_number(
            session, branch.id, now.astimezone(ZoneInfo(branch.timezone)).date()
        ),
        number=None,
        amends=None,
        amendment_reason=None,
        date=_local(now, branch.timezone),
        currency=branch.currency,
        prices_include_tax=branch.prices_include_tax,
        buyer=_buyer(
            customer.name if customer else None,
            customer.company_name if customer else None,
            customer.tax_number if customer else None,
            order.delivery_address,
        ),
        lines=_lines(line_snapshots(lines, exponent), prices_include_tax=branch.prices_include_tax),
        subtotal=str(money(order.subtotal, exponent)),
        discount=str(discount) if discount else None,
        taxes=[(row["rate"], row["taxable"], row["tax"]) for row in tax_breakdown(lines, exponent)],
        tax_total=str(money(order.tax_total, exponent)),
        delivery_charge=str(money(order.delivery_charge, exponent)) if order.delivery_charge else None,
        total=str(money(order.total, exponent)),
        order_ref=order_ref(order.token, order.id),
        token=order.token,
        language=branch.language,
        header_lines=shop_lines(branch.receipt_header),
        footer_lines=shop_lines(branch.receipt_footer),
    )
    await _payments(session, doc, order.id, exponent)
    return doc

"""Invoices: reading them, amending the buyer's details, and (re-exported) issuing an order's invoice."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Self

from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.guards import found_in_branch
from app.db.models import Branch, Invoice, Order
from app.invoices import _numbering
from app.invoices._issue import IssueResult, announce, issue_for_order, seller_tax_number
from app.invoices.schemas import AmendmentIn, InvoiceLineOut, InvoiceList, InvoiceOut, TaxRateOut
from app.lib import audit
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _
from app.lib.money import money

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.events import EventBus
    from app.lib.deps import Scope
    from app.lib.redis import Keys

__all__ = ["InvoiceService", "IssueResult", "invoice_out", "issue_for_order"]

# What an amendment may change (issue 5): the buyer's company name and tax number; nothing else.
AMENDABLE = ("buyer_company_name", "buyer_tax_number")


def invoice_out(invoice: Invoice, amendments: list[uuid.UUID] | None = None) -> InvoiceOut:
    exponent = invoice.currency_exponent
    return InvoiceOut(
        id=invoice.id,
        kind=invoice.kind,
        amends_id=invoice.amends_id,
        amendment_reason=invoice.amendment_reason,
        order_id=invoice.order_id,
        branch_id=invoice.branch_id,
        customer_id=invoice.customer_id,
        series=invoice.series,
        fiscal_year=invoice.fiscal_year,
        number=invoice.number,
        number_text=invoice.number_text,
        issue_date=invoice.issue_date,
        issued_at=invoice.issued_at,
        seller_name=invoice.seller_name,
        seller_address=invoice.seller_address,
        seller_tax_number=invoice.seller_tax_number,
        buyer_name=invoice.buyer_name,
        buyer_company_name=invoice.buyer_company_name,
        buyer_tax_number=invoice.buyer_tax_number,
        buyer_address=invoice.buyer_address,
        currency=invoice.currency,
        prices_include_tax=invoice.prices_include_tax,
        subtotal=money(invoice.subtotal, exponent),
        discount=money(invoice.discount, exponent),
        tax_total=money(invoice.tax_total, exponent),
        delivery_charge=money(invoice.delivery_charge, exponent),
        total=money(invoice.total, exponent),
        lines=[InvoiceLineOut(**line) for line in invoice.lines],
        tax_breakdown=[TaxRateOut(**row) for row in invoice.tax_breakdown],
        amendments=amendments or [],
    )


class InvoiceService:
    def __init__(
        self,
        *,
        session: Session,
        redis: Redis,
        keys: Keys,
        bus: EventBus,
    ) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.bus = bus

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(session=scope.session, redis=scope.redis, keys=scope.keys, bus=scope.bus)

    # ------------------------------------------------------------------ reads

    async def visible(self, invoice_id: uuid.UUID, actor: SessionUser) -> Invoice:
        invoice = await self.session.get(Invoice, invoice_id)
        return found_in_branch(invoice, lambda i: i.branch_id, actor, what="Invoice")

    async def get(self, *, invoice_id: uuid.UUID, actor: SessionUser) -> InvoiceOut:
        invoice = await self.visible(invoice_id, actor)
        return invoice_out(invoice, await self._amendment_ids(invoice))

    async def for_order(self, *, order_id: uuid.UUID, actor: SessionUser) -> InvoiceList:
        """The order's original invoice and its amendments, in the order they were issued."""
        branch_id = await self.session.scalar(select(Order.branch_id).where(Order.id == order_id))
        if branch_id is None or not actor.can_see_branch(branch_id):
            raise NotFoundException(detail=_("Order not found"))
        rows = list(
            (
                await self.session.scalars(
                    select(Invoice)
                    .where(Invoice.order_id == order_id)
                    .order_by(Invoice.issued_at, Invoice.kind.desc(), Invoice.number)
                )
            ).all()
        )
        amendments = [row.id for row in rows if row.kind == "amendment"]
        return InvoiceList(
            items=[invoice_out(row, amendments if row.kind == "invoice" else None) for row in rows]
        )

    async def _amendment_ids(self, invoice: Invoice) -> list[uuid.UUID]:
        if invoice.kind != "invoice":
            return []
        return list(
            (
                await self.session.scalars(
                    select(Invoice.id)
                    .where(Invoice.amends_id == invoice.id)
                    .order_by(Invoice.issued_at, Invoice.number)
                )
            ).all()
        )

    # ------------------------------------------------------------------ amendments

    async def amend(
        self,
        *,
        invoice_id: uuid.UUID,
        request: AmendmentIn,
        actor: SessionUser,
        now: dt.datetime | None = None,
    ) -> tuple[InvoiceOut, bool]:
        """Issue an amendment with new buyer details; the original is never touched. Amending an amendment
        amends the original (each amendment states the buyer details in full as of its date)."""
        target = await self.visible(invoice_id, actor)
        original_id = target.amends_id or target.id
        reason = request.reason.strip()
        if not reason:
            raise unprocessable("reason", _("say why the invoice is amended"))
        if request.buyer_company_name is None and request.buyer_tax_number is None:
            raise unprocessable("buyer_company_name", _("give buyer_company_name or buyer_tax_number"))
        # Amendments of one invoice queue here, so "what is current" cannot change under us. FOR SHARE:
        # the original row is only read, never updated.
        original = (
            await self.session.scalars(
                select(Invoice)
                .where(Invoice.id == original_id)
                .with_for_update(read=True)
                .execution_options(populate_existing=True)
            )
        ).one()
        if request.id is not None:
            replay = await self._replay(request, original)
            if replay is not None:
                await self.session.rollback()
                return replay, False
        current = (
            await self.session.scalar(
                select(Invoice)
                .where(Invoice.amends_id == original.id)
                .order_by(Invoice.issued_at.desc(), Invoice.number.desc())
                .limit(1)
            )
            or original
        )
        company = _cleared(request.buyer_company_name, current.buyer_company_name)
        tax_number = _cleared(request.buyer_tax_number, current.buyer_tax_number)
        if (company, tax_number) == (current.buyer_company_name, current.buyer_tax_number):
            field = "buyer_company_name" if request.buyer_company_name is not None else "buyer_tax_number"
            refusal = unprocessable(
                field,
                _(
                    "nothing changes: invoice %(number_text)s already says so",
                    number_text=current.number_text,
                ),
            )
            await self.session.rollback()
            raise refusal
        branch = await self.session.get(Branch, original.branch_id)
        assert branch is not None
        issued_at = now or dt.datetime.now(dt.UTC)
        issue_date = _numbering.local_date(issued_at, branch.timezone)
        year = _numbering.fiscal_year(issue_date, branch.fiscal_year_start_month)
        series = f"{branch.code}{_numbering.AMENDMENT_SUFFIX}"
        number = await _numbering.take_number(self.session, branch_id=branch.id, series=series, year=year)
        amendment = Invoice(
            id=request.id or uuid.uuid4(),
            branch_id=original.branch_id,
            order_id=original.order_id,
            customer_id=original.customer_id,
            kind="amendment",
            amends_id=original.id,
            amendment_reason=reason,
            series=series,
            fiscal_year=year,
            number=number,
            number_text=_numbering.number_text(series, year, number),
            issue_date=issue_date,
            issued_at=issued_at,
            seller_name=original.seller_name,
            seller_address=original.seller_address,
            # The amendment is a document of its own date: the seller's number valid then.
            seller_tax_number=await seller_tax_number(self.session, branch.id, issue_date),
            buyer_name=current.buyer_name,
            buyer_company_name=company,
            buyer_tax_number=tax_number,
            buyer_address=current.buyer_address,
            currency=original.currency,
            currency_exponent=original.currency_exponent,
            prices_include_tax=original.prices_include_tax,
            subtotal=original.subtotal,
            discount=original.discount,
            tax_total=original.tax_total,
            delivery_charge=original.delivery_charge,
            total=original.total,
            lines=original.lines,
            tax_breakdown=original.tax_breakdown,
            created_by=actor.user_id,
        )
        self.session.add(amendment)
        audit.change(
            self.session,
            action="invoice.amended",
            entity_type="invoice",
            entity_id=amendment.id,
            actor_user_id=actor.user_id,
            branch_id=original.branch_id,
            before={f: getattr(current, f) for f in AMENDABLE},
            after={"buyer_company_name": company, "buyer_tax_number": tax_number},
            amends=str(original.id),
            number=amendment.number_text,
            reason=reason,
        )
        announce(self.bus, self.session, amendment)
        try:
            await self.session.commit()
        except IntegrityError:
            # The same client id raced itself past the check above; the winner's row answers.
            await self.session.rollback()
            if request.id is not None:
                replay = await self._replay(request, original)
                if replay is not None:
                    return replay, False
            raise
        return invoice_out(amendment), True

    async def _replay(self, request: AmendmentIn, original: Invoice) -> InvoiceOut | None:
        assert request.id is not None
        made = await self.session.get(Invoice, request.id, populate_existing=True)
        if made is None:
            return None
        same = (
            made.amends_id == original.id
            and made.amendment_reason == request.reason.strip()
            and all(
                getattr(request, f) is None or (getattr(request, f).strip() or None) == getattr(made, f)
                for f in AMENDABLE
            )
        )
        if not same:
            raise conflict(_("id: this id was used for a different request"), field="id")
        return invoice_out(made)


def _cleared(requested: str | None, current: str | None) -> str | None:
    """None keeps the current value; an empty string clears it."""
    if requested is None:
        return current
    return requested.strip() or None

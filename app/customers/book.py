"""The customer book of the back office: list with balances and last orders, the whole record, edits, merging
duplicates, and deleting (anonymising whoever has orders, invoices or payments: those records must keep
pointing at someone, but not at a person).

Every change is audited with the record before and after, in the change's own transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from litestar.exceptions import NotFoundException
from sqlalchemy import delete, func, or_, select, tuple_, update
from sqlalchemy.orm import selectinload

from app.customers.book_schemas import (
    CustomerEdit,
    CustomerRecord,
    CustomerRow,
    CustomerRows,
    DeleteOut,
    DuplicateGroup,
    OrderBrief,
)
from app.customers.phones import phone_search_digits, try_e164
from app.customers.services import CustomerService, contacts_out, international, phone_region
from app.db.models import (
    Customer,
    CustomerAddress,
    CustomerPhone,
    CustomerPrice,
    Invoice,
    Order,
    Payment,
    PaymentRefund,
)
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _
from app.lib.money import places
from app.lib.params import MAX_PAGE_SIZE, PageRequest, count_rows, search_text

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select

    from app.auth.sessions import SessionUser

ON_ACCOUNT = "on_account"
COUNTED = ("captured", "partially_refunded", "refunded")
MAX_CREDIT = Decimal(10) ** 9
ANONYMOUS = "Deleted customer"


def _balances() -> Select[Any]:
    """(customer id, balance) for every customer with an account movement."""
    owner = func.coalesce(Payment.customer_id, Order.customer_id)
    charges = (
        select(owner.label("customer_id"), Payment.id.label("payment_id"), Payment.amount.label("amount"))
        .outerjoin(Order, Order.id == Payment.order_id)
        .where(Payment.method == ON_ACCOUNT, Payment.status.in_(COUNTED))
        .subquery()
    )
    refunds = (
        select(PaymentRefund.payment_id, func.sum(PaymentRefund.amount).label("refunded"))
        .group_by(PaymentRefund.payment_id)
        .subquery()
    )
    return (
        select(
            charges.c.customer_id,
            func.sum(charges.c.amount - func.coalesce(refunds.c.refunded, 0)).label("balance"),
        )
        .outerjoin(refunds, refunds.c.payment_id == charges.c.payment_id)
        .where(charges.c.customer_id.is_not(None))
        .group_by(charges.c.customer_id)
    )


class CustomerBook(ScopedService):
    async def rows(
        self,
        *,
        user: SessionUser,
        q: str | None,
        branch_id: int | None,
        owing: bool | None,
        over_limit: bool | None,
        ordered_since: dt.date | None,
        not_ordered_since: dt.date | None,
        page: PageRequest,
    ) -> CustomerRows:
        balances = _balances().subquery()
        orders = (
            select(
                Order.customer_id,
                func.count().label("orders"),
                func.max(Order.created_at).label("last_order_at"),
            )
            .where(Order.customer_id.is_not(None))
            .group_by(Order.customer_id)
            .subquery()
        )
        balance = func.coalesce(balances.c.balance, 0)
        filters: list[ColumnElement[bool]] = [Customer.anonymised_at.is_(None)]
        text = search_text(q, key="q")
        if text is not None:
            matches: list[ColumnElement[bool]] = [
                Customer.name.icontains(text, autoescape=True),
                Customer.company_name.icontains(text, autoescape=True),
                Customer.email.icontains(text, autoescape=True),
            ]
            digits = phone_search_digits(text)
            if digits is not None:
                matches.append(
                    Customer.id.in_(
                        select(CustomerPhone.customer_id).where(CustomerPhone.phone.contains(digits))
                    )
                )
            filters.append(or_(*matches))
        if branch_id is not None:
            if not user.can_see_branch(branch_id):
                raise NotFoundException(detail=_("Branch not found"))
            filters.append(
                or_(
                    Customer.home_branch_id == branch_id,
                    Customer.id.in_(select(Order.customer_id).where(Order.branch_id == branch_id)),
                )
            )
        if owing is not None:
            filters.append(balance > 0 if owing else balance <= 0)
        if over_limit:
            filters.append(balance > Customer.credit_limit)
        if ordered_since is not None:
            filters.append(orders.c.last_order_at >= ordered_since)
        if not_ordered_since is not None:
            filters.append(or_(orders.c.last_order_at.is_(None), orders.c.last_order_at < not_ordered_since))
        base = (
            select(Customer.id)
            .outerjoin(balances, balances.c.customer_id == Customer.id)
            .outerjoin(orders, orders.c.customer_id == Customer.id)
            .where(*filters)
        )
        total = await count_rows(self.session, base)
        items: list[CustomerRow] = []
        if page.offset < total:
            primary = (
                select(CustomerPhone.phone)
                .where(CustomerPhone.customer_id == Customer.id, CustomerPhone.is_primary.is_(True))
                .limit(1)
                .scalar_subquery()
            )
            stmt = (
                select(Customer, primary, balance, orders.c.orders, orders.c.last_order_at)
                .outerjoin(balances, balances.c.customer_id == Customer.id)
                .outerjoin(orders, orders.c.customer_id == Customer.id)
                .where(*filters)
                .order_by(Customer.name, Customer.id)
                .limit(page.page_size)
                .offset(page.offset)
            )
            for customer, phone, owed, count, last in await self.session.execute(stmt):
                items.append(_row(customer, phone, owed, count, last))
        return CustomerRows(items=items, page=page.page, page_size=page.page_size, total=total)

    async def record(self, customer_id: int) -> CustomerRecord:
        customer = await self._customer(customer_id, lock=False)
        sub = _balances().subquery()
        owed = await self.session.scalar(select(sub.c.balance).where(sub.c.customer_id == customer_id))
        orders = await count_rows(self.session, select(Order.id).where(Order.customer_id == customer_id))
        last = await self.session.scalars(
            select(Order).where(Order.customer_id == customer_id).order_by(Order.created_at.desc()).limit(20)
        )
        phones, addresses = contacts_out(customer)
        return CustomerRecord(
            id=customer.id,
            name=customer.name,
            company_name=customer.company_name,
            tax_number=customer.tax_number,
            email=customer.email,
            note=customer.note,
            credit_limit=_two(customer.credit_limit),
            balance=_two(owed or Decimal(0)),
            home_branch_id=customer.home_branch_id,
            phones=phones,
            addresses=addresses,
            orders=orders,
            last_orders=[
                OrderBrief(
                    id=o.id,
                    branch_id=o.branch_id,
                    token=o.token,
                    channel=o.channel,
                    state=o.state,
                    total=_two(o.total),
                    created_at=o.created_at,
                )
                for o in last
            ],
            statement_url=f"/api/v1/customers/{customer.id}/statement",
            created_at=customer.created_at,
        )

    async def create(self, *, data: CustomerEdit, actor: SessionUser) -> CustomerRecord:
        _check_credit(data.credit_limit)
        made = await CustomerService(self.session).create(data=data, actor=actor)
        customer = await self._customer(made.id, lock=True)
        if data.credit_limit or data.note:
            before = _snapshot(customer)
            customer.credit_limit = data.credit_limit
            customer.note = data.note.strip()
            self._audit("customer.update", customer.id, actor, before=before, after=_snapshot(customer))
            await self.session.commit()
        return await self.record(made.id)

    async def edit(self, *, customer_id: int, data: CustomerEdit, actor: SessionUser) -> CustomerRecord:
        _check_credit(data.credit_limit)
        customer = await self._customer(customer_id, lock=True)
        before = _snapshot(customer)
        region = await phone_region(self.session, actor, data.branch_id or customer.home_branch_id)
        phones = international(data.phones, region)
        taken = dict(
            (
                await self.session.execute(
                    select(CustomerPhone.phone, CustomerPhone.customer_id).where(
                        CustomerPhone.phone.in_(phones), CustomerPhone.customer_id != customer.id
                    )
                )
            ).all()
        )
        for i, phone in enumerate(phones):
            if phone in taken:
                raise conflict(
                    _(
                        "phones[%(index)s]: %(phone)s already belongs to customer %(customer)s; merge them instead",
                        index=i,
                        phone=phone,
                        customer=taken[phone],
                    ),
                    field=f"phones[{i}]",
                    customer_id=taken[phone],
                )
        await CustomerService(self.session)._check_territories(data)
        customer.name = data.name
        customer.company_name = data.company_name
        customer.tax_number = data.tax_number
        customer.email = data.email
        customer.credit_limit = data.credit_limit
        customer.note = data.note.strip()
        if data.branch_id is not None:
            customer.home_branch_id = data.branch_id
        await self.session.execute(delete(CustomerPhone).where(CustomerPhone.customer_id == customer.id))
        await self.session.execute(delete(CustomerAddress).where(CustomerAddress.customer_id == customer.id))
        default = next((i for i, a in enumerate(data.addresses) if a.is_default), 0)
        self.session.add_all(
            CustomerPhone(customer_id=customer.id, phone=p, is_primary=i == 0) for i, p in enumerate(phones)
        )
        self.session.add_all(
            CustomerAddress(
                customer_id=customer.id,
                label=a.label,
                address=a.address,
                territory_id=a.territory_id,
                is_default=i == default,
            )
            for i, a in enumerate(data.addresses)
        )
        await self.session.flush()
        self.session.expire(customer, ["phones", "addresses"])
        customer = await self._customer(customer_id, lock=False)
        self._audit("customer.update", customer.id, actor, before=before, after=_snapshot(customer))
        await self.session.commit()
        return await self.record(customer_id)

    async def merge(self, *, into_id: int, source_id: int, actor: SessionUser) -> CustomerRecord:
        if into_id == source_id:
            raise unprocessable("source_id", _("a customer cannot be merged into themselves"))
        # Both locked in id order, so two managers merging the same pair the other way round cannot deadlock.
        first, second = sorted((into_id, source_id))
        locked = {
            c.id: c for c in [await self._customer(first, lock=True), await self._customer(second, lock=True)]
        }
        into, source = locked[into_id], locked[source_id]
        before = {"into": _snapshot(into), "source": _snapshot(source)}
        moved: dict[str, int] = {}
        for model in (Order, Invoice, Payment):
            result = await self.session.execute(
                update(model).where(model.customer_id == source.id).values(customer_id=into.id)
            )
            moved[model.__tablename__] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        # Negotiated prices: the target's own rate wins where both have one.
        await self.session.execute(
            delete(CustomerPrice).where(
                CustomerPrice.customer_id == source.id,
                tuple_(CustomerPrice.product_id, CustomerPrice.unit).in_(
                    select(CustomerPrice.product_id, CustomerPrice.unit).where(
                        CustomerPrice.customer_id == into.id
                    )
                ),
            )
        )
        await self.session.execute(
            update(CustomerPrice).where(CustomerPrice.customer_id == source.id).values(customer_id=into.id)
        )
        await self.session.execute(
            update(CustomerPhone)
            .where(CustomerPhone.customer_id == source.id)
            .values(customer_id=into.id, is_primary=False)
        )
        await self.session.execute(
            update(CustomerAddress)
            .where(CustomerAddress.customer_id == source.id)
            .values(customer_id=into.id, is_default=False)
        )
        into.company_name = into.company_name or source.company_name
        into.tax_number = into.tax_number or source.tax_number
        into.email = into.email or source.email
        into.credit_limit = max(into.credit_limit, source.credit_limit)
        into.home_branch_id = into.home_branch_id or source.home_branch_id
        if source.note and source.note not in into.note:
            into.note = f"{into.note}\n{source.note}".strip()
        await self.session.flush()
        self.session.expunge(source)
        await self.session.execute(delete(Customer).where(Customer.id == source_id))
        self.session.expire(into, ["phones", "addresses"])
        after = _snapshot(await self._customer(into_id, lock=False))
        self._audit(
            "customer.merge",
            into.id,
            actor,
            before=before,
            after=after | {"merged": source_id, "moved": moved},
        )
        await self.session.commit()
        return await self.record(into_id)

    async def delete(self, *, customer_id: int, actor: SessionUser) -> DeleteOut:
        customer = await self._customer(customer_id, lock=True)
        before = _snapshot(customer)
        referenced = False
        for model in (Order, Invoice, Payment):
            if (
                await self.session.scalar(select(model.id).where(model.customer_id == customer.id).limit(1))
                is not None
            ):
                referenced = True
                break
        if not referenced:
            self._audit("customer.delete", customer.id, actor, before=before, after=None)
            await self.session.delete(customer)
            await self.session.commit()
            return DeleteOut(id=customer_id, outcome="deleted")
        await self.session.execute(delete(CustomerPhone).where(CustomerPhone.customer_id == customer.id))
        await self.session.execute(delete(CustomerAddress).where(CustomerAddress.customer_id == customer.id))
        await self.session.execute(delete(CustomerPrice).where(CustomerPrice.customer_id == customer.id))
        customer.name = f"{ANONYMOUS} {customer.id}"
        customer.company_name = customer.tax_number = customer.email = None
        customer.note = ""
        customer.credit_limit = Decimal(0)
        customer.anonymised_at = dt.datetime.now(dt.UTC)
        # The audit keeps that it happened and to which record, not who the person was.
        self._audit(
            "customer.anonymise",
            customer.id,
            actor,
            before={"id": customer.id},
            after={"anonymised": True},
        )
        await self.session.commit()
        return DeleteOut(id=customer_id, outcome="anonymised")

    async def duplicates(self, *, user: SessionUser) -> list[DuplicateGroup]:
        """Customers whose phones are one number when read the international way (numbers kept as typed
        before the phone rules, or typed locally in one branch and internationally in another)."""
        region = await phone_region(self.session, user)
        groups: dict[str, set[int]] = {}
        rows = await self.session.execute(
            select(CustomerPhone.phone, CustomerPhone.customer_id)
            .join(Customer, Customer.id == CustomerPhone.customer_id)
            .where(Customer.anonymised_at.is_(None))
        )
        for phone, customer_id in rows:
            key = try_e164(phone, region) or phone
            groups.setdefault(key, set()).add(customer_id)
        wanted = {k: ids for k, ids in groups.items() if len(ids) > 1}
        if not wanted:
            return []
        ids = sorted({i for group in wanted.values() for i in group})
        page = await self.rows(
            user=user,
            q=None,
            branch_id=None,
            owing=None,
            over_limit=None,
            ordered_since=None,
            not_ordered_since=None,
            page=_all(len(ids)),
        )
        by_id = {r.id: r for r in page.items if r.id in ids}
        return [
            DuplicateGroup(phone=phone, customers=[by_id[i] for i in sorted(group) if i in by_id])
            for phone, group in sorted(wanted.items())
        ]

    async def _customer(self, customer_id: int, *, lock: bool) -> Customer:
        stmt = (
            select(Customer)
            .where(Customer.id == customer_id, Customer.anonymised_at.is_(None))
            .options(selectinload(Customer.phones), selectinload(Customer.addresses))
            .execution_options(populate_existing=True)
        )
        if lock:
            stmt = stmt.with_for_update(of=Customer)
        customer = await self.session.scalar(stmt)
        if customer is None:
            raise NotFoundException(detail=_("Customer not found"))
        return customer

    def _audit(self, action: str, customer_id: int, actor: SessionUser, *, before: Any, after: Any) -> None:
        audit.change(
            self.session,
            action=action,
            entity_type="customer",
            entity_id=customer_id,
            actor_user_id=actor.user_id,
            before=before,
            after=after,
        )


def _all(n: int) -> PageRequest:
    return PageRequest(page=1, page_size=min(max(n, 1) * 50, MAX_PAGE_SIZE))


def _check_credit(value: Decimal) -> None:
    if not value.is_finite() or value < 0 or value >= MAX_CREDIT or places(value) > 2:
        raise unprocessable("credit_limit", _("must be zero or more, with at most 2 decimals"))


def _two(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _row(
    customer: Customer, phone: str | None, owed: Any, count: int | None, last: dt.datetime | None
) -> CustomerRow:
    return CustomerRow(
        id=customer.id,
        name=customer.name,
        company_name=customer.company_name,
        phone=phone,
        home_branch_id=customer.home_branch_id,
        balance=_two(Decimal(owed or 0)),
        credit_limit=_two(customer.credit_limit),
        orders=count or 0,
        last_order_at=last,
    )


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "name": customer.name,
        "company_name": customer.company_name,
        "tax_number": customer.tax_number,
        "email": customer.email,
        "credit_limit": str(_two(customer.credit_limit)),
        "note": customer.note,
        "home_branch_id": customer.home_branch_id,
        "phones": [p.phone for p in sorted(customer.phones, key=lambda p: (not p.is_primary, p.id))],
        "addresses": [a.address for a in sorted(customer.addresses, key=lambda a: (not a.is_default, a.id))],
    }


__all__ = ["CustomerBook"]

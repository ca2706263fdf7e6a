"""Customers: the POS looks them up by phone or name and adds new ones at the counter.

Customers are shared by every branch (a regular orders from whichever shop is nearest), so nothing here is
branch-scoped; the controller restricts the endpoints to staff who serve them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY
from sqlalchemy import case, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.customers.phones import PhoneNumberError, normalise_phone, phone_search_digits, to_e164, try_e164
from app.customers.schemas import AddressOut, CustomerCreate, CustomerOut, CustomerPage, PhoneOut
from app.db.models import Branch, Customer, CustomerAddress, CustomerPhone, Territory
from app.lib import audit
from app.lib.i18n import _
from app.lib.params import count_rows, search_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.deps import Scope
    from app.lib.params import PageRequest

log = logging.getLogger(__name__)

MIN_SEARCH_LENGTH = 2


class CustomerService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope.session)

    async def search(
        self, *, q: str | None, page: PageRequest, user: SessionUser | None = None
    ) -> CustomerPage:
        """Customers whose phone contains the typed digits, or whose name or company contains `q`.

        Without `q`, every customer by name (the admin list). An exact phone match sorts first: it is the
        caller on the line.
        """
        # A deleted customer kept for their invoices is nobody to serve.
        filters: list[ColumnElement[bool]] = [Customer.anonymised_at.is_(None)]
        exact_first: list[ColumnElement[Any]] = []
        text = search_text(q, key="q", min_length=MIN_SEARCH_LENGTH)
        if text is not None:
            matches: list[ColumnElement[bool]] = [
                Customer.name.icontains(text, autoescape=True),
                Customer.company_name.icontains(text, autoescape=True),
            ]
            digits = phone_search_digits(text)
            if digits is not None:
                matches.append(_has_phone(CustomerPhone.phone.contains(digits)))
                region = await phone_region(self.session, user) if user is not None else None
                typed = {normalise_phone(text)} | {try_e164(text, region) or ""}
                exact = _has_phone(CustomerPhone.phone.in_(typed - {""}))
                exact_first.append(case((exact, 0), else_=1))
            filters.append(or_(*matches))

        total = await count_rows(self.session, select(Customer.id).where(*filters))
        customers: Iterable[Customer] = []
        if page.offset < total:
            stmt = (
                select(Customer)
                .where(*filters)
                .options(selectinload(Customer.phones), selectinload(Customer.addresses))
                .order_by(*exact_first, Customer.name, Customer.id)
                .limit(page.page_size)
                .offset(page.offset)
            )
            customers = await self.session.scalars(stmt)
        return CustomerPage(
            items=[_customer_out(c) for c in customers], page=page.page, page_size=page.page_size, total=total
        )

    async def create(self, *, data: CustomerCreate, actor: SessionUser) -> CustomerOut:
        """Add a customer with their phones and addresses; a phone already on file is a 409 naming its
        owner, so the cashier can pick that customer instead."""
        data.phones = international(data.phones, await phone_region(self.session, actor, data.branch_id))
        await self._refuse_taken_phones(data.phones)
        await self._check_territories(data)

        default = next((i for i, a in enumerate(data.addresses) if a.is_default), 0)
        customer = Customer(
            name=data.name,
            company_name=data.company_name,
            tax_number=data.tax_number,
            email=data.email,
            home_branch_id=data.branch_id,
            phones=[CustomerPhone(phone=phone, is_primary=i == 0) for i, phone in enumerate(data.phones)],
            addresses=[
                CustomerAddress(
                    label=a.label, address=a.address, territory_id=a.territory_id, is_default=i == default
                )
                for i, a in enumerate(data.addresses)
            ],
        )
        self.session.add(customer)
        try:
            await self.session.flush()
        except IntegrityError:
            # Another till added one of these phones between our check and our insert.
            await self.session.rollback()
            await self._refuse_taken_phones(data.phones)
            raise
        audit.record(
            self.session,
            action="customer.create",
            entity_type="customer",
            entity_id=customer.id,
            actor_user_id=actor.user_id,
            data={"name": customer.name, "phones": list(data.phones)},
        )
        await self.session.commit()
        log.info("customer created", extra={"customer_id": customer.id, "user_id": actor.user_id})
        return _customer_out(customer)

    async def _refuse_taken_phones(self, phones: list[str]) -> None:
        rows = await self.session.execute(
            select(CustomerPhone.phone, CustomerPhone.customer_id).where(CustomerPhone.phone.in_(phones))
        )
        owners = dict(rows.all())
        if not owners:
            return
        index, phone = next((i, p) for i, p in enumerate(phones) if p in owners)
        raise HTTPException(
            status_code=HTTP_409_CONFLICT,
            detail=_(
                "phones[%(index)s]: %(phone)s already belongs to customer %(customer)s",
                index=index,
                phone=phone,
                customer=owners[phone],
            ),
            extra={"field": f"phones[{index}]", "phone": phone, "customer_id": owners[phone]},
        )

    async def _check_territories(self, data: CustomerCreate) -> None:
        wanted = {a.territory_id for a in data.addresses if a.territory_id is not None}
        if not wanted:
            return
        rows = await self.session.execute(
            select(Territory.id, Territory.active).where(Territory.id.in_(wanted))
        )
        active = dict(rows.all())
        for i, address in enumerate(data.addresses):
            territory_id = address.territory_id
            if territory_id is None:
                continue
            if territory_id not in active:
                problem = f"no territory with id {territory_id}"
            elif not active[territory_id]:
                # Deliveries no longer go there: a new address in it could never be served.
                problem = f"territory {territory_id} is not active"
            else:
                continue
            field = f"addresses[{i}].territory_id"
            raise HTTPException(
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                detail=_("%(field)s: %(problem)s", field=field, problem=problem),
                extra=[{"message": problem, "key": field, "source": "body"}],
            )


async def phone_region(session: AsyncSession, user: SessionUser, branch_id: int | None = None) -> str | None:
    """The country a locally typed number is read in: the branch's given, else the one country of all the
    user's branches; None when that is ambiguous (then only +… numbers are understood)."""
    if branch_id is not None:
        if not user.can_see_branch(branch_id):
            raise HTTPException(status_code=404, detail=_("Branch not found"))
        branch = await session.get(Branch, branch_id)
        if branch is None:
            raise HTTPException(status_code=404, detail=_("Branch not found"))
        return branch.country
    stmt = select(Branch.country).where(Branch.active.is_(True)).distinct()
    if not user.all_branches:
        stmt = stmt.where(Branch.id.in_(user.branch_ids))
    countries = set(await session.scalars(stmt))
    return countries.pop() if len(countries) == 1 else None


def international(phones: list[str], region: str | None, *, field: str = "phones") -> list[str]:
    """Each phone in E.164, or a 422 naming the one that is not a number (or that repeats another)."""
    out: list[str] = []
    for i, phone in enumerate(phones):
        try:
            e164 = to_e164(phone, region)
        except PhoneNumberError as exc:
            raise HTTPException(
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                detail=_("%(field)s[%(index)s]: %(exc)s", field=field, index=i, exc=exc),
                extra=[{"message": str(exc), "key": f"{field}[{i}]", "source": "body"}],
            ) from None
        if e164 in out:
            raise HTTPException(
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                detail=_("%(field)s[%(index)s]: %(e164)s is listed twice", field=field, index=i, e164=e164),
                extra=[{"message": str(_("listed twice")), "key": f"{field}[{i}]", "source": "body"}],
            )
        out.append(e164)
    return out


def _has_phone(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(CustomerPhone.customer_id == Customer.id, condition)


def contacts_out(customer: Customer) -> tuple[list[PhoneOut], list[AddressOut]]:
    """A customer's phones (primary first) and addresses (default first), as every customer answer shows them."""
    phones = sorted(customer.phones, key=lambda p: (not p.is_primary, p.id))
    addresses = sorted(customer.addresses, key=lambda a: (not a.is_default, a.id))
    return (
        [PhoneOut(phone=p.phone, is_primary=p.is_primary) for p in phones],
        [
            AddressOut(
                id=a.id,
                label=a.label,
                address=a.address,
                territory_id=a.territory_id,
                is_default=a.is_default,
            )
            for a in addresses
        ],
    )


def _customer_out(customer: Customer) -> CustomerOut:
    phones, addresses = contacts_out(customer)
    return CustomerOut(
        id=customer.id,
        name=customer.name,
        company_name=customer.company_name,
        tax_number=customer.tax_number,
        email=customer.email,
        phones=phones,
        addresses=addresses,
    )

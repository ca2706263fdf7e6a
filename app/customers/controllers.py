"""`/api/v1/customers`: search and create, for the staff who take orders."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.auth.guards import current_user, requires_roles
from app.customers.schemas import CustomerCreate, CustomerOut, CustomerPage
from app.customers.services import CustomerService
from app.lib.deps import provide
from app.lib.params import DEFAULT_PAGE_SIZE, PageQuery, PageRequest, PageSizeQuery, SearchQuery

AnyRequest = Request[Any, Any, Any]
Customers = NamedDependency[CustomerService]


class CustomerController(Controller):
    path = "/api/v1/customers"
    tags = ["customers"]
    # Shared by every branch, so not branch-scoped; kitchen, courier and hr accounts have no business here.
    guards = [requires_roles("cashier", "manager", "admin")]
    dependencies = {"customers": provide(CustomerService)}

    @get("/")
    async def search_customers(
        self,
        request: AnyRequest,
        customers: Customers,
        q: SearchQuery = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> CustomerPage:
        """`q` (2+ characters) matches phone digits however they are typed, or name or company."""
        return await customers.search(
            q=q, page=PageRequest(page=page, page_size=page_size), user=current_user(request)
        )

    @post("/")
    async def create_customer(
        self, request: AnyRequest, customers: Customers, data: JSONBody[CustomerCreate]
    ) -> CustomerOut:
        return await customers.create(data=data, actor=current_user(request))

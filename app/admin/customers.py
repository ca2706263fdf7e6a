"""`/api/v1/admin/customers` — the customer book, for managers (admins pass every role guard):

- `GET /`                      search (`q`), filters (`branch_id`, `owing`, `over_limit`, `ordered_since`,
                               `not_ordered_since`), pages; each row with balance, credit limit, last order
- `GET /duplicates`            customers who share a number once it is read the international way
- `POST /`, `GET/PUT/DELETE /{id}`  add, read (history, statement link), edit, delete (anonymised when kept)
- `POST /{id}/merge`           fold another customer into this one
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_roles
from app.customers.book import CustomerBook
from app.customers.book_schemas import (
    CustomerEdit,
    CustomerRecord,
    CustomerRows,
    DeleteOut,
    DuplicateGroup,
    MergeIn,
)
from app.lib.deps import provide
from app.lib.params import DEFAULT_PAGE_SIZE, MAX_ID, PageQuery, PageRequest, PageSizeQuery, SearchQuery

AnyRequest = Request[Any, Any, Any]
Book = NamedDependency[CustomerBook]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]


class CustomerAdminController(Controller):
    path = "/api/v1/admin/customers"
    tags = ["admin"]
    guards = [requires_roles("manager")]
    dependencies = {"book": provide(CustomerBook)}

    @get("/")
    async def list_customers(
        self,
        *,
        request: AnyRequest,
        book: Book,
        q: SearchQuery = None,
        branch_id: OptionalId = None,
        owing: FromQuery[bool | None] = None,
        over_limit: FromQuery[bool | None] = None,
        ordered_since: FromQuery[dt.date | None] = None,
        not_ordered_since: FromQuery[dt.date | None] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> CustomerRows:
        return await book.rows(
            user=current_user(request),
            q=q,
            branch_id=branch_id,
            owing=owing,
            over_limit=over_limit,
            ordered_since=ordered_since,
            not_ordered_since=not_ordered_since,
            page=PageRequest(page=page, page_size=page_size),
        )

    @get("/duplicates")
    async def duplicates(self, request: AnyRequest, book: Book) -> list[DuplicateGroup]:
        return await book.duplicates(user=current_user(request))

    @post("/")
    async def create_customer(
        self, request: AnyRequest, book: Book, data: JSONBody[CustomerEdit]
    ) -> CustomerRecord:
        return await book.create(data=data, actor=current_user(request))

    @get("/{customer_id:int}")
    async def get_customer(self, book: Book, customer_id: IdPath) -> CustomerRecord:
        return await book.record(customer_id)

    @put("/{customer_id:int}", status_code=HTTP_200_OK)
    async def edit_customer(
        self, request: AnyRequest, book: Book, customer_id: IdPath, data: JSONBody[CustomerEdit]
    ) -> CustomerRecord:
        return await book.edit(customer_id=customer_id, data=data, actor=current_user(request))

    @post("/{customer_id:int}/merge", status_code=HTTP_200_OK)
    async def merge_customers(
        self, request: AnyRequest, book: Book, customer_id: IdPath, data: JSONBody[MergeIn]
    ) -> CustomerRecord:
        return await book.merge(into_id=customer_id, source_id=data.source_id, actor=current_user(request))

    @delete("/{customer_id:int}", status_code=HTTP_200_OK)
    async def delete_customer(self, request: AnyRequest, book: Book, customer_id: IdPath) -> DeleteOut:
        return await book.delete(customer_id=customer_id, actor=current_user(request))

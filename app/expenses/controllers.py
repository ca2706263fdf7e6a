"""Petty cash endpoints: thin; every rule is in ExpenseService.

POST /api/v1/expenses                          a till pays out (JSON, receipt photo as base64, at most 2 MB)
GET  /api/v1/expenses?branch_id=&shift_id=&state=   newest first (a cashier sees their own)
GET  /api/v1/expenses/{id}                     one expense
GET  /api/v1/expenses/{id}/receipt             its photo
POST /api/v1/expenses/{id}/decision            a manager approves or rejects one waiting
GET  /api/v1/branches/{id}/expense-limit       what a cashier may pay out alone, and the categories
PUT  /api/v1/branches/{id}/expense-limit       (manager)
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.guards import current_user, requires_login, requires_roles
from app.expenses.schemas import DecisionIn, ExpenseIn, ExpenseOut, ExpensePage, LimitIn, LimitOut
from app.expenses.services import ExpenseService
from app.lib.deps import provide

AnyRequest = Request[Any, Any, Any]
Service = NamedDependency[ExpenseService]
TILL = requires_roles("cashier", "manager")
MANAGERS = requires_roles("manager")
BranchPath = Annotated[int, PathParameter(ge=1, le=2**62)]
# A 2 MB photo is about 2.8 MB of base64; the app's usual body limit is 1 MB.
PHOTO_BODY_BYTES = 3_000_000


class ExpenseController(Controller):
    path = "/api/v1"
    tags = ["expenses"]
    guards = [requires_login, TILL]
    dependencies = {"expenses": provide(ExpenseService)}

    @post("/expenses", request_max_body_size=PHOTO_BODY_BYTES)
    async def record(
        self, request: AnyRequest, expenses: Service, data: JSONBody[ExpenseIn]
    ) -> Response[ExpenseOut]:
        out, created = await expenses.record(data=data, actor=current_user(request))
        return Response(out, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/expenses")
    async def list_expenses(
        self,
        request: AnyRequest,
        expenses: Service,
        branch_id: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None,
        shift_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        # `state` is a name Litestar keeps for the app's state.
        expense_state: Annotated[str | None, QueryParameter(name="state", max_length=20)] = None,
    ) -> ExpensePage:
        return await expenses.list_expenses(
            actor=current_user(request), branch_id=branch_id, shift_id=shift_id, state=expense_state
        )

    @get("/expenses/{expense_id:uuid}")
    async def get_expense(
        self, request: AnyRequest, expenses: Service, expense_id: FromPath[uuid.UUID]
    ) -> ExpenseOut:
        return await expenses.get(expense_id=expense_id, actor=current_user(request))

    @get("/expenses/{expense_id:uuid}/receipt")
    async def receipt(
        self, request: AnyRequest, expenses: Service, expense_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        content_type, data = await expenses.receipt(expense_id=expense_id, actor=current_user(request))
        return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})

    @post("/expenses/{expense_id:uuid}/decision", status_code=HTTP_200_OK, guards=[MANAGERS])
    async def decide(
        self,
        request: AnyRequest,
        expenses: Service,
        expense_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionIn],
    ) -> ExpenseOut:
        return await expenses.decide(expense_id=expense_id, data=data, actor=current_user(request))

    @get("/branches/{branch_id:int}/expense-limit")
    async def get_limit(self, request: AnyRequest, expenses: Service, branch_id: BranchPath) -> LimitOut:
        return await expenses.get_limit(branch_id=branch_id, actor=current_user(request))

    @put("/branches/{branch_id:int}/expense-limit", status_code=HTTP_200_OK, guards=[MANAGERS])
    async def set_limit(
        self, request: AnyRequest, expenses: Service, branch_id: BranchPath, data: JSONBody[LimitIn]
    ) -> LimitOut:
        return await expenses.set_limit(branch_id=branch_id, data=data, actor=current_user(request))

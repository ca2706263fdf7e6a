"""Inventory endpoints for managers (admins pass every role guard). Thin: every rule is in the services.

GET  /api/v1/inventory/stock?branch_id=&q=&category_id=&low=     a branch's stock, valued at average cost
GET  /api/v1/inventory/stock/{product_id}/ledger?branch_id=&before=   one product's ledger, newest first
PUT  /api/v1/inventory/stock/{product_id}/levels                 reorder point and par level
POST /api/v1/inventory/moves                                     an adjustment or waste, with a reason
GET  /api/v1/inventory/check                                     the ledger's proof (on-hand = sum)
GET  /api/v1/inventory/recipes/{product_id}                      a menu item's recipe
PUT  /api/v1/inventory/recipes/{product_id}                      replace it (empty: stocked directly)
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.guards import current_user, requires_roles
from app.inventory.recipes import RecipeService
from app.inventory.schemas import (
    CheckOut,
    LedgerPage,
    LevelsIn,
    LevelsOut,
    MoveIn,
    MoveOut,
    RecipeIn,
    RecipeOut,
    StockPage,
)
from app.inventory.stock import StockService
from app.lib.deps import provide
from app.lib.params import MAX_ID, IdQuery, SearchQuery, search_text

AnyRequest = Request[Any, Any, Any]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Stock = NamedDependency[StockService]
Recipes = NamedDependency[RecipeService]


class InventoryController(Controller):
    path = "/api/v1/inventory"
    tags = ["inventory"]
    guards = [requires_roles("manager")]
    dependencies = {"stock": provide(StockService), "recipes": provide(RecipeService)}

    @get("/stock")
    async def stock_list(
        self,
        request: AnyRequest,
        stock: Stock,
        branch_id: IdQuery,
        q: SearchQuery = None,
        category_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        low: Annotated[bool, QueryParameter()] = False,
    ) -> StockPage:
        return await stock.stock(
            branch_id=branch_id,
            actor=current_user(request),
            search=search_text(q, key="q"),
            category_id=category_id,
            low_only=low,
        )

    @get("/stock/{product_id:int}/ledger")
    async def ledger(
        self,
        request: AnyRequest,
        stock: Stock,
        product_id: IdPath,
        branch_id: IdQuery,
        before: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
    ) -> LedgerPage:
        return await stock.ledger(
            branch_id=branch_id, product_id=product_id, actor=current_user(request), before=before
        )

    @put("/stock/{product_id:int}/levels", status_code=HTTP_200_OK)
    async def levels(
        self, request: AnyRequest, stock: Stock, product_id: IdPath, data: JSONBody[LevelsIn]
    ) -> LevelsOut:
        return await stock.set_levels(product_id=product_id, data=data, actor=current_user(request))

    @post("/moves", status_code=HTTP_201_CREATED)
    async def move(self, request: AnyRequest, stock: Stock, data: JSONBody[MoveIn]) -> MoveOut:
        return await stock.move(data=data, actor=current_user(request))

    @get("/check")
    async def check(self, stock: Stock) -> CheckOut:
        return await stock.check()

    @get("/recipes/{product_id:int}")
    async def recipe(self, recipes: Recipes, product_id: IdPath) -> RecipeOut:
        return await recipes.get(product_id=product_id)

    @put("/recipes/{product_id:int}", status_code=HTTP_200_OK)
    async def set_recipe(
        self, request: AnyRequest, recipes: Recipes, product_id: IdPath, data: JSONBody[RecipeIn]
    ) -> RecipeOut:
        return await recipes.put(product_id=product_id, data=data, actor=current_user(request))

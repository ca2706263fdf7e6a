"""Catalog edits for managers (admins pass every role guard):

- `PUT  /api/v1/products/{id}/bundle`                               a bundle's groups and items
- `PUT  /api/v1/branches/{branch_id}/stock/{product_id}`             set the count (starts tracking)
- `POST /api/v1/branches/{branch_id}/stock/{product_id}/adjustments` add or take away, with a reason
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_roles
from app.catalog.admin import CatalogAdminService
from app.catalog.admin_schemas import BundleIn, BundleOut, StockAdjust, StockOut, StockSet
from app.lib.deps import AppRuntime, DbSession, RedisClient, RedisKeys
from app.lib.params import MAX_ID

AnyRequest = Request[Any, Any, Any]
Admin = NamedDependency[CatalogAdminService]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


def provide_catalog_admin(
    db_session: DbSession, redis: RedisClient, keys: RedisKeys, runtime: AppRuntime
) -> CatalogAdminService:
    return CatalogAdminService(db_session, redis, keys, bus=runtime.bus)


class CatalogAdminController(Controller):
    path = "/api/v1"
    tags = ["catalog"]
    guards = [requires_roles("manager")]
    dependencies = {"catalog_admin": Provide(provide_catalog_admin, sync_to_thread=False)}

    @put("/products/{product_id:int}/bundle", status_code=HTTP_200_OK)
    async def set_bundle(
        self, request: AnyRequest, catalog_admin: Admin, product_id: IdPath, data: JSONBody[BundleIn]
    ) -> BundleOut:
        return await catalog_admin.set_bundle(product_id=product_id, data=data, actor=current_user(request))

    @put("/branches/{branch_id:int}/stock/{product_id:int}", status_code=HTTP_200_OK)
    async def set_stock(
        self,
        request: AnyRequest,
        catalog_admin: Admin,
        branch_id: IdPath,
        product_id: IdPath,
        data: JSONBody[StockSet],
    ) -> StockOut:
        return await catalog_admin.set_stock(
            branch_id=branch_id, product_id=product_id, data=data, actor=current_user(request)
        )

    @post("/branches/{branch_id:int}/stock/{product_id:int}/adjustments", status_code=HTTP_200_OK)
    async def adjust_stock(
        self,
        request: AnyRequest,
        catalog_admin: Admin,
        branch_id: IdPath,
        product_id: IdPath,
        data: JSONBody[StockAdjust],
    ) -> StockOut:
        return await catalog_admin.adjust_stock(
            branch_id=branch_id, product_id=product_id, data=data, actor=current_user(request)
        )

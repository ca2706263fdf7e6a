"""Catalog reads: `/api/v1/products`, `/categories`, `/stations`, `/territories`, `/couriers`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency

from app.auth.guards import current_user, requires_login
from app.catalog.schemas import CategoryOut, CourierOut, ProductPage, StationOut, TerritoryOut
from app.catalog.services import CatalogService
from app.lib.deps import provide
from app.lib.params import (
    DEFAULT_PAGE_SIZE,
    IdQuery,
    PageQuery,
    PageRequest,
    PageSizeQuery,
    SearchQuery,
)

AnyRequest = Request[Any, Any, Any]
Catalog = NamedDependency[CatalogService]


class CatalogController(Controller):
    path = "/api/v1"
    tags = ["catalog"]
    guards = [requires_login]
    dependencies = {"catalog": provide(CatalogService)}

    @get("/products")
    async def list_products(
        self,
        *,
        request: AnyRequest,
        catalog: Catalog,
        branch_id: IdQuery,
        q: SearchQuery = None,
        barcode: SearchQuery = None,
        category: SearchQuery = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> ProductPage:
        """Active products priced for `branch_id`; `q` searches name and sku, `barcode` products and units."""
        return await catalog.products(
            user=current_user(request),
            branch_id=branch_id,
            q=q,
            barcode=barcode,
            category=category,
            page=PageRequest(page=page, page_size=page_size),
        )

    @get("/categories")
    async def list_categories(self, catalog: Catalog) -> list[CategoryOut]:
        return await catalog.categories()

    @get("/stations")
    async def list_stations(
        self, request: AnyRequest, catalog: Catalog, branch_id: IdQuery
    ) -> list[StationOut]:
        return await catalog.stations(user=current_user(request), branch_id=branch_id)

    @get("/territories")
    async def list_territories(self, catalog: Catalog) -> list[TerritoryOut]:
        return await catalog.territories()

    @get("/couriers")
    async def list_couriers(
        self, request: AnyRequest, catalog: Catalog, branch_id: IdQuery
    ) -> list[CourierOut]:
        return await catalog.couriers(user=current_user(request), branch_id=branch_id)

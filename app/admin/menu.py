"""`/api/v1/admin` — the menu, for managers (admins pass every role guard):

- `GET/POST /categories`, `PATCH/DELETE /categories/{id}`, `PUT /categories/order`
- `GET/POST /products`, `GET/PUT/DELETE /products/{id}`, `PUT/DELETE /products/{id}/image` (the raw picture)
- `POST /prices/bulk`                  preview (or `apply`) a percent or fixed change
- `GET /catalog.csv`, `POST /catalog/import?apply=`  the menu as CSV (the raw file as the body)
- `GET /media/products/{id}/{digest}.webp`  a product's picture, for every screen, cached for good
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from app.admin.uploads import read_limited
from app.auth.guards import current_user, requires_roles
from app.catalog.csv_io import MAX_IMPORT_BYTES, ImportReport, MenuCsv
from app.catalog.edit_schemas import (
    AdminCategoryOut,
    AdminProductOut,
    AdminProductPage,
    BulkPriceIn,
    BulkPriceOut,
    CategoryIn,
    CategoryOrder,
    CategoryPatch,
    ProductIn,
)
from app.catalog.editing import MenuEditor
from app.catalog.images import MAX_UPLOAD_BYTES
from app.lib.deps import provide
from app.lib.params import DEFAULT_PAGE_SIZE, MAX_ID, PageQuery, PageRequest, PageSizeQuery, SearchQuery
from app.orders.states import OPEN_STATES

AnyRequest = Request[Any, Any, Any]
Editor = NamedDependency[MenuEditor]
Csv = NamedDependency[MenuCsv]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
ImageName = Annotated[str, PathParameter(pattern=r"^[0-9a-f]{16}\.webp$")]


class MenuAdminController(Controller):
    path = "/api/v1/admin"
    tags = ["admin"]
    guards = [requires_roles("manager")]
    dependencies = {"editor": provide(MenuEditor), "menu_csv": provide(MenuCsv)}

    # ------------------------------------------------------------------ categories

    @get("/categories")
    async def list_categories(self, editor: Editor) -> list[AdminCategoryOut]:
        return await editor.categories()

    @post("/categories")
    async def create_category(
        self, request: AnyRequest, editor: Editor, data: JSONBody[CategoryIn]
    ) -> AdminCategoryOut:
        return await editor.create_category(data=data, actor=current_user(request))

    @patch("/categories/{category_id:int}")
    async def update_category(
        self, request: AnyRequest, editor: Editor, category_id: IdPath, data: JSONBody[CategoryPatch]
    ) -> AdminCategoryOut:
        return await editor.update_category(category_id=category_id, data=data, actor=current_user(request))

    @put("/categories/order", status_code=HTTP_200_OK)
    async def order_categories(
        self, request: AnyRequest, editor: Editor, data: JSONBody[CategoryOrder]
    ) -> list[AdminCategoryOut]:
        return await editor.reorder_categories(data=data, actor=current_user(request))

    @delete("/categories/{category_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_category(self, request: AnyRequest, editor: Editor, category_id: IdPath) -> None:
        await editor.delete_category(category_id=category_id, actor=current_user(request))

    # ------------------------------------------------------------------ products

    @get("/products")
    async def list_products(
        self,
        *,
        editor: Editor,
        q: SearchQuery = None,
        category_id: OptionalId = None,
        active: FromQuery[bool | None] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> AdminProductPage:
        """Every product, inactive ones included; `q` matches name, SKU or an exact barcode."""
        return await editor.products(
            q=q, category_id=category_id, active=active, page=PageRequest(page=page, page_size=page_size)
        )

    @get("/products/{product_id:int}")
    async def get_product(self, editor: Editor, product_id: IdPath) -> AdminProductOut:
        return await editor.product(product_id)

    @post("/products")
    async def create_product(
        self, request: AnyRequest, editor: Editor, data: JSONBody[ProductIn]
    ) -> AdminProductOut:
        return await editor.create_product(data=data, actor=current_user(request))

    @put("/products/{product_id:int}", status_code=HTTP_200_OK)
    async def update_product(
        self, request: AnyRequest, editor: Editor, product_id: IdPath, data: JSONBody[ProductIn]
    ) -> AdminProductOut:
        return await editor.update_product(product_id=product_id, data=data, actor=current_user(request))

    @delete("/products/{product_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_product(self, request: AnyRequest, editor: Editor, product_id: IdPath) -> None:
        """Refused with a 409 and the reason while something still needs the product: deactivate it then."""
        await editor.delete_product(
            product_id=product_id, open_states=OPEN_STATES, actor=current_user(request)
        )

    @put("/products/{product_id:int}/image", status_code=HTTP_200_OK, request_max_body_size=None)
    async def set_image(self, request: AnyRequest, editor: Editor, product_id: IdPath) -> AdminProductOut:
        """The body is the picture itself (JPEG, PNG or WebP, at most 2 MB)."""
        raw = await read_limited(request, limit=MAX_UPLOAD_BYTES, what="image")
        return await editor.set_image(product_id=product_id, raw=raw, actor=current_user(request))

    @delete("/products/{product_id:int}/image", status_code=HTTP_200_OK)
    async def delete_image(self, request: AnyRequest, editor: Editor, product_id: IdPath) -> AdminProductOut:
        return await editor.delete_image(product_id=product_id, actor=current_user(request))

    # ------------------------------------------------------------------ prices and files

    @post("/prices/bulk", status_code=HTTP_200_OK)
    async def bulk_prices(
        self, request: AnyRequest, editor: Editor, data: JSONBody[BulkPriceIn]
    ) -> BulkPriceOut:
        return await editor.bulk_prices(data=data, actor=current_user(request))

    @get("/catalog.csv")
    async def export_csv(self, menu_csv: Csv) -> Response[str]:
        return Response(
            await menu_csv.export(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="menu.csv"'},
        )

    @post("/catalog/import", status_code=HTTP_200_OK, request_max_body_size=None)
    async def import_csv(
        self, request: AnyRequest, menu_csv: Csv, apply: FromQuery[bool] = False
    ) -> ImportReport:
        """The body is the CSV file. Without `apply` it is checked and nothing is written."""
        raw = await read_limited(request, limit=MAX_IMPORT_BYTES, what="file", lines=True)
        return await menu_csv.import_csv(raw=raw, apply=apply, actor=current_user(request))


class MediaController(Controller):
    path = "/media"
    dependencies = {"editor": provide(MenuEditor)}
    include_in_schema = False

    @get("/products/{product_id:int}/{name:str}")
    async def product_image(self, editor: Editor, product_id: IdPath, name: ImageName) -> Response[bytes]:
        row = await editor.image(product_id, name.removesuffix(".webp"))
        # The digest is in the URL: a new picture is a new address, so this one never changes.
        return Response(
            row.data,
            media_type=row.content_type,
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

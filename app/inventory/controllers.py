"""Inventory endpoints for managers (admins pass every role guard). Thin: every rule is in the services.

GET  /api/v1/inventory/stock?branch_id=&q=&category_id=&low=     a branch's stock, valued at average cost
GET  /api/v1/inventory/products?q=&barcode=                      products for the pickers (ingredients too)
GET  /api/v1/inventory/stock/{product_id}/ledger?branch_id=&before=   one product's ledger, newest first
PUT  /api/v1/inventory/stock/{product_id}/levels                 reorder point and par level
POST /api/v1/inventory/moves                                     an adjustment or waste, with a reason
GET  /api/v1/inventory/check                                     the ledger's proof (on-hand = sum)
GET  /api/v1/inventory/recipes/{product_id}                      a menu item's recipe
PUT  /api/v1/inventory/recipes/{product_id}                      replace it (empty: stocked directly)
GET|POST /api/v1/inventory/transfers[?branch_id=]                 a branch's transfers / dispatch one
GET  /api/v1/inventory/transfers/{id}  POST …/{id}/receive         one transfer / take it in
GET|POST /api/v1/inventory/counts[?branch_id=]                    a branch's counts / start one
GET  /api/v1/inventory/counts/{id}  POST …/{id}/lines|approve|cancel
GET|POST /api/v1/inventory/suppliers   PUT …/suppliers/{id}       suppliers with their items and what is owed
GET|POST /api/v1/inventory/purchase-orders[?branch_id=]           a branch's orders / a draft
GET  /api/v1/inventory/purchase-orders/{id}[/print]               one order (printable HTML)
POST /api/v1/inventory/purchase-orders/{id}/send|close|cancel|receive
GET|POST /api/v1/inventory/supplier-invoices[?branch_id=]  POST …/{id}/payments
GET  /api/v1/inventory/suggestions?branch_id=                     suggested orders from the forecast
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.guards import current_user, ensure_branch_visible, requires_roles
from app.inventory.counts import CountService
from app.inventory.forecast import ForecastService
from app.inventory.purchasing import PurchasingService
from app.inventory.recipes import RecipeService
from app.inventory.schemas import (
    CheckOut,
    CountIn,
    CountLinesIn,
    CountOut,
    InvoiceIn,
    InvoiceOut,
    InvoicePayIn,
    LedgerPage,
    LevelsIn,
    LevelsOut,
    MoveIn,
    MoveOut,
    PayablesOut,
    PoIn,
    PoOut,
    ProductPick,
    ReceiptOut,
    ReceiveIn,
    RecipeIn,
    RecipeOut,
    StockPage,
    SuggestionsOut,
    SupplierIn,
    SupplierOut,
    TransferIn,
    TransferOut,
    TransferReceiveIn,
)
from app.inventory.stock import StockService
from app.inventory.transfers import TransferService
from app.lib.deps import provide
from app.lib.params import MAX_ID, IdQuery, SearchQuery, search_text

AnyRequest = Request[Any, Any, Any]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Stock = NamedDependency[StockService]
Recipes = NamedDependency[RecipeService]
Transfers = NamedDependency[TransferService]
Counts = NamedDependency[CountService]
Purchasing = NamedDependency[PurchasingService]
Forecasts = NamedDependency[ForecastService]
PO_PRINT_TEMPLATE = "inventory/purchase_order_print.html"


class InventoryController(Controller):
    path = "/api/v1/inventory"
    tags = ["inventory"]
    guards = [requires_roles("manager")]
    dependencies = {
        "stock": provide(StockService),
        "recipes": provide(RecipeService),
        "transfers": provide(TransferService),
        "counts": provide(CountService),
        "purchasing": provide(PurchasingService),
        "forecasts": provide(ForecastService),
    }

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

    @get("/products")
    async def products(
        self, stock: Stock, q: SearchQuery = None, barcode: SearchQuery = None
    ) -> list[ProductPick]:
        return await stock.products(
            search=search_text(q, key="q"), barcode=search_text(barcode, key="barcode")
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

    # ------------------------------------------------------------------ transfers

    @get("/transfers")
    async def transfers_list(
        self, request: AnyRequest, transfers: Transfers, branch_id: IdQuery
    ) -> list[TransferOut]:
        return await transfers.list_transfers(branch_id=branch_id, actor=current_user(request))

    @post("/transfers", status_code=HTTP_201_CREATED)
    async def dispatch(
        self, request: AnyRequest, transfers: Transfers, data: JSONBody[TransferIn]
    ) -> TransferOut:
        return await transfers.dispatch(data=data, actor=current_user(request))

    @get("/transfers/{transfer_id:int}")
    async def transfer(self, request: AnyRequest, transfers: Transfers, transfer_id: IdPath) -> TransferOut:
        return await transfers.get(transfer_id=transfer_id, actor=current_user(request))

    @post("/transfers/{transfer_id:int}/receive", status_code=HTTP_200_OK)
    async def receive_transfer(
        self,
        request: AnyRequest,
        transfers: Transfers,
        transfer_id: IdPath,
        data: JSONBody[TransferReceiveIn],
    ) -> TransferOut:
        return await transfers.receive(transfer_id=transfer_id, data=data, actor=current_user(request))

    # ------------------------------------------------------------------ counts

    @get("/counts")
    async def counts_list(self, request: AnyRequest, counts: Counts, branch_id: IdQuery) -> list[CountOut]:
        return await counts.list_counts(branch_id=branch_id, actor=current_user(request))

    @post("/counts", status_code=HTTP_201_CREATED)
    async def start_count(self, request: AnyRequest, counts: Counts, data: JSONBody[CountIn]) -> CountOut:
        return await counts.start(data=data, actor=current_user(request))

    @get("/counts/{count_id:int}")
    async def count(self, request: AnyRequest, counts: Counts, count_id: IdPath) -> CountOut:
        return await counts.get(count_id=count_id, actor=current_user(request))

    @post("/counts/{count_id:int}/lines", status_code=HTTP_200_OK)
    async def count_lines(
        self, request: AnyRequest, counts: Counts, count_id: IdPath, data: JSONBody[CountLinesIn]
    ) -> CountOut:
        return await counts.record(count_id=count_id, data=data, actor=current_user(request))

    @post("/counts/{count_id:int}/approve", status_code=HTTP_200_OK)
    async def approve_count(self, request: AnyRequest, counts: Counts, count_id: IdPath) -> CountOut:
        return await counts.approve(count_id=count_id, actor=current_user(request))

    @post("/counts/{count_id:int}/cancel", status_code=HTTP_200_OK)
    async def cancel_count(self, request: AnyRequest, counts: Counts, count_id: IdPath) -> CountOut:
        return await counts.cancel(count_id=count_id, actor=current_user(request))

    # ------------------------------------------------------------------ suppliers and purchase orders

    @get("/suppliers")
    async def suppliers(self, purchasing: Purchasing) -> list[SupplierOut]:
        return await purchasing.suppliers()

    @post("/suppliers", status_code=HTTP_201_CREATED)
    async def add_supplier(
        self, request: AnyRequest, purchasing: Purchasing, data: JSONBody[SupplierIn]
    ) -> SupplierOut:
        return await purchasing.save_supplier(supplier_id=None, data=data, actor=current_user(request))

    @put("/suppliers/{supplier_id:int}", status_code=HTTP_200_OK)
    async def save_supplier(
        self, request: AnyRequest, purchasing: Purchasing, supplier_id: IdPath, data: JSONBody[SupplierIn]
    ) -> SupplierOut:
        return await purchasing.save_supplier(supplier_id=supplier_id, data=data, actor=current_user(request))

    @get("/purchase-orders")
    async def pos(self, request: AnyRequest, purchasing: Purchasing, branch_id: IdQuery) -> list[PoOut]:
        return await purchasing.list_pos(branch_id=branch_id, actor=current_user(request))

    @post("/purchase-orders", status_code=HTTP_201_CREATED)
    async def create_po(self, request: AnyRequest, purchasing: Purchasing, data: JSONBody[PoIn]) -> PoOut:
        return await purchasing.create_po(data=data, actor=current_user(request))

    @get("/purchase-orders/{po_id:int}")
    async def po(self, request: AnyRequest, purchasing: Purchasing, po_id: IdPath) -> PoOut:
        return await purchasing.get_po(po_id=po_id, actor=current_user(request))

    @get("/purchase-orders/{po_id:int}/print")
    async def print_po(self, request: AnyRequest, purchasing: Purchasing, po_id: IdPath) -> Template:
        order = await purchasing.get_po(po_id=po_id, actor=current_user(request))
        return Template(template_name=PO_PRINT_TEMPLATE, context=await purchasing.print_context(order))

    @post("/purchase-orders/{po_id:int}/send", status_code=HTTP_200_OK)
    async def send_po(self, request: AnyRequest, purchasing: Purchasing, po_id: IdPath) -> PoOut:
        return await purchasing.move_po(po_id=po_id, to="sent", actor=current_user(request))

    @post("/purchase-orders/{po_id:int}/close", status_code=HTTP_200_OK)
    async def close_po(self, request: AnyRequest, purchasing: Purchasing, po_id: IdPath) -> PoOut:
        return await purchasing.move_po(po_id=po_id, to="closed", actor=current_user(request))

    @post("/purchase-orders/{po_id:int}/cancel", status_code=HTTP_200_OK)
    async def cancel_po(self, request: AnyRequest, purchasing: Purchasing, po_id: IdPath) -> PoOut:
        return await purchasing.move_po(po_id=po_id, to="cancelled", actor=current_user(request))

    @post("/purchase-orders/{po_id:int}/receive", status_code=HTTP_201_CREATED)
    async def receive_po(
        self, request: AnyRequest, purchasing: Purchasing, po_id: IdPath, data: JSONBody[ReceiveIn]
    ) -> ReceiptOut:
        return await purchasing.receive(po_id=po_id, data=data, actor=current_user(request))

    @get("/supplier-invoices")
    async def payables(
        self,
        request: AnyRequest,
        purchasing: Purchasing,
        branch_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
    ) -> PayablesOut:
        return await purchasing.payables(branch_id=branch_id, actor=current_user(request))

    @post("/supplier-invoices", status_code=HTTP_201_CREATED)
    async def add_invoice(
        self, request: AnyRequest, purchasing: Purchasing, data: JSONBody[InvoiceIn]
    ) -> InvoiceOut:
        return await purchasing.add_invoice(data=data, actor=current_user(request))

    @post("/supplier-invoices/{invoice_id:int}/payments", status_code=HTTP_200_OK)
    async def pay_invoice(
        self, request: AnyRequest, purchasing: Purchasing, invoice_id: IdPath, data: JSONBody[InvoicePayIn]
    ) -> InvoiceOut:
        return await purchasing.pay_invoice(invoice_id=invoice_id, data=data, actor=current_user(request))

    @get("/suggestions")
    async def suggestions(
        self, request: AnyRequest, forecasts: Forecasts, branch_id: IdQuery
    ) -> SuggestionsOut:
        ensure_branch_visible(current_user(request), branch_id, what="Branch")
        return await forecasts.suggestions(branch_id=branch_id)

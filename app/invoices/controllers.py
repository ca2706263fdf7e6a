"""Invoice, receipt and customer statement endpoints: thin; the rules are in app/invoices.

GET  /api/v1/invoices?order_id=                  the order's invoice and amendments    cashier, manager
GET  /api/v1/invoices/{id}                                                              cashier, manager
POST /api/v1/invoices/{id}/amendments            new buyer company / tax number        manager
GET  /api/v1/invoices/{id}/receipt[?format=escpos]   HTML (80 mm) or ESC/POS bytes      cashier, manager
GET  /api/v1/orders/{id}/receipt[?format=escpos]     pro-forma, "not an invoice"        cashier, manager
GET  /api/v1/customers/{id}/statement?from=&to=                                          cashier, manager
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.guards import current_user, requires_roles
from app.invoices import _receipt, escpos
from app.invoices._statement import customer_statement
from app.invoices._words import Words, receipt_languages
from app.invoices.schemas import AmendmentIn, InvoiceList, InvoiceOut, StatementOut
from app.invoices.services import InvoiceService
from app.lib.deps import DbSession, provide

AnyRequest = Request[Any, Any, Any]
Service = NamedDependency[InvoiceService]
ReceiptFormat = Annotated[Literal["html", "escpos"], QueryParameter(name="format")]
MAX_ID = 2**63 - 1
STAFF = requires_roles("cashier", "manager")
MANAGERS = requires_roles("manager")


# "ar", "en", "ar,en" (both, the first leading); anything else: the branch's language.
ReceiptLang = Annotated[str | None, QueryParameter(name="lang", max_length=20)]


def _receipt_response(
    doc: _receipt.ReceiptDoc, receipt_format: str, filename: str, lang: str | None
) -> Response[Any]:
    languages = receipt_languages(lang, doc.language)
    if receipt_format == "escpos":
        return Response(
            escpos.render(doc, languages),
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{filename}.bin"'},
        )
    words = Words(languages)
    return Template(template_name="receipts/receipt.html", context={"doc": doc, "words": words})


class InvoiceController(Controller):
    path = "/api/v1"
    tags = ["invoices"]
    guards = [STAFF]
    dependencies = {"invoice_service": provide(InvoiceService)}

    @get("/invoices")
    async def list_invoices(
        self, request: AnyRequest, invoice_service: Service, order_id: Annotated[uuid.UUID, QueryParameter()]
    ) -> InvoiceList:
        """The order's original invoice (first) and its amendments; empty while it is not invoiced."""
        return await invoice_service.for_order(order_id=order_id, actor=current_user(request))

    @get("/invoices/{invoice_id:uuid}")
    async def get_invoice(
        self, request: AnyRequest, invoice_id: FromPath[uuid.UUID], invoice_service: Service
    ) -> InvoiceOut:
        return await invoice_service.get(invoice_id=invoice_id, actor=current_user(request))

    @post("/invoices/{invoice_id:uuid}/amendments", guards=[MANAGERS])
    async def amend(
        self,
        request: AnyRequest,
        invoice_id: FromPath[uuid.UUID],
        data: JSONBody[AmendmentIn],
        invoice_service: Service,
    ) -> Response[InvoiceOut]:
        """A new document in the `{branch}-AM` series with the buyer's new details; the original stays."""
        out, created = await invoice_service.amend(
            invoice_id=invoice_id, request=data, actor=current_user(request)
        )
        return Response(out, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/invoices/{invoice_id:uuid}/receipt")
    async def invoice_receipt(
        self,
        request: AnyRequest,
        invoice_id: FromPath[uuid.UUID],
        invoice_service: Service,
        db_session: DbSession,
        receipt_format: ReceiptFormat = "html",
        lang: ReceiptLang = None,
    ) -> Response[Any]:
        invoice = await invoice_service.visible(invoice_id, current_user(request))
        doc = await _receipt.invoice_receipt(db_session, invoice)
        return _receipt_response(doc, receipt_format, invoice.number_text, lang)

    @get("/orders/{order_id:uuid}/receipt")
    async def proforma_receipt(
        self,
        request: AnyRequest,
        order_id: FromPath[uuid.UUID],
        db_session: DbSession,
        receipt_format: ReceiptFormat = "html",
        lang: ReceiptLang = None,
    ) -> Response[Any]:
        """The order as a receipt before it is invoiced, marked "PRO-FORMA — not an invoice"."""
        doc = await _receipt.proforma_receipt(db_session, order_id, current_user(request))
        return _receipt_response(doc, receipt_format, f"proforma-{order_id}", lang)

    @get("/customers/{customer_id:int}/statement")
    async def statement(
        self,
        request: AnyRequest,
        customer_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)],
        db_session: DbSession,
        date_from: Annotated[dt.date | None, QueryParameter(name="from")] = None,
        date_to: Annotated[dt.date | None, QueryParameter(name="to")] = None,
    ) -> StatementOut:
        return await customer_statement(
            db_session,
            customer_id=customer_id,
            date_from=date_from,
            date_to=date_to,
            actor=current_user(request),
        )

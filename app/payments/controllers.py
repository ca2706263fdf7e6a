"""Payment endpoints: thin; every rule is in PaymentService.

POST /api/v1/orders/{order_id}/payments      cashier, manager   take a tender (idempotent on its id)
POST /api/v1/payments/{payment_id}/void      cashier (own, during the shift), manager
POST /api/v1/payments/{payment_id}/refund    manager            (idempotent on the refund's id)
POST /api/v1/payments/webhooks/{provider}     the gateway        (no session; the provider checks its signature)
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.guards import current_user, requires_login, requires_roles
from app.lib.deps import provide
from app.payments.schemas import PaymentIn, PaymentResult, RefundIn, RefundResult, VoidIn, WebhookOut
from app.payments.services import PaymentService

AnyRequest = Request[Any, Any, Any]
Service = NamedDependency[PaymentService]
TILL = requires_roles("cashier", "manager")
MANAGERS = requires_roles("manager")


class PaymentController(Controller):
    path = "/api/v1"
    tags = ["payments"]
    guards = [requires_login]
    dependencies = {"payment_service": provide(PaymentService)}

    @post("/orders/{order_id:uuid}/payments", guards=[TILL])
    async def collect(
        self,
        request: AnyRequest,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[PaymentIn],
        payment_service: Service,
    ) -> Response[PaymentResult]:
        result, created = await payment_service.collect(
            order_id=order_id, request=data, actor=current_user(request)
        )
        return Response(result, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @post("/payments/{payment_id:uuid}/void", guards=[TILL], status_code=HTTP_200_OK)
    async def void(
        self,
        request: AnyRequest,
        payment_id: FromPath[uuid.UUID],
        data: JSONBody[VoidIn],
        payment_service: Service,
    ) -> PaymentResult:
        return await payment_service.void(payment_id=payment_id, request=data, actor=current_user(request))

    @post("/payments/{payment_id:uuid}/refund", guards=[MANAGERS])
    async def refund(
        self,
        request: AnyRequest,
        payment_id: FromPath[uuid.UUID],
        data: JSONBody[RefundIn],
        payment_service: Service,
    ) -> Response[RefundResult]:
        result, created = await payment_service.refund(
            payment_id=payment_id, request=data, actor=current_user(request)
        )
        return Response(result, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


class PaymentWebhookController(Controller):
    """Notices from payment gateways. No session: the provider verifies the gateway's signature."""

    path = "/api/v1/payments/webhooks"
    tags = ["payments"]
    dependencies = {"payment_service": provide(PaymentService)}

    @post("/{provider:str}", status_code=HTTP_200_OK)
    async def webhook(
        self, request: AnyRequest, provider: FromPath[str], payment_service: Service
    ) -> WebhookOut:
        return await payment_service.webhook(
            provider=provider, body=await request.body(), headers=request.headers
        )

"""Dispatch and courier cash endpoints: thin; every rule is in DispatchService / the dispatch flows.

GET  /api/v1/orders/{id}/settlement-preview?courier_id=&settle_mode=   manager
POST /api/v1/dispatch                                 a trip: several orders, one courier   manager
GET  /api/v1/deliveries/{id}                          courier (own) or manager
POST /api/v1/deliveries/{id}/accept | delivered | returned
GET  /api/v1/couriers/{id}/deliveries?active=         courier (own) or manager
GET  /api/v1/couriers/{id}/today                      courier (own) or manager: deliveries on the road + balance
GET  /api/v1/couriers/{id}/balance                    courier (own) or manager
GET  /api/v1/couriers/balances?branch_id=             manager
GET  /api/v1/couriers/{id}/settlements/preview?transaction_ids=   manager
POST /api/v1/couriers/{id}/settlements                manager
GET  /api/v1/couriers/{id}/settlements?before=        courier (own) or manager
GET  /api/v1/settlements/{id}                         courier (own) or manager: one settlement and its rows
GET  /api/v1/settlements/{id}/slip                    the same as a printable 80 mm slip (HTML)
POST /api/v1/settlements/bulk                         manager (an arq job)
GET  /api/v1/settlements/bulk/{id}?branch_id=         manager
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from app.auth.guards import current_user, requires_login, requires_roles
from app.dispatch.schemas import (
    MAX_SETTLE_TRANSACTIONS,
    BalanceOut,
    BulkSettleIn,
    BulkSettleOut,
    CourierTodayOut,
    DeliveryActionIn,
    DeliveryOut,
    DispatchIn,
    DispatchOut,
    PreviewOut,
    SettleIn,
    SettlementDetailOut,
    SettlementOut,
    SettlementPage,
    SettlementPreviewOut,
    SettleMode,
)
from app.dispatch.services import DispatchService
from app.dispatch.slip import SLIP_TEMPLATE, slip_context
from app.lib.deps import provide
from app.orders.states import State

AnyRequest = Request[Any, Any, Any]
Service = NamedDependency[DispatchService]
MAX_ID = 2**63 - 1
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
IdQuery = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]
MANAGERS = requires_roles("manager")
ROAD = requires_roles("courier", "manager")


class DispatchController(Controller):
    path = "/api/v1"
    tags = ["dispatch"]
    guards = [requires_login]
    dependencies = {"dispatch_service": provide(DispatchService)}

    # ------------------------------------------------------------------ dispatch

    @get("/orders/{order_id:uuid}/settlement-preview", guards=[MANAGERS])
    async def settlement_preview(
        self,
        request: AnyRequest,
        order_id: FromPath[uuid.UUID],
        dispatch_service: Service,
        settle_mode: Annotated[SettleMode, QueryParameter()],
        courier_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
    ) -> PreviewOut:
        """What dispatching the order would mean in cash, before confirming (DESIGN §6)."""
        return await dispatch_service.preview(
            order_id=order_id, courier_id=courier_id, settle_mode=settle_mode, actor=current_user(request)
        )

    @post("/dispatch", guards=[MANAGERS])
    async def dispatch_trip(
        self, request: AnyRequest, data: JSONBody[DispatchIn], dispatch_service: Service
    ) -> Response[DispatchOut]:
        """Several delivery orders out with one courier as a trip, all or nothing."""
        out = await dispatch_service.dispatch(request=data, actor=current_user(request))
        return Response(out, status_code=HTTP_200_OK if out.replayed else HTTP_201_CREATED)

    # ------------------------------------------------------------------ deliveries

    @get("/deliveries/{delivery_id:uuid}", guards=[ROAD])
    async def get_delivery(
        self, request: AnyRequest, delivery_id: FromPath[uuid.UUID], dispatch_service: Service
    ) -> DeliveryOut:
        return await dispatch_service.delivery(delivery_id=delivery_id, actor=current_user(request))

    @post("/deliveries/{delivery_id:uuid}/accept", guards=[ROAD], status_code=HTTP_200_OK)
    async def accept_delivery(
        self, request: AnyRequest, delivery_id: FromPath[uuid.UUID], dispatch_service: Service
    ) -> DeliveryOut:
        return await dispatch_service.accept(delivery_id=delivery_id, actor=current_user(request))

    @post("/deliveries/{delivery_id:uuid}/delivered", guards=[ROAD], status_code=HTTP_200_OK)
    async def delivered(
        self,
        request: AnyRequest,
        delivery_id: FromPath[uuid.UUID],
        data: JSONBody[DeliveryActionIn],
        dispatch_service: Service,
    ) -> DeliveryOut:
        return await dispatch_service.finish(
            delivery_id=delivery_id,
            to=State.DELIVERED,
            cash_collected=data.cash_collected,
            extra=data.extra,
            reason=None,
            expected_version=data.expected_version,
            actor=current_user(request),
        )

    @post("/deliveries/{delivery_id:uuid}/returned", guards=[ROAD], status_code=HTTP_200_OK)
    async def returned(
        self,
        request: AnyRequest,
        delivery_id: FromPath[uuid.UUID],
        data: JSONBody[DeliveryActionIn],
        dispatch_service: Service,
    ) -> DeliveryOut:
        return await dispatch_service.finish(
            delivery_id=delivery_id,
            to=State.RETURNED,
            cash_collected=data.cash_collected,
            extra=data.extra,
            reason=data.reason,
            expected_version=data.expected_version,
            actor=current_user(request),
        )

    @get("/couriers/{courier_id:int}/deliveries", guards=[ROAD])
    async def courier_deliveries(
        self,
        request: AnyRequest,
        courier_id: IdPath,
        dispatch_service: Service,
        active: Annotated[bool, QueryParameter()] = True,
    ) -> list[DeliveryOut]:
        """On the road (`active`, the default), else the latest 100."""
        return await dispatch_service.deliveries(
            courier_id=courier_id, active=active, actor=current_user(request)
        )

    @get("/couriers/{courier_id:int}/today", guards=[ROAD])
    async def courier_today(
        self, request: AnyRequest, courier_id: IdPath, dispatch_service: Service
    ) -> CourierTodayOut:
        """The deliveries on the road and the balance together: the courier page's first load."""
        return await dispatch_service.today(courier_id=courier_id, actor=current_user(request))

    # ------------------------------------------------------------------ balances and settlements

    @get("/couriers/{courier_id:int}/balance", guards=[ROAD])
    async def balance(self, request: AnyRequest, courier_id: IdPath, dispatch_service: Service) -> BalanceOut:
        return await dispatch_service.balance(courier_id=courier_id, actor=current_user(request))

    @get("/couriers/balances", guards=[MANAGERS])
    async def balances(
        self, request: AnyRequest, dispatch_service: Service, branch_id: IdQuery
    ) -> list[BalanceOut]:
        return await dispatch_service.balances(branch_id=branch_id, actor=current_user(request))

    @get("/couriers/{courier_id:int}/settlements/preview", guards=[MANAGERS])
    async def settlement_preview_for_courier(
        self,
        request: AnyRequest,
        courier_id: IdPath,
        dispatch_service: Service,
        transaction_ids: Annotated[
            list[Annotated[int, QueryParameter(ge=1, le=MAX_ID)]] | None,
            QueryParameter(max_items=MAX_SETTLE_TRANSACTIONS),
        ] = None,
    ) -> SettlementPreviewOut:
        """Every open transaction of the courier, or the ones named, and what settling them moves."""
        return await dispatch_service.settlement_preview(
            courier_id=courier_id, transaction_ids=transaction_ids, actor=current_user(request)
        )

    @post("/couriers/{courier_id:int}/settlements", guards=[MANAGERS])
    async def settle(
        self, request: AnyRequest, courier_id: IdPath, data: JSONBody[SettleIn], dispatch_service: Service
    ) -> Response[SettlementOut]:
        out, created = await dispatch_service.settle(
            courier_id=courier_id, request=data, actor=current_user(request)
        )
        return Response(out, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/couriers/{courier_id:int}/settlements", guards=[ROAD])
    async def settlement_history(
        self,
        request: AnyRequest,
        courier_id: IdPath,
        dispatch_service: Service,
        before: Annotated[dt.datetime | None, QueryParameter()] = None,
    ) -> SettlementPage:
        return await dispatch_service.history(
            courier_id=courier_id, before=before, actor=current_user(request)
        )

    @get("/settlements/{settlement_id:uuid}", guards=[ROAD])
    async def settlement(
        self, request: AnyRequest, settlement_id: FromPath[uuid.UUID], dispatch_service: Service
    ) -> SettlementDetailOut:
        return await dispatch_service.settlement_detail(
            settlement_id=settlement_id, actor=current_user(request)
        )

    @get("/settlements/{settlement_id:uuid}/slip", guards=[ROAD])
    async def settlement_slip(
        self, request: AnyRequest, settlement_id: FromPath[uuid.UUID], dispatch_service: Service
    ) -> Template:
        """The settlement as a slip for an 80 mm printer: what changed hands, signed by both."""
        detail = await dispatch_service.settlement_detail(
            settlement_id=settlement_id, actor=current_user(request)
        )
        return Template(template_name=SLIP_TEMPLATE, context=slip_context(detail))

    @post("/settlements/bulk", guards=[MANAGERS], status_code=HTTP_202_ACCEPTED)
    async def settle_bulk(
        self, request: AnyRequest, data: JSONBody[BulkSettleIn], dispatch_service: Service
    ) -> BulkSettleOut:
        """Queue the settlement of many couriers (an arq job named after `id`); poll the GET for the result."""
        return await dispatch_service.enqueue_bulk(request=data, actor=current_user(request))

    @get("/settlements/bulk/{bulk_id:uuid}", guards=[MANAGERS])
    async def bulk_status(
        self, request: AnyRequest, bulk_id: FromPath[uuid.UUID], dispatch_service: Service, branch_id: IdQuery
    ) -> BulkSettleOut:
        return await dispatch_service.bulk_status(
            bulk_id=bulk_id, branch_id=branch_id, actor=current_user(request)
        )

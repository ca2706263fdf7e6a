"""Order endpoints: thin; every rule is in OrderService (and every move behind its door)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.guards import current_user, requires_login, requires_roles
from app.lib.deps import provide
from app.lib.request import ITEMS_CHECKED_OPT
from app.orders.schemas import (
    BoardOut,
    OrderCreate,
    OrderOut,
    OrderPage,
    OrderSync,
    SyncOut,
    TransitionIn,
    TransitionOut,
)
from app.orders.service import OrderService
from app.orders.states import Channel, State

AnyRequest = Request[Any, Any, Any]
Service = NamedDependency[OrderService]
SELLERS = requires_roles("cashier", "manager")


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]
    guards = [requires_login]
    dependencies = {"order_service": provide(OrderService)}

    @post("/", guards=[SELLERS])
    async def create(
        self, request: AnyRequest, data: JSONBody[OrderCreate], order_service: Service
    ) -> Response[OrderOut]:
        order, created = await order_service.create(request=data, actor=current_user(request))
        return Response(order, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    # Each order of the batch is checked on its own (NUL text included): one bad sale refuses only itself.
    @post("/sync", guards=[SELLERS], status_code=HTTP_200_OK, opt={ITEMS_CHECKED_OPT: True})
    async def sync(self, request: AnyRequest, data: JSONBody[OrderSync], order_service: Service) -> SyncOut:
        return await order_service.sync(orders=data.orders, actor=current_user(request))

    @post("/{order_id:uuid}/transitions", status_code=HTTP_200_OK)
    async def transition(
        self,
        request: AnyRequest,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[TransitionIn],
        order_service: Service,
    ) -> TransitionOut:
        return await order_service.transition(order_id=order_id, request=data, actor=current_user(request))

    @get("/{order_id:uuid}")
    async def get_order(
        self, request: AnyRequest, order_id: FromPath[uuid.UUID], order_service: Service
    ) -> OrderOut:
        return await order_service.get(order_id=order_id, actor=current_user(request))

    @get("/")
    async def list_orders(
        self,
        request: AnyRequest,
        order_service: Service,
        branch_id: FromQuery[int | None] = None,
        order_state: Annotated[State | None, QueryParameter(name="state")] = None,
        channel: FromQuery[Channel | None] = None,
        since: FromQuery[dt.datetime | None] = None,
    ) -> OrderPage:
        return await order_service.list_orders(
            actor=current_user(request), branch_id=branch_id, state=order_state, channel=channel, since=since
        )


class BoardController(Controller):
    path = "/api/v1/branches"
    tags = ["orders"]
    guards = [requires_login]
    dependencies = {"order_service": provide(OrderService)}

    @get("/{branch_id:int}/board")
    async def board(self, request: AnyRequest, branch_id: FromPath[int], order_service: Service) -> BoardOut:
        return await order_service.board(branch_id=branch_id, actor=current_user(request))

"""Card actions on the board: thin; the rules are in OrderActions.

- `POST /api/v1/orders/{id}/cancel`   {reason, refund?, refund_amount?, expected_version?}  (manager)
- `POST /api/v1/orders/{id}/transfer` {branch_id, expected_version?}        (manager of both branches)
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.guards import current_user, requires_login, requires_roles
from app.lib.deps import provide
from app.orders.actions.schemas import CancelIn, CancelOut, TransferIn, TransferOut
from app.orders.actions.service import OrderActions

AnyRequest = Request[Any, Any, Any]
Actions = NamedDependency[OrderActions]


class OrderActionController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]
    # Admins pass every role guard (SessionUser.has_role).
    guards = [requires_login, requires_roles("manager")]
    dependencies = {"order_actions": provide(OrderActions)}

    @post("/{order_id:uuid}/cancel", status_code=HTTP_200_OK)
    async def cancel(
        self,
        request: AnyRequest,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[CancelIn],
        order_actions: Actions,
    ) -> CancelOut:
        return await order_actions.cancel(
            order_id=order_id,
            reason=data.reason,
            refund=data.refund,
            refund_amount=data.refund_amount,
            expected_version=data.expected_version,
            actor=current_user(request),
        )

    @post("/{order_id:uuid}/transfer", status_code=HTTP_201_CREATED)
    async def transfer(
        self,
        request: AnyRequest,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[TransferIn],
        order_actions: Actions,
    ) -> TransferOut:
        return await order_actions.transfer(
            order_id=order_id,
            branch_id=data.branch_id,
            expected_version=data.expected_version,
            actor=current_user(request),
        )

"""Order transitions over the Lua state machine, and what each refusal means to the client."""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException, ServiceUnavailableException
from sqlalchemy import select

from app.db.models import (
    Courier,
    Order,
)
from app.invoices.queue import enqueue_issue_quietly
from app.lib.errors import ApiError, conflict, unprocessable
from app.orders.machine import TransitionReply
from app.orders.schemas import (
    TransitionIn,
    TransitionOut,
)
from app.orders.services._base import OrderServiceBase
from app.orders.states import (
    TERMINAL,
    State,
)

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

log = logging.getLogger(__name__)

TICKET_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-4c1e-8a52-3d0f6b9e2c11")
MANUAL_PRICE_ROLES = ("manager",)
LIST_LIMIT = 100
_order_decoder = msgspec.json.Decoder(dict[str, Any])
INVOICE_ON = frozenset({State.DELIVERED, State.COMPLETED})


class _BoundedMap:
    """A small LRU of immutable facts (order -> branch)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[uuid.UUID, int] = OrderedDict()

    def get(self, key: uuid.UUID) -> int | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def remember(self, key: uuid.UUID, value: int) -> int:
        self._items[key] = value
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return value


_ORDER_BRANCH = _BoundedMap(100_000)


class TransitionMixin(OrderServiceBase):
    # ------------------------------------------------------------------ transitions

    async def transition(
        self, *, order_id: uuid.UUID, request: TransitionIn, actor: SessionUser
    ) -> TransitionOut:
        branch_id = await self._branch_of(order_id, actor)
        if request.courier_id is not None:
            await self._check_courier(request.courier_id, branch_id)
        if actor.roles == ("courier",):
            await self._check_own_delivery(order_id, branch_id, actor)
        # Give the connection back before waiting on Redis and the journal: the journal's own commit needs
        # one from the same pool, and a request holding one while it waits could starve it.
        await self.session.rollback()
        guard = {
            "courier_id": request.courier_id,
            "settle_mode": request.settle_mode,
            "reason": request.reason,
            "actor": actor.user_id,
        }
        reply = await self.machine.transition(
            branch_id=branch_id,
            order_id=str(order_id),
            to=request.to,
            expected_version=request.expected_version,
            roles=actor.roles,
            guard=guard,
        )
        if reply.outcome == "ok":
            assert reply.event is not None
            if self.journal is not None:
                await self.journal.record(reply.event)
            assert reply.state is not None
            assert reply.version is not None
            assert reply.stream_id is not None
            await self._queue_invoice(order_id, request.to)
            return TransitionOut(
                order_id=order_id,
                from_state=reply.state,
                state=request.to.value,
                version=reply.version,
                event_id=reply.stream_id,
            )
        raise await self._refusal(reply, order_id=order_id, target=request.to.value)

    async def _queue_invoice(self, order_id: uuid.UUID, to: State) -> None:
        """Pay-later orders are invoiced when handed over (issue 5): one enqueue, after the move succeeded.
        The job skips an order already invoiced (paid orders usually are)."""
        if to in INVOICE_ON:
            await enqueue_issue_quietly(self.redis, self.keys, order_id)

    async def _refusal(self, reply: TransitionReply, *, order_id: uuid.UUID, target: str) -> Exception:
        outcome, state, version, detail = reply.outcome, reply.state, reply.version, reply.detail
        if outcome == "forbidden":
            return PermissionDeniedException(
                detail=f"Your role may not move an order from {state} to {target}"
            )
        if outcome == "missing":
            return unprocessable(detail or "to", f"moving to {target} needs {detail}")
        if outcome == "invalid":
            return ApiError(
                422,
                f"to: orders on this channel cannot move to {target}",
                field="to",
                state=state,
                version=version,
            )
        if outcome == "conflict":
            message = {
                "stale_version": f"The order changed meanwhile: it is now {state}, version {version}",
                "illegal": f"An order cannot move from {state} to {target}",
                "unpaid": "The order is not fully paid yet",
                "busy": "The order kept changing while being moved; try again",
            }.get(detail or "", "Conflict")
            return conflict(message, state=state, version=version, reason=detail)
        # The order is in PostgreSQL (we resolved its branch there) but not in Redis.
        row = await self.session.get(Order, order_id)
        if row is not None and row.state in TERMINAL:
            return conflict(
                f"An order cannot move from {row.state} to {target}",
                state=row.state,
                version=row.version,
                reason="illegal",
            )
        log.error("order missing from the hot state", extra={"order_id": str(order_id)})
        return ServiceUnavailableException(
            detail="This order's live state is missing; run `passline rebuild`"
        )

    async def _branch_of(self, order_id: uuid.UUID, actor: SessionUser) -> int:
        # An order never changes branch, so each process remembers the answer (transfers between branches,
        # when they come, create a new order).
        branch_id = _ORDER_BRANCH.get(order_id)
        if branch_id is None:
            pointer = await self.redis.get(self.keys.order_branch(str(order_id)))
            found = (
                int(pointer)
                if pointer is not None
                else await self.session.scalar(select(Order.branch_id).where(Order.id == order_id))
            )
            if found is None:
                raise NotFoundException(detail="Order not found")
            branch_id = _ORDER_BRANCH.remember(order_id, int(found))
        if not actor.can_see_branch(branch_id):
            raise NotFoundException(detail="Order not found")
        return branch_id

    async def _check_courier(self, courier_id: int, branch_id: int) -> None:
        courier = await self.session.get(Courier, courier_id)
        if courier is None or not courier.active or courier.branch_id != branch_id:
            raise unprocessable("courier_id", f"courier {courier_id} does not work for this branch")

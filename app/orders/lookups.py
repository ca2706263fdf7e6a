"""Small reads every order flow makes: which branch an order is in, who its customer is, what its
branch's currency has for decimals, its tickets, and what a refused move means to the client."""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException, PermissionDeniedException, ServiceUnavailableException
from sqlalchemy import select

from app.catalog.cache import CATALOG
from app.db.models import Courier, Customer, CustomerPhone, KitchenTicket, Order
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.i18n import _
from app.lib.labels import state_code
from app.lib.redis import hget
from app.orders.states import TERMINAL

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.redis import Keys
    from app.orders.door import MoveRefusedError
    from app.orders.machine import TransitionReply


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

log = logging.getLogger(__name__)


async def branch_of(
    session: AsyncSession, redis: Redis, keys: Keys, order_id: uuid.UUID, actor: SessionUser
) -> int:
    """The order's branch (404 for an order the actor may not see). An order never changes branch (a transfer
    makes a new order), so each process remembers the answer."""
    branch_id = _ORDER_BRANCH.get(order_id)
    if branch_id is None:
        pointer = await redis.get(keys.order_branch(str(order_id)))
        found = (
            int(pointer)
            if pointer is not None
            else await session.scalar(select(Order.branch_id).where(Order.id == order_id))
        )
        if found is None:
            raise NotFoundException(detail=_("Order not found"))
        branch_id = _ORDER_BRANCH.remember(order_id, int(found))
    if not actor.can_see_branch(branch_id):
        raise NotFoundException(detail=_("Order not found"))
    return branch_id


async def customer_of(session: AsyncSession, customer_id: int | None) -> tuple[Customer, str | None] | None:
    """The customer and their primary phone (the card and the kanban show both)."""
    if customer_id is None:
        return None
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise unprocessable("customer_id", _("unknown customer %(customer_id)s", customer_id=customer_id))
    phone = await session.scalar(
        select(CustomerPhone.phone)
        .where(CustomerPhone.customer_id == customer_id)
        .order_by(CustomerPhone.is_primary.desc(), CustomerPhone.id)
        .limit(1)
    )
    return customer, phone


async def exponent_of(session: AsyncSession, branch_id: int) -> int:
    """The branch currency's decimals."""
    branch = await CATALOG.branch(session, branch_id)
    return branch.currency_exponent if branch is not None else 2


async def tickets_of(session: AsyncSession, order_id: uuid.UUID) -> list[KitchenTicket]:
    return list(
        (
            await session.scalars(
                select(KitchenTicket)
                .where(KitchenTicket.order_id == order_id)
                .order_by(KitchenTicket.station_code)
            )
        ).all()
    )


async def check_courier(session: AsyncSession, courier_id: int, branch_id: int) -> None:
    courier = await session.get(Courier, courier_id)
    if courier is None or not courier.active or courier.branch_id != branch_id:
        raise unprocessable(
            "courier_id", _("courier %(courier_id)s does not work for this branch", courier_id=courier_id)
        )


async def check_own_delivery(
    session: AsyncSession,
    redis: Redis,
    keys: Keys,
    order_id: uuid.UUID,
    *,
    branch_id: int,
    actor: SessionUser,
) -> None:
    """A courier sees and moves only their own deliveries; anyone else's is a 404."""
    mine = await session.scalar(select(Courier.id).where(Courier.user_id == actor.user_id))
    assigned = await hget(redis, keys.order(branch_id, str(order_id)), "courier_id")
    if mine is None or assigned is None or int(assigned) != mine:
        raise NotFoundException(detail=_("Order not found"))


def live_state_missing(order_id: uuid.UUID) -> Exception:
    log.error("order missing from the hot state", extra={"order_id": str(order_id)})
    return ServiceUnavailableException(detail=_("This order's live state is missing; run `passline rebuild`"))


async def refusal(session: AsyncSession, refused: MoveRefusedError) -> Exception:
    """What a refused move means to the client: 403, 422, 409 with the current state and version."""
    return await reply_refusal(session, refused.reply, order_id=refused.order_id, target=refused.to.value)


async def reply_refusal(
    session: AsyncSession, reply: TransitionReply, *, order_id: uuid.UUID, target: str
) -> Exception:
    outcome, state, version, detail = reply.outcome, reply.state, reply.version, reply.detail
    if outcome == "forbidden":
        return PermissionDeniedException(
            detail=_(
                "Your role may not move an order from %(state)s to %(target)s",
                state=state_code(state),
                target=state_code(target),
            )
        )
    if outcome == "missing":
        return unprocessable(
            detail or "to",
            _("moving to %(target)s needs %(detail)s", target=state_code(target), detail=detail),
        )
    if outcome == "invalid":
        return ApiError(
            422,
            _("to: orders on this channel cannot move to %(target)s", target=state_code(target)),
            field="to",
            state=state,
            version=version,
        )
    if outcome == "conflict":
        message = {
            "stale_version": _(
                "The order changed meanwhile: it is now %(state)s, version %(version)s",
                state=state_code(state),
                version=version,
            ),
            "illegal": _(
                "An order cannot move from %(state)s to %(target)s",
                state=state_code(state),
                target=state_code(target),
            ),
            "unpaid": _("The order is not fully paid yet"),
            "busy": _("The order kept changing while being moved; try again"),
        }.get(detail or "", _("Conflict"))
        return conflict(message, state=state, version=version, reason=detail)
    # The order is in PostgreSQL (its branch was found there) but not in Redis.
    row = await session.get(Order, order_id)
    if row is not None and row.state in TERMINAL:
        return conflict(
            _(
                "An order cannot move from %(state)s to %(target)s",
                state=state_code(row.state),
                target=state_code(target),
            ),
            state=row.state,
            version=row.version,
            reason="illegal",
        )
    return live_state_missing(order_id)

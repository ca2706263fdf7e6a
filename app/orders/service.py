"""The order service: create (and replay offline queues), read, and the generic transitions endpoint.

Every move goes through the door (app/orders/door.py). The transitions endpoint hands a cancel to the card
actions (app/orders/actions), which answer for money taken, and the moves onto and off the road to the
dispatch domain through a port (`ROAD_MOVES`, bound in app/wiring.py), so this package imports no domain
above it.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import msgspec
from litestar.exceptions import HTTPException, PermissionDeniedException
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import selectinload

from app.catalog.cache import CATALOG
from app.db.models import Order, OrderLine
from app.lib.deps import Port, ScopedService
from app.lib.errors import ApiError, conflict, refused_value, unprocessable
from app.lib.fields import validation_problem
from app.lib.i18n import _
from app.menu.services import MenuService
from app.orders import _reads
from app.orders._announce import announce_new
from app.orders._create import OrderWriter, check_slot_to_come, rejected, request_hash
from app.orders.actions.service import OrderActions
from app.orders.door import Door, FollowUp, Move, MoveRefusedError
from app.orders.lookups import (
    branch_of,
    check_courier,
    check_own_delivery,
    customer_of,
    exponent_of,
    refusal,
    tickets_of,
)
from app.orders.schemas import (
    BoardOut,
    OrderCreate,
    OrderOut,
    OrderPage,
    SyncOut,
    SyncResult,
    TransitionIn,
    TransitionOut,
)
from app.orders.states import TERMINAL, State

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from app.lib.deps import Scope
    from app.orders.states import Channel

log = logging.getLogger(__name__)

ROAD = frozenset({State.OUT_FOR_DELIVERY, State.DELIVERED, State.RETURNED})
# Moves by a person that the kitchen follows up on (KITCHEN_MOVES).
KITCHEN_FOLLOWS = frozenset({State.PREPARING})


class RoadMoves(Protocol):
    """Moves onto and off the road (dispatch, delivered, returned): they write deliveries and courier money
    first. Implemented by app/dispatch/flows.py."""

    async def transition(
        self, *, order_id: uuid.UUID, request: TransitionIn, actor: SessionUser
    ) -> TransitionOut: ...


ROAD_MOVES: Port[RoadMoves] = Port("road moves")


class KitchenMoves(Protocol):
    """What a person's move of an order means for its kitchen tickets (a manager dragging a card to
    Preparing starts them). Implemented by app/kitchen/flows.py; the door runs it as the move's follow-up."""

    def after_move(self, *, to: State, actor: int | None) -> FollowUp | None: ...


KITCHEN_MOVES: Port[KitchenMoves] = Port("kitchen moves")


class OrderService(ScopedService):
    def __init__(self, scope: Scope) -> None:
        super().__init__(scope)
        self.door = scope.get(Door)

    @property
    def writer(self) -> OrderWriter:
        return OrderWriter(self.session, self.redis, self.keys, self.scope.lua)

    # ------------------------------------------------------------------ create

    async def create(self, *, request: OrderCreate, actor: SessionUser) -> tuple[OrderOut, bool]:
        """Returns (the order, whether this call created it).

        The new order is attempted first; only when that fails — a duplicate id, or a request that no
        longer validates because the catalog changed since an offline sale — is the id looked up, so a
        replay still gets its order back and the common case pays for no extra read.
        """
        digest = request_hash(request)
        try:
            # Inside the try: a replayed sale whose slot has passed since still gets its order back.
            request = await self.writer.with_local_slot(request)
            check_slot_to_come(request, dt.datetime.now(dt.UTC))
            order, lines, tickets, customer = await self.writer.insert(request, digest, actor)
        except (IntegrityError, ApiError, PermissionDeniedException):
            await self.session.rollback()
            existing = await self._existing(request, digest, actor)
            if existing is None:
                raise
            return existing, False
        exponent = await exponent_of(self.session, order.branch_id)
        await announce_new(
            self.door.machine, self.bus, order, lines, tickets, customer=customer, exponent=exponent
        )
        await self._sold_out(order.branch_id, lines)
        return _reads.order_out(order, lines, tickets, exponent=exponent), True

    async def _sold_out(self, branch_id: int, lines: list[OrderLine]) -> None:
        """Menu depth: a sale that took a tracked stock to zero 86s the product (tills grey it out)."""
        products = await CATALOG.products(self.session, branch_id, {line.product_id for line in lines})
        tracked = [p.id for p in products.values() if p.stock_tracked]
        if tracked:
            await self.scope.get(MenuService).auto_86_sold_out(branch_id=branch_id, product_ids=tracked)

    async def _existing(self, request: OrderCreate, digest: str, actor: SessionUser) -> OrderOut | None:
        order = await self.session.get(Order, request.id, options=[selectinload(Order.lines)])
        if order is None:
            return None
        if order.request_hash != digest or not actor.can_see_branch(order.branch_id):
            raise conflict(
                _("An order with this id already exists with different content"), order_id=str(order.id)
            )
        tickets = await tickets_of(self.session, order.id)
        exponent = await exponent_of(self.session, order.branch_id)
        if order.state not in TERMINAL:
            # The first attempt may have committed and then lost Redis or its connection: finish it now.
            customer = await customer_of(self.session, order.customer_id)
            await announce_new(
                self.door.machine,
                self.bus,
                order,
                list(order.lines),
                tickets,
                customer=customer,
                exponent=exponent,
            )
        out = _reads.order_out(order, list(order.lines), tickets, exponent=exponent)
        return await _reads.with_hot_state(self.redis, self.keys, out)

    async def sync(self, *, orders: list[Any], actor: SessionUser) -> SyncOut:
        """Replay an offline queue: each order on its own (one refused sale does not refuse the rest)."""
        results = []
        for index, raw in enumerate(orders):
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            try:
                request = msgspec.convert(raw, OrderCreate, strict=False)
                order, created = await self.create(request=request, actor=actor)
            except msgspec.ValidationError as exc:
                field, reason = validation_problem(exc)
                results.append(rejected(index, raw_id, 422, reason, field))
            except ApiError as exc:
                await self.session.rollback()
                field = exc.fields.get("field")
                results.append(
                    rejected(
                        index, raw_id, exc.status_code, exc.detail, field if isinstance(field, str) else None
                    )
                )
            except HTTPException as exc:  # 403, 404 and any other client error: this sale's own answer
                if exc.status_code >= 500:
                    raise
                await self.session.rollback()
                results.append(rejected(index, raw_id, exc.status_code, exc.detail))
            except DBAPIError as exc:
                if (refused := refused_value(exc)) is None:
                    raise
                await self.session.rollback()
                results.append(rejected(index, raw_id, 422, refused))
            else:
                results.append(
                    SyncResult(
                        index=index,
                        id=str(order.id),
                        result="created" if created else "existed",
                        status=201 if created else 200,
                        order=order,
                    )
                )
        return SyncOut(results=results)

    # ------------------------------------------------------------------ reads

    async def get(self, *, order_id: uuid.UUID, actor: SessionUser) -> OrderOut:
        return await _reads.get_order(self.session, self.redis, self.keys, order_id=order_id, actor=actor)

    async def list_orders(
        self,
        *,
        actor: SessionUser,
        branch_id: int | None,
        state: State | None,
        channel: Channel | None,
        since: dt.datetime | None,
        states: Sequence[State] = (),
    ) -> OrderPage:
        return await _reads.list_orders(
            self.session,
            actor=actor,
            branch_id=branch_id,
            state=state,
            channel=channel,
            since=since,
            states=states,
        )

    async def board(self, *, branch_id: int, actor: SessionUser) -> BoardOut:
        return await _reads.board(self.session, self.door.machine, branch_id=branch_id, actor=actor)

    # ------------------------------------------------------------------ the transitions endpoint

    async def transition(
        self, *, order_id: uuid.UUID, request: TransitionIn, actor: SessionUser
    ) -> TransitionOut:
        if request.cash_collected is not None and request.to is not State.DELIVERED:
            raise unprocessable("cash_collected", _("only a delivered order records the cash collected"))
        if request.to in ROAD:
            return await self.scope.port(ROAD_MOVES).transition(
                order_id=order_id, request=request, actor=actor
            )
        if request.to is State.CANCELLED:
            # A cancel answers for money taken on the order: the card actions decide it.
            return await self.scope.get(OrderActions).cancel_move(
                order_id=order_id, request=request, actor=actor
            )
        branch_id = await branch_of(self.session, self.redis, self.keys, order_id, actor)
        if request.courier_id is not None:
            await check_courier(self.session, request.courier_id, branch_id)
        if actor.roles == ("courier",):
            await check_own_delivery(
                self.session, self.redis, self.keys, order_id, branch_id=branch_id, actor=actor
            )
        # A person moving an order to Preparing means the kitchen is on it: its tickets start.
        after = (
            self.scope.port(KITCHEN_MOVES).after_move(to=request.to, actor=actor.user_id)
            if request.to in KITCHEN_FOLLOWS
            else None
        )
        # Give the connection back before waiting on Redis and the journal.
        await self.scope.release()
        try:
            [moved] = await self.door.move(
                Move(
                    branch_id=branch_id,
                    order_ids=(order_id,),
                    to=request.to,
                    roles=actor.roles,
                    actor=actor.user_id,
                    expected_version=request.expected_version,
                    courier_id=request.courier_id,
                    settle_mode=request.settle_mode,
                    reason=request.reason,
                ),
                after=after,
            )
        except MoveRefusedError as refused:
            raise await refusal(self.session, refused) from None
        return TransitionOut(
            order_id=order_id,
            from_state=moved.from_state,
            state=moved.state,
            version=moved.version,
            event_id=moved.event_id,
        )

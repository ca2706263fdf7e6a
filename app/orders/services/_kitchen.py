"""What the kitchen does to orders: the automatic moves its tickets cause, rush, and calling a token.

The kitchen service (app/kitchen) owns tickets; the order events those tickets lead to are emitted here, so
the order service stays the only emitter of order events (STYLE 8).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec
from litestar.exceptions import NotFoundException, ServiceUnavailableException
from sqlalchemy import update

from app.db.models import KitchenTicket, Order
from app.kitchen.machine import KITCHEN_STATES, KitchenMachine
from app.kitchen.schemas import CallOut, RushOut
from app.lib import audit
from app.lib.errors import conflict, unprocessable
from app.lib.redis import hget
from app.orders import events as ev
from app.orders import streams
from app.orders.services._base import OrderServiceBase
from app.orders.states import SYSTEM, TERMINAL, State

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

log = logging.getLogger(__name__)

# A kitchen move re-reads and retries when a concurrent change made its read stale; each retry follows a
# real change of the order, so a handful is plenty.
MAX_KITCHEN_TRIES = 5
_KITCHEN_STATE_VALUES = frozenset(s.value for s in KITCHEN_STATES)


def kitchen_target(order_state: str, ticket_states: Sequence[str], *, recalled: bool) -> State | None:
    """Where the tickets say the order should be, or None to leave it.

    All tickets bumped: `ready` (from received/preparing). Some work begun: `preparing` (from received).
    A recall reopens a `ready` order. Nothing else ever moves an order back, so a late "work begun" can
    never undo the `ready` a concurrent bump just made.
    """
    if not ticket_states:
        return None
    if all(s == "bumped" for s in ticket_states):
        return State.READY if order_state in (State.RECEIVED, State.PREPARING) else None
    if order_state == State.RECEIVED and any(s in ("started", "bumped") for s in ticket_states):
        return State.PREPARING
    if order_state == State.READY and recalled:
        return State.PREPARING
    return None


_REASONS = {
    State.READY: "all tickets bumped",
    State.PREPARING: "kitchen started",
}


class KitchenMixin(OrderServiceBase):
    # ------------------------------------------------------------------ automatic moves

    async def kitchen_progress(
        self,
        *,
        branch_id: int,
        order_id: uuid.UUID,
        ticket_ids: Sequence[uuid.UUID],
        recalled: bool,
        actor: int | None,
    ) -> str | None:
        """Move the order to where its tickets say it should be, through the state machine as `system`.

        Each try reads the order and its tickets in one MULTI and moves with that read's version, so a move
        decided on a stale read is refused (stale_version) and decided again; an illegal move (the order is
        already ready, cancelled, out for delivery) is nothing to do. Returns the order's state as it leaves it
        (None if Redis does not hold the order).
        """
        order_key = self.keys.order(branch_id, str(order_id))
        current: str | None = None
        for _ in range(MAX_KITCHEN_TRIES):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hmget(order_key, ["state", "version"])
                for ticket_id in ticket_ids:
                    pipe.hget(self.keys.ticket(branch_id, str(ticket_id)), "state")
                replies = await pipe.execute()
            state, version = replies[0]
            if state is None or version is None:
                return None
            # A ticket missing from Redis (lost, not rebuilt yet) neither blocks nor makes a move.
            states = [s.decode() for s in replies[1:] if s is not None]
            current = state.decode()
            target = kitchen_target(current, states, recalled=recalled)
            if target is None:
                return current
            reply = await self.machine.transition(
                branch_id=branch_id,
                order_id=str(order_id),
                to=target,
                expected_version=int(version),
                roles=(SYSTEM,),
                guard={"actor": actor, "reason": "ticket recalled" if recalled else _REASONS[target]},
            )
            if reply.outcome == "ok":
                assert reply.event is not None
                if self.journal is not None:
                    await self.journal.record(reply.event)
                return target.value
            if reply.outcome != "conflict" or reply.detail != "stale_version":
                return reply.state
        log.warning(
            "kitchen move kept losing races; left to the next ticket change",
            extra={"order_id": str(order_id)},
        )
        return current

    # ------------------------------------------------------------------ rush

    async def set_rush(self, *, order_id: uuid.UUID, rush: bool, actor: SessionUser) -> RushOut:
        """Put an order's tickets at the top of every station (or back in line).

        PostgreSQL first (orders.rush and its tickets' rush, audited), then the hot state and the event.
        """
        order = await self.session.get(Order, order_id, with_for_update=True)
        if order is None or not actor.can_see_branch(order.branch_id):
            raise NotFoundException(detail="Order not found")
        branch_id = order.branch_id
        await self._ensure_in_kitchen(order, reason="rush")
        tickets = await self._tickets(order.id)
        if order.rush != rush:
            audit.record(
                self.session,
                action="order.rush",
                entity_type="order",
                entity_id=order.id,
                actor_user_id=actor.user_id,
                branch_id=branch_id,
                data={"rush": rush, "was": order.rush},
            )
            order.rush = rush
            await self.session.execute(
                update(KitchenTicket).where(KitchenTicket.order_id == order.id).values(rush=rush)
            )
        await self.session.commit()
        # Announced even when PostgreSQL already had the flag: a retry after a crash between the commit and
        # this call completes the announcement; the script appends nothing when Redis has it too.
        reply = await KitchenMachine(self.redis, self.keys).rush(
            branch_id=branch_id,
            order_id=str(order_id),
            rush=rush,
            tickets=[(str(t.id), t.station_code) for t in tickets],
            actor=actor.user_id,
        )
        if reply.outcome == "notfound":
            raise self._live_state_missing(order_id)
        if reply.outcome == "closed":
            # It finished between our check and the script; PostgreSQL's flag on a finished order is harmless.
            raise conflict(
                f"The order is {reply.state}; rush only applies while the kitchen works on it",
                state=reply.state,
                reason="closed",
            )
        return RushOut(
            order_id=order_id,
            rush=rush,
            changed=reply.outcome == "ok",
            event_id=reply.event.id if reply.event is not None else None,
        )

    # ------------------------------------------------------------------ calling a token

    async def call_token(self, *, order_id: uuid.UUID, actor: SessionUser) -> CallOut:
        """Call a ready order's token on the queue TV (again, as often as the pass needs)."""
        order = await self.session.get(Order, order_id)
        if order is None or not actor.can_see_branch(order.branch_id):
            raise NotFoundException(detail="Order not found")
        if order.token is None:
            raise unprocessable(
                "token", "this order has no queue token (delivery and partner orders get none)"
            )
        branch_id, token, channel = order.branch_id, order.token, order.channel
        state = await self._hot_state(order)
        await self.session.rollback()
        if state != State.READY:
            raise conflict(
                f"Only a ready order is called; this one is {state}", state=state, reason="not_ready"
            )
        data = ev.TokenCalled(order_id=str(order_id), token=token, channel=channel, actor=actor.user_id)
        event_id = await streams.append(
            self.redis,
            self.keys,
            branch_id,
            type="token.called",
            data=msgspec.to_builtins(data),
            order_id=str(order_id),
            maxlen=self.machine.stream_maxlen,
        )
        return CallOut(order_id=order_id, token=token, event_id=event_id)

    # ------------------------------------------------------------------ helpers

    async def _hot_state(self, order: Order) -> str:
        """The live state (PostgreSQL trails Redis); a finished order's expired hash falls back to the row."""
        raw = await hget(self.redis, self.keys.order(order.branch_id, str(order.id)), "state")
        if raw is not None:
            return raw.decode()
        if order.state in TERMINAL:
            return order.state
        raise self._live_state_missing(order.id)

    async def _ensure_in_kitchen(self, order: Order, *, reason: str) -> None:
        state = await self._hot_state(order)
        if state not in _KITCHEN_STATE_VALUES:
            raise conflict(
                f"The order is {state}; {reason} only applies while the kitchen works on it",
                state=state,
                reason="closed",
            )

    @staticmethod
    def _live_state_missing(order_id: uuid.UUID) -> Exception:
        log.error("order missing from the hot state", extra={"order_id": str(order_id)})
        return ServiceUnavailableException(
            detail="This order's live state is missing; run `passline rebuild`"
        )

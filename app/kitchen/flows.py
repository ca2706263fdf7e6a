"""What the kitchen does to orders: the automatic moves its tickets cause, rush, and calling a token.

The kitchen owns tickets (services/_tickets.py); the order moves those tickets lead to — `preparing` when
work begins, `ready` when every station has bumped, back to `preparing` after a recall — go through the
orders' door as the server itself (`system`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import select, update

from app.db.models import KitchenTicket, Order
from app.events import kitchen as kitchen_events
from app.kitchen.machine import EVENT_TYPES, KITCHEN_STATES, KitchenMachine, TicketAction
from app.kitchen.schemas import CallOut, RushOut
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _
from app.lib.labels import state_code
from app.lib.redis import hget
from app.orders import Door, FollowUp, Move, Moved, MoveRefusedError, live_state_missing, tickets_of
from app.orders.states import SYSTEM, TERMINAL, TOKEN_CHANNELS, State

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.events import Outbox
    from app.lib.deps import Scope

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
# A person's move to Preparing: what each ticket state does (started ones are already being made).
_FOLLOW_ACTIONS: dict[str, TicketAction] = {"queued": "start", "bumped": "recall"}


def _from_ms(value: int | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)


class KitchenFlows(ScopedService):
    def __init__(self, scope: Scope) -> None:
        super().__init__(scope)
        self.door = scope.get(Door)
        self.machine = KitchenMachine(scope.redis, scope.keys, scope.lua, scope.bus)

    # ------------------------------------------------------------------ automatic moves

    async def progress(
        self,
        *,
        branch_id: int,
        order_id: uuid.UUID,
        ticket_ids: Sequence[uuid.UUID],
        recalled: bool,
        actor: int | None,
    ) -> str | None:
        """Move the order to where its tickets say it should be, through the door as `system`.

        Each try reads the order and its tickets in one MULTI and moves with that read's version, so a move
        decided on a stale read is refused (stale_version) and decided again; an illegal move (the order is
        already ready, cancelled, out for delivery) is nothing to do. Returns the order's state as it leaves
        it (None if Redis does not hold the order).
        """
        order_key = self.keys.order(branch_id, str(order_id))
        current: str | None = None
        for _unused in range(MAX_KITCHEN_TRIES):
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
            try:
                await self.door.move(
                    Move(
                        branch_id=branch_id,
                        order_ids=(order_id,),
                        to=target,
                        roles=(SYSTEM,),
                        actor=actor,
                        expected_version=int(version),
                        reason="ticket recalled" if recalled else _REASONS[target],
                    )
                )
            except MoveRefusedError as refused:
                if refused.reply.outcome != "conflict" or refused.reply.detail != "stale_version":
                    return refused.reply.state
                continue
            return target.value
        log.warning(
            "kitchen move kept losing races; left to the next ticket change",
            extra={"order_id": str(order_id)},
        )
        return current

    # ------------------------------------------------------------------ a person's move

    def after_move(self, *, to: State, actor: int | None) -> FollowUp | None:
        """The follow-up of a person's move to `to` (the orders' KITCHEN_MOVES port): to Preparing, the
        order's tickets start (queued ones), or come back to the station screens (bumped ones, when a
        ready order is put back), so the kitchen sees what the manager's board says."""
        if to is not State.PREPARING:
            return None

        async def start_tickets(session: Session, moved: Sequence[Moved], news: Outbox) -> None:
            for m in moved:
                await self._start_tickets(session, m.order_id, actor=actor)

        return start_tickets

    async def _start_tickets(self, session: Session, order_id: uuid.UUID, *, actor: int | None) -> None:
        """Each ticket moved like a cook's tap (same script and events), its row mirrored and audited; the
        door commits. Row locks in station order, as a cook's tap takes them one at a time."""
        tickets = (
            await session.scalars(
                select(KitchenTicket)
                .where(KitchenTicket.order_id == order_id)
                .order_by(KitchenTicket.station_code)
                .with_for_update()
            )
        ).all()
        for ticket in tickets:
            action = _FOLLOW_ACTIONS.get(ticket.state)
            if action is None:
                continue
            reply = await self.machine.ticket(
                branch_id=ticket.branch_id,
                ticket_id=str(ticket.id),
                order_id=str(order_id),
                station_code=ticket.station_code,
                action=action,
                actor=actor,
            )
            if reply.outcome not in ("ok", "same") or reply.state is None:
                continue  # gone from Redis, or the order moved on: the kitchen's own taps decide
            ticket.state = reply.state
            ticket.started_at = _from_ms(reply.started_ms)
            ticket.bumped_at = _from_ms(reply.bumped_ms)
            if reply.outcome == "ok":
                audit.record(
                    session,
                    action=EVENT_TYPES[action],
                    entity_type="kitchen_ticket",
                    entity_id=ticket.id,
                    actor_user_id=actor,
                    branch_id=ticket.branch_id,
                    data={
                        "order_id": str(order_id),
                        "station_code": ticket.station_code,
                        "from": reply.previous,
                        "to": reply.state,
                        "reason": "order moved to preparing",
                    },
                )

    # ------------------------------------------------------------------ rush

    async def rush(self, *, order_id: uuid.UUID, rush: bool, actor: SessionUser) -> RushOut:
        """Put an order's tickets at the top of every station (or back in line).

        PostgreSQL first (orders.rush and its tickets' rush, audited), then the hot state and the event.
        """
        order = await self.session.get(Order, order_id, with_for_update={"key_share": True})
        if order is None or not actor.can_see_branch(order.branch_id):
            raise NotFoundException(detail=_("Order not found"))
        branch_id = order.branch_id
        await self._ensure_in_kitchen(order, reason="rush")
        tickets = await tickets_of(self.session, order.id)
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
        reply = await self.machine.rush(
            branch_id=branch_id,
            order_id=str(order_id),
            rush=rush,
            tickets=[(str(t.id), t.station_code) for t in tickets],
            actor=actor.user_id,
        )
        if reply.outcome == "notfound":
            raise live_state_missing(order_id)
        if reply.outcome == "closed":
            # It finished between our check and the script; PostgreSQL's flag on a finished order is harmless.
            raise conflict(
                _(
                    "The order is %(state)s; rush only applies while the kitchen works on it",
                    state=state_code(reply.state),
                ),
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
            raise NotFoundException(detail=_("Order not found"))
        if order.token is None or order.channel not in TOKEN_CHANNELS:
            raise unprocessable(
                "token", _("only counter, pickup and dine-in orders are called on the queue TV")
            )
        branch_id, token, channel = order.branch_id, order.token, order.channel
        state = await self._hot_state(order)
        await self.session.rollback()
        if state != State.READY:
            raise conflict(
                _("Only a ready order is called; this one is %(state)s", state=state_code(state)),
                state=state,
                reason="not_ready",
            )
        data = kitchen_events.TokenCalled(
            order_id=str(order_id), token=token, channel=channel, actor=actor.user_id
        )
        entry = await self.bus.append(branch_id, kitchen_events.TOKEN_CALLED, data, order_id=str(order_id))
        return CallOut(order_id=order_id, token=token, event_id=entry.id)

    # ------------------------------------------------------------------ helpers

    async def _hot_state(self, order: Order) -> str:
        """The live state (PostgreSQL trails Redis); a finished order's expired hash falls back to the row."""
        raw = await hget(self.redis, self.keys.order(order.branch_id, str(order.id)), "state")
        if raw is not None:
            return raw.decode()
        if order.state in TERMINAL:
            return order.state
        raise live_state_missing(order.id)

    async def _ensure_in_kitchen(self, order: Order, *, reason: str) -> None:
        state = await self._hot_state(order)
        if state not in _KITCHEN_STATE_VALUES:
            raise conflict(
                _(
                    "The order is %(state)s; %(reason)s only applies while the kitchen works on it",
                    state=state_code(state),
                    reason=reason,
                ),
                state=state,
                reason="closed",
            )

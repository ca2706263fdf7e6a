"""The road moves (onto and off the road) across PostgreSQL and Redis: commit first, then move, then tell.

Every road move takes the order's road lock (app/orders/road_lock.py), then:
1. in one PostgreSQL transaction, locks the order rows, checks the move against the live hash with the
   same rules the Lua script applies (a refusal is answered with nothing written), and writes the
   delivery, the courier's money and the audit rows;
2. commits;
3. moves the order(s) in Redis with `OrderMachine.transition_many`, which appends `order.state_changed`
   to the branch stream — the first thing any socket can see;
4. journals the event (orders.state/version in PostgreSQL) and appends the events that change no state.

So nothing reaches a socket before the commit (STYLE 8). The move in step 3 checks the transition table
only, not the version the caller saw (checked in step 1): a kitchen bump in between does not undo a
committed dispatch. Should step 3 be refused (a cancel slipped in between, which does not take the road
lock), the dispatch undoes its rows in PostgreSQL and the caller gets the refusal; should the process die
or Redis fail between 2 and 3, the repair job (`_road_repair.py`) finishes or undoes the move.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import msgspec

from app.lib.redis import hget, hset
from app.orders import journal, road_lock, streams
from app.orders.machine import TransitionReply, precheck
from app.orders.services._transitions import TransitionMixin

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from app.orders.states import State

log = logging.getLogger(__name__)

ACTIVE_DELIVERY = ("assigned", "accepted")
DISPATCHERS = ("manager",)
ROAD_ROLES = ("courier", "manager")
_json_object = msgspec.json.Decoder(dict[str, Any])


class RoadMixin(TransitionMixin):
    @asynccontextmanager
    async def _road_locked(
        self, order_ids: Sequence[uuid.UUID], actor: SessionUser, *, wait_seconds: float | None = None
    ) -> AsyncIterator[None]:
        """Hold the road lock of every order (404 for one the actor cannot see, before waiting)."""
        keys = [self.keys.road_lock(await self._branch_of(o, actor), str(o)) for o in order_ids]
        wait = road_lock.WAIT_SECONDS if wait_seconds is None else wait_seconds
        async with road_lock.hold(self.redis, keys, wait_seconds=wait):
            yield

    async def _check_moves(
        self,
        branch_id: int,
        order_ids: Sequence[uuid.UUID],
        *,
        to: State,
        roles: tuple[str, ...],
        guard: dict[str, Any],
        expected_version: int | None = None,
    ) -> None:
        """Refuse (rolling back, so nothing is written) a move the state machine would refuse now."""
        lives = await self.machine.read_live(branch_id, [str(o) for o in order_ids])
        for order_id, live in zip(order_ids, lives, strict=True):
            refusal = precheck(live, to=to, expected_version=expected_version, roles=roles, guard=guard)
            if refusal is not None:
                await self.session.rollback()
                raise await self._refusal(refusal, order_id=order_id, target=to.value)

    async def _move_after_commit(
        self,
        branch_id: int,
        order_ids: Sequence[uuid.UUID],
        *,
        to: State,
        roles: tuple[str, ...],
        guard: dict[str, Any],
    ) -> list[TransitionReply]:
        """Step 3: the Redis move of what PostgreSQL has committed (all the orders, or none)."""
        try:
            return await self.machine.transition_many(
                branch_id=branch_id, order_ids=[str(o) for o in order_ids], to=to, roles=roles, guard=guard
            )
        except Exception:
            log.exception(
                "committed in PostgreSQL but not moved in Redis; the road repair job will finish it",
                extra={"orders": [str(o) for o in order_ids], "to": to.value},
            )
            raise

    async def _journal(self, replies: Sequence[TransitionReply]) -> None:
        """The moves' events and the orders' new state into PostgreSQL before the answer, as one
        statement of our own: a road move is rare, and its answer should show it stored even where no
        journal runs (the worker's repair). The persister finds them stored (idempotent)."""
        entries = [reply.event for reply in replies if reply.event is not None]
        if not entries:
            return
        try:
            await journal.store(self.engine, entries)
        except Exception:
            log.exception("road move not journaled; the persister will store it")

    async def append_event(
        self, branch_id: int, type_: str, data: msgspec.Struct, *, order_id: uuid.UUID | None
    ) -> str:
        """Append an event that changes no order state, once the change it reports is committed."""
        return await streams.append(
            self.redis,
            self.keys,
            branch_id,
            type=type_,
            data=msgspec.to_builtins(data),
            order_id=None if order_id is None else str(order_id),
            maxlen=self.machine.stream_maxlen,
        )

    async def _set_card_courier(self, branch_id: int, order_id: uuid.UUID, courier_id: int) -> None:
        """The board snapshot shows the card's courier; the hash's card was written at creation."""
        key = self.keys.order(branch_id, str(order_id))
        raw = await hget(self.redis, key, "card")
        if raw is None:
            return
        card = _json_object.decode(raw)
        card["courier_id"] = courier_id
        await hset(self.redis, key, {"card": msgspec.json.encode(card).decode()})

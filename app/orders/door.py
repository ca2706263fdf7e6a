"""The one door every change of an order's state goes through (DESIGN §4, §11).

HTTP transitions, the kitchen's automatic moves, dispatch, delivered and returned (trips too), the release
of scheduled orders, cancels, transfers and the road repair all call `Door.move`, which does, in order:

1. **precheck** — when the move writes anything before it (`effects`) or moves several orders: the live
   hashes are read and checked against the same rules the script applies, so a refusal is answered with
   nothing written;
2. **effects** — the calling flow's PostgreSQL work that must be durable before the move (a dispatch's
   delivery and courier money), committed by the flow;
3. **the Lua move** — the compare-and-set in Redis that also appends `order.state_changed`: the move
   happens here or not at all. Refused after effects, the flow undoes its work (`Effects.undo`);
4. **the journal** — the events are in PostgreSQL before the caller is answered;
5. **follow-ups** — what every such move entails wherever it came from: the invoice job for an order
   handed over, stock back on the shelf for a cancelled one, its open alerts closed when it finishes (the
   card's courier is set by the script itself, atomically);
6. **the announcement** — the news the flow and the follow-ups queued (courier assigned, settlement,
   payment), appended after the move so no screen hears of a dispatch before the order is on the road.

Nothing else invokes the transition script (tests/unit/test_one_door.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import text

from app.events import floor
from app.lib import jobs
from app.lib.deps import ScopedService
from app.orders.machine import OrderMachine, TransitionReply, precheck
from app.orders.states import TERMINAL, State

if TYPE_CHECKING:
    from app.db.session import Session
    from app.events import Outbox, StreamEntry
    from app.lib.deps import Scope

log = logging.getLogger(__name__)

# Handed over: an order paid later is invoiced now (one job per order; the job skips an invoiced one).
INVOICE_ON = frozenset({State.DELIVERED, State.COMPLETED})


@dataclass(frozen=True, slots=True, kw_only=True)
class Move:
    """Orders of one branch to move to `to`, by whom, with the guard data the table may require."""

    branch_id: int
    order_ids: tuple[uuid.UUID, ...]
    to: State
    roles: tuple[str, ...]
    actor: int | None  # the user; None for the server itself
    expected_version: int | None = None  # one order: the version the caller saw
    courier_id: int | None = None
    settle_mode: str | None = None
    reason: str | None = None

    def guard(self) -> dict[str, Any]:
        return {
            "courier_id": self.courier_id,
            "settle_mode": self.settle_mode,
            "reason": self.reason,
            "actor": self.actor,
        }


@dataclass(frozen=True, slots=True)
class Moved:
    order_id: uuid.UUID
    from_state: str
    state: str
    version: int
    event: StreamEntry
    # What the follow-ups did to the order (`stock_returned`), for the flow's audit entry.
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        return self.event.id


class MoveRefusedError(Exception):
    """The state machine said no (or would have). `reply` says why, with the current state and version."""

    def __init__(self, reply: TransitionReply, *, order_id: uuid.UUID, to: State) -> None:
        super().__init__(f"{order_id} -> {to.value}: {reply.outcome} {reply.detail or ''}".strip())
        self.reply = reply
        self.order_id = order_id
        self.to = to


class Effects(Protocol):
    """A flow's PostgreSQL work that must be committed before its move (the road: deliveries, money)."""

    async def write(self, news: Outbox) -> None:
        """Write and commit (or raise to refuse, nothing written). News to announce after the move goes
        into `news`."""

    async def undo(self, refusal: TransitionReply) -> None:
        """The move was refused after `write` committed: take the work back (nothing of it was announced)."""


FollowUp = Callable[["Session", Sequence[Moved], "Outbox"], Awaitable[None]]


class Door(ScopedService):
    def __init__(self, scope: Scope) -> None:
        super().__init__(scope)
        self.machine = OrderMachine(scope.redis, scope.keys, scope.lua, scope.bus)

    async def move(
        self,
        move: Move,
        *,
        effects: Effects | None = None,
        after: FollowUp | None = None,
    ) -> list[Moved]:
        """Move the orders (all or none); raises MoveRefusedError with the state machine's reason."""
        news = self.bus.outbox()
        if effects is not None or len(move.order_ids) > 1:
            await self._precheck(move)
        if effects is not None:
            await effects.write(news)
        replies = await self._lua(move, table_only=effects is not None)
        refused = next((r for r in replies if r.outcome != "ok"), None)
        if refused is not None:
            if effects is not None:
                await effects.undo(refused)
            raise MoveRefusedError(refused, order_id=move.order_ids[replies.index(refused)], to=move.to)
        moved = [
            _moved(order_id, reply, move.to) for order_id, reply in zip(move.order_ids, replies, strict=True)
        ]
        await self.bus.appended_durably([m.event for m in moved])
        await self._follow(move, moved, news, after)
        await news.publish()
        return moved

    async def _precheck(self, move: Move) -> None:
        lives = await self.machine.read_live(move.branch_id, [str(o) for o in move.order_ids])
        guard = move.guard()
        for order_id, live in zip(move.order_ids, lives, strict=True):
            refusal = precheck(
                live, to=move.to, expected_version=move.expected_version, roles=move.roles, guard=guard
            )
            if refusal is not None:
                raise MoveRefusedError(refusal, order_id=order_id, to=move.to)

    async def _lua(self, move: Move, *, table_only: bool) -> list[TransitionReply]:
        guard = move.guard()
        if len(move.order_ids) == 1 and not table_only:
            reply = await self.machine.transition(
                branch_id=move.branch_id,
                order_id=str(move.order_ids[0]),
                to=move.to,
                expected_version=move.expected_version,
                roles=move.roles,
                guard=guard,
            )
            return [reply]
        # After effects, the move checks the table only, not the version the caller saw (the precheck did):
        # a kitchen bump in between must not undo a committed dispatch.
        try:
            return await self.machine.transition_many(
                branch_id=move.branch_id,
                order_ids=[str(o) for o in move.order_ids],
                to=move.to,
                roles=move.roles,
                guard=guard,
                expected_versions=None if table_only else [move.expected_version] * len(move.order_ids),
            )
        except Exception:
            if table_only:
                log.exception(
                    "committed in PostgreSQL but not moved in Redis; the road repair will finish it",
                    extra={"orders": [str(o) for o in move.order_ids], "to": move.to.value},
                )
            raise

    # ------------------------------------------------------------------ follow-ups

    async def _follow(self, move: Move, moved: list[Moved], news: Outbox, after: FollowUp | None) -> None:
        if move.to in INVOICE_ON:
            for m in moved:
                await jobs.enqueue_quietly(self.redis, self.keys, jobs.invoice(self.keys, m.order_id))
        steps: list[FollowUp] = []
        if move.to is State.CANCELLED:
            steps.append(give_back_stock)
        if move.to in TERMINAL:
            steps.append(close_alerts)
        if after is not None:
            steps.append(after)
        if not steps:
            return
        try:
            for step in steps:
                await step(self.session, moved, news)
            await self.session.commit()
        except Exception:
            # The move is made and journaled: a follow-up's failure is logged, not turned into a refusal.
            await self.session.rollback()
            log.exception(
                "order moved but a follow-up failed", extra={"orders": [str(m.order_id) for m in moved]}
            )


def _moved(order_id: uuid.UUID, reply: TransitionReply, to: State) -> Moved:
    assert reply.state is not None
    assert reply.version is not None
    assert reply.event is not None
    return Moved(order_id, reply.state, to.value, reply.version, reply.event)


# Put back on the shelf exactly what a cancelled order's sale took (its `sale` ledger rows: recipe
# ingredients included, whatever the recipe says today), at the cost it left at, writing the `cancel`
# ledger rows in the same transaction. An order sold before the ledger existed falls back to its
# stock-tracked lines. The state machine refuses a second cancel, so this runs once per order.
_GIVE_BACK_STOCK = text(
    """
WITH o AS (SELECT branch_id FROM orders WHERE id = :order_id),
taken AS (
    SELECT product_id, -sum(qty) AS qty, max(unit_cost) AS cost
    FROM stock_moves WHERE order_id = :order_id AND kind = 'sale'
    GROUP BY product_id
    UNION ALL
    SELECT l.product_id, sum(l.qty * l.unit_factor), NULL
    FROM order_lines AS l JOIN products AS p ON p.id = l.product_id
    WHERE l.order_id = :order_id AND p.stock_tracked
      AND NOT EXISTS (SELECT 1 FROM stock_moves WHERE order_id = :order_id)
    GROUP BY l.product_id
), locked AS MATERIALIZED (
    -- In product order, as a sale locks them: a cancel and a sale of the same products cannot deadlock.
    SELECT product_id FROM product_stock
    WHERE branch_id = (SELECT branch_id FROM o) AND product_id IN (SELECT product_id FROM taken)
    ORDER BY product_id FOR UPDATE
), back AS (
    UPDATE product_stock AS s SET
        qty = s.qty + r.qty,
        avg_cost = CASE WHEN s.qty + r.qty > 0 AND r.cost IS NOT NULL
            THEN round((s.qty * s.avg_cost + r.qty * r.cost) / (s.qty + r.qty), 4) ELSE s.avg_cost END
    FROM taken AS r
    WHERE s.branch_id = (SELECT branch_id FROM o) AND s.product_id = r.product_id
      AND s.product_id IN (SELECT product_id FROM locked)
    RETURNING s.branch_id, s.product_id, r.qty, coalesce(r.cost, s.avg_cost) AS cost, s.qty AS after
), moved AS (
    INSERT INTO stock_moves (branch_id, product_id, kind, qty, unit_cost, on_hand_after, order_id, reason)
    SELECT branch_id, product_id, 'cancel', qty, cost, after, :order_id, 'order cancelled' FROM back
)
SELECT product_id, qty FROM back ORDER BY product_id
"""
)


async def give_back_stock(session: Session, moved: Sequence[Moved], news: Outbox) -> None:
    for m in moved:
        rows = (await session.execute(_GIVE_BACK_STOCK, {"order_id": m.order_id})).all()
        if rows:
            m.notes["stock_returned"] = {str(product_id): f"{qty.normalize():f}" for product_id, qty in rows}


_CLOSE_ALERTS = text(
    """
UPDATE alerts SET acknowledged_at = :now
WHERE order_id = ANY(CAST(:order_ids AS uuid[])) AND acknowledged_at IS NULL
RETURNING id, order_id, branch_id
"""
)


async def close_alerts(session: Session, moved: Sequence[Moved], news: Outbox) -> None:
    """A finished order's open alerts are moot: every board drops them (nobody acknowledged them)."""
    now = dt.datetime.now(dt.UTC)
    rows = await session.execute(_CLOSE_ALERTS, {"now": now, "order_ids": [m.order_id for m in moved]})
    for alert_id, order_id, branch_id in rows:
        news.add(
            branch_id,
            floor.ALERT_ACKNOWLEDGED,
            floor.AlertAcknowledged(
                alert_id=alert_id,
                order_id=str(order_id),
                acknowledged_by=None,
                acknowledged_at=now.isoformat(),
            ),
            order_id=str(order_id),
        )

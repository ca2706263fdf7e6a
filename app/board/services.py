"""The board's snapshot and the anomalies' dismissal.

The snapshot reads each followed branch's board first (the Lua read returns the columns and the stream id
they are current to in one step), then everything else from PostgreSQL and Redis. Whatever changes after
that stream id is both in the document and replayed to the socket; the page applies every kind idempotently
(versions only grow, alerts and anomalies by id, pauses and positions as the latest word), so nothing between
the snapshot and the subscription is lost and nothing is drawn twice.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Self

from sqlalchemy import Exists, Text, and_, cast, exists, select

from app.alerts import AlertService
from app.auth.guards import ensure_branch_visible, found_in_branch
from app.board.schemas import (
    AnomalyOut,
    BoardCourier,
    BoardDelivery,
    BoardSnapshot,
    BranchBoard,
    CourierLocation,
)
from app.couriers.services import CourierLocationService
from app.db.models import AuditLog, Branch, Delivery, ReportAnomaly
from app.dispatch.services import DispatchService
from app.events.board import SALES_ANOMALY_DISMISSED, AnomalyDismissed
from app.lib import audit
from app.lib.money import money
from app.lib.params import invalid_query
from app.menu.services import MenuService
from app.orders import OrderService
from app.orders.states import State

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.lib.deps import Scope

# A board follows a handful of branches; an admin's "all" is bounded so one call stays one screenful.
MAX_BRANCHES = 50
MAX_ID = 2**63 - 1
# Anomalies older than this leave the board on their own (the reports keep them).
ANOMALY_WINDOW = dt.timedelta(hours=24)
DISMISS_ACTION = "sales_anomaly.dismiss"
ANOMALY_ENTITY = "report_anomaly"
DONE_STATES = (State.COMPLETED, State.DELIVERED, State.CANCELLED)
ACTIVE_DELIVERY = ("assigned", "accepted")


def _dismissal() -> Exists:
    """The audit row of an anomaly's dismissal: the one record of it (who, when, from which request)."""
    return exists().where(
        and_(
            AuditLog.entity_type == ANOMALY_ENTITY,
            AuditLog.entity_id == cast(ReportAnomaly.id, Text),
            AuditLog.action == DISMISS_ACTION,
        )
    )


class BoardService:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope)

    @property
    def session(self) -> Session:
        return self.scope.session

    # ------------------------------------------------------------------ the snapshot

    async def snapshot(self, *, branch_ids: Sequence[int] | None, actor: SessionUser) -> BoardSnapshot:
        ids = await self._branches(branch_ids, actor)
        orders = self.scope.get(OrderService)
        # Stream positions first (with the columns, atomically): see the module's docstring.
        boards = {b: await orders.board(branch_id=b, actor=actor) for b in ids}
        branches = {
            b.id: b for b in (await self.session.scalars(select(Branch).where(Branch.id.in_(ids)))).all()
        }
        menu = self.scope.get(MenuService)
        out: list[BranchBoard] = []
        for b in ids:
            midnight = _midnight(branches[b].timezone)
            done = (
                await orders.list_orders(
                    actor=actor, branch_id=b, state=None, states=DONE_STATES, channel=None, since=midnight
                )
            ).items
            out.append(
                BranchBoard(
                    branch_id=b,
                    stream_id=boards[b].stream_id,
                    columns=boards[b].columns,
                    done=done,
                    pauses=await menu.pauses(branch_id=b),
                )
            )
        alerts = (
            await self.scope.get(AlertService).list_alerts(
                actor=actor, branch_id=None, branch_ids=ids, open_only=True
            )
        ).items
        return BoardSnapshot(
            branches=out,
            couriers=await self._couriers(ids, actor),
            deliveries=await self._deliveries(ids, branches),
            alerts=alerts,
            anomalies=await self._anomalies(ids, branches),
            taken_at=dt.datetime.now(dt.UTC),
        )

    async def _branches(self, branch_ids: Sequence[int] | None, actor: SessionUser) -> list[int]:
        """The branches asked for (each one visible, else 404), or every active branch the user sees."""
        if branch_ids:
            # Litestar does not apply the item bounds of a list query parameter: checked here, before a
            # number past bigint reaches asyncpg.
            if any(not 1 <= b <= MAX_ID for b in branch_ids):
                raise invalid_query("branch_id", f"ids are between 1 and {MAX_ID}")
            ids = list(dict.fromkeys(branch_ids))
            if len(ids) > MAX_BRANCHES:
                raise invalid_query("branch_id", f"at most {MAX_BRANCHES} branches")
            for b in ids:
                ensure_branch_visible(actor, b, what="Branch")
            found = {
                row.id: row
                for row in (await self.session.scalars(select(Branch).where(Branch.id.in_(ids)))).all()
            }
            for b in ids:
                found_in_branch(found.get(b), lambda row: row.id, actor, what="Branch")
            return ids
        stmt = select(Branch.id).where(Branch.active).order_by(Branch.id).limit(MAX_BRANCHES)
        if not actor.all_branches:
            stmt = stmt.where(Branch.id.in_(actor.branch_ids))
        return list((await self.session.scalars(stmt)).all())

    async def _couriers(self, ids: list[int], actor: SessionUser) -> list[BoardCourier]:
        locations = self.scope.get(CourierLocationService)
        where = {
            p.courier_id: p
            for b in ids
            for p in (await locations.locations(branch_id=b, actor=actor)).couriers
        }
        balances = await self.scope.get(DispatchService).balances_of(branch_ids=ids, actor=actor)
        return [
            BoardCourier(
                id=c.courier_id,
                branch_id=c.branch_id,
                name=c.name,
                active=c.active,
                cash_in_hand=c.cash_in_hand,
                to_collect=c.to_collect,
                net=c.net,
                owed_by=str(c.owed_by),
                active_deliveries=c.active_deliveries,
                location=None
                if (spot := where.get(c.courier_id)) is None
                else CourierLocation(lat=spot.lat, lng=spot.lng, at=spot.at),
            )
            for c in balances
        ]

    async def _deliveries(self, ids: list[int], branches: dict[int, Branch]) -> list[BoardDelivery]:
        rows = await self.session.scalars(
            select(Delivery)
            .where(Delivery.branch_id.in_(ids), Delivery.state.in_(ACTIVE_DELIVERY))
            .order_by(Delivery.created_at, Delivery.id)
        )
        return [
            BoardDelivery(
                id=d.id,
                order_id=d.order_id,
                branch_id=d.branch_id,
                courier_id=d.courier_id,
                trip_id=d.trip_id,
                state=d.state,
                settle_mode=d.settle_mode,
                amount_to_collect=money(d.amount_to_collect, branches[d.branch_id].currency_exponent),
                courier_fee=money(d.courier_fee, branches[d.branch_id].currency_exponent),
            )
            for d in rows
        ]

    async def _anomalies(self, ids: list[int], branches: dict[int, Branch]) -> list[AnomalyOut]:
        since = dt.datetime.now(dt.UTC) - ANOMALY_WINDOW
        rows = await self.session.scalars(
            select(ReportAnomaly)
            .where(ReportAnomaly.branch_id.in_(ids), ReportAnomaly.raised_at > since, ~_dismissal())
            .order_by(ReportAnomaly.id.desc())
        )
        return [_anomaly_out(a, branches[a.branch_id]) for a in rows]

    # ------------------------------------------------------------------ dismissing an anomaly

    async def dismiss_anomaly(self, *, anomaly_id: int, actor: SessionUser) -> AnomalyOut:
        """Take an anomaly off every board: stored as its audit row, announced after the commit. Dismissing
        it again (a double tap, two managers at once) changes nothing and answers the first dismissal."""
        session = self.session
        # The row lock makes two managers' dismissals queue, so exactly one records and announces.
        row = await session.get(ReportAnomaly, anomaly_id, with_for_update=True)
        anomaly = found_in_branch(row, lambda a: a.branch_id, actor, what="Anomaly")
        branch = await session.get(Branch, anomaly.branch_id)
        assert branch is not None  # the foreign key cascades
        held = await self._dismissal_of(anomaly.id)
        if held is not None:
            out = _anomaly_out(anomaly, branch, dismissed_at=held.ts, dismissed_by=held.actor_user_id)
            await session.rollback()
            return out
        audit.record(
            session,
            action=DISMISS_ACTION,
            entity_type=ANOMALY_ENTITY,
            entity_id=anomaly.id,
            actor_user_id=actor.user_id,
            branch_id=anomaly.branch_id,
            data={"business_date": anomaly.business_date.isoformat(), "hour": anomaly.hour},
        )
        await session.flush()
        # The audit row's own time (the transaction's), so every later answer says the same.
        row_held = await self._dismissal_of(anomaly.id)
        assert row_held is not None
        self.scope.runtime.bus.on_commit(
            session,
            anomaly.branch_id,
            SALES_ANOMALY_DISMISSED,
            AnomalyDismissed(
                anomaly_id=anomaly.id, dismissed_by=actor.user_id, dismissed_at=row_held.ts.isoformat()
            ),
        )
        out = _anomaly_out(anomaly, branch, dismissed_at=row_held.ts, dismissed_by=actor.user_id)
        await session.commit()
        return out

    async def _dismissal_of(self, anomaly_id: int) -> AuditLog | None:
        return await self.session.scalar(
            select(AuditLog)
            .where(
                AuditLog.entity_type == ANOMALY_ENTITY,
                AuditLog.entity_id == str(anomaly_id),
                AuditLog.action == DISMISS_ACTION,
            )
            .order_by(AuditLog.id)
            .limit(1)
        )


def _anomaly_out(
    a: ReportAnomaly,
    branch: Branch,
    *,
    dismissed_at: dt.datetime | None = None,
    dismissed_by: int | None = None,
) -> AnomalyOut:
    places = branch.currency_exponent
    return AnomalyOut(
        id=a.id,
        branch_id=a.branch_id,
        business_date=a.business_date,
        hour=a.hour,
        direction="high" if a.actual > a.high else "low",
        actual=money(Decimal(a.actual), places),
        expected=money(Decimal(a.expected), places),
        low=money(Decimal(a.low), places),
        high=money(Decimal(a.high), places),
        currency=branch.currency,
        raised_at=a.raised_at,
        dismissed_at=dismissed_at,
        dismissed_by=dismissed_by,
    )


def _midnight(timezone: str) -> dt.datetime:
    """The branch's local midnight today: the done tail shows what finished since."""
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return dt.datetime.combine(dt.datetime.now(zone).date(), dt.time(0), tzinfo=zone)

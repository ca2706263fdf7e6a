"""The dispatch service: previews, trips and deliveries (through the order service), courier balances,
single and bulk settlements, and the settlement history."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from litestar.exceptions import NotFoundException
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from app.auth.guards import ensure_branch_visible
from app.db.models import (
    Branch,
    BranchCashMovement,
    BulkSettlementRequest,
    Courier,
    CourierTransaction,
    Delivery,
    Order,
    OrderLine,
    Settlement,
    User,
)
from app.dispatch import ledger
from app.dispatch._plan import ACTIVE_DELIVERY
from app.dispatch.flows import DispatchFlows
from app.dispatch.schemas import (
    BalanceOut,
    BulkSettleIn,
    BulkSettleOut,
    BulkStatus,
    CourierTodayOut,
    DeliveryItem,
    DeliveryOut,
    DispatchIn,
    DispatchOut,
    PreviewOut,
    SettleIn,
    SettlementDetailOut,
    SettlementOut,
    SettlementPage,
    SettlementPreviewOut,
    TransactionOut,
)
from app.events import money as money_events
from app.events import road as road_events
from app.lib import audit, jobs
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.i18n import _
from app.lib.money import money
from app.lib.params import MAX_ID, invalid_query
from app.orders import customer_of, exponent_of
from app.orders.hot import qty_text
from app.orders.states import State

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.lib.deps import Scope
    from app.lib.redis import Keys

log = logging.getLogger(__name__)

BULK_JOB = jobs.SETTLE_COURIERS
HISTORY_LIMIT = 50
# A bulk job normally starts within a second; a request this old and not done lost its job.
BULK_GRACE_SECONDS = 120
DELIVERY_LIMIT = 100
_BULK_NAMESPACE = uuid.UUID("5d2f8c1a-3e4b-4a6f-9c7d-2b1e0f9a8d34")
_BULK_STATUS: dict[JobStatus, BulkStatus] = {
    JobStatus.deferred: "queued",
    JobStatus.queued: "queued",
    JobStatus.in_progress: "in_progress",
    JobStatus.complete: "complete",
}


def bulk_job_id(keys: Keys, bulk_id: uuid.UUID) -> str:
    # Named with the prefix like the cron jobs: arq's job keys are global in Redis.
    return f"{keys.prefix}settle-bulk:{bulk_id}"


def bulk_settlement_id(bulk_id: uuid.UUID, courier_id: int) -> uuid.UUID:
    return uuid.uuid5(_BULK_NAMESPACE, f"{bulk_id}:{courier_id}")


class DispatchService:
    def __init__(self, scope: Scope) -> None:
        self.session: Session = scope.session
        self.redis: Redis = scope.redis
        self.keys: Keys = scope.keys
        self.bus = scope.bus
        self.flows = scope.get(DispatchFlows)

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope)

    # ------------------------------------------------------------------ dispatch (the order service's moves)

    async def preview(
        self,
        *,
        order_id: uuid.UUID,
        courier_id: int | None,
        settle_mode: ledger.SettleMode,
        actor: SessionUser,
    ) -> PreviewOut:
        order, charge, exponent = await self.flows.plan.preview(
            order_id=order_id, courier_id=courier_id, actor=actor
        )
        return PreviewOut(
            order_id=order.id,
            courier_id=courier_id,
            settle_mode=settle_mode,
            channel=order.channel,
            payment_status=order.payment_status,
            order_total=money(order.total, exponent),
            amount_to_collect=charge.amount_to_collect,
            courier_fee=charge.courier_fee,
            net=charge.net,
            owed_by=charge.owed_by,
        )

    async def dispatch(self, *, request: DispatchIn, actor: SessionUser) -> DispatchOut:
        return await self.flows.dispatch(
            order_ids=request.order_ids,
            courier_id=request.courier_id,
            settle_mode=request.settle_mode,
            trip_id=request.trip_id,
            expected_version=None,
            actor=actor,
        )

    async def delivery(self, *, delivery_id: uuid.UUID, actor: SessionUser) -> DeliveryOut:
        return await self._delivery_out(await self._visible_delivery(delivery_id, actor, lock=False))

    async def accept(self, *, delivery_id: uuid.UUID, actor: SessionUser) -> DeliveryOut:
        """The courier takes the delivery (idempotent); `courier.updated` tells the board."""
        delivery = await self._visible_delivery(delivery_id, actor, lock=True)
        if delivery.state not in ACTIVE_DELIVERY:
            raise conflict(
                _("This delivery is already %(state)s", state=delivery.state),
                state=delivery.state,
                reason="finished",
            )
        event_id = None
        if delivery.state == "assigned":
            delivery.state, delivery.accepted_at = "accepted", dt.datetime.now(dt.UTC)
            audit.record(
                self.session,
                action="delivery.accepted",
                entity_type="delivery",
                entity_id=delivery.id,
                actor_user_id=actor.user_id,
                branch_id=delivery.branch_id,
                data={"order_id": str(delivery.order_id), "courier_id": delivery.courier_id},
            )
            announced = self.bus.on_commit(
                self.session,
                delivery.branch_id,
                road_events.DELIVERY_CHANGED,
                road_events.DeliveryChanged(
                    delivery_id=str(delivery.id),
                    order_id=str(delivery.order_id),
                    courier_id=delivery.courier_id,
                    state="accepted",
                    actor=actor.user_id,
                ),
                order_id=str(delivery.order_id),
            )
            await self.session.commit()
            event_id = announced.event_id
        return await self._delivery_out(delivery, event_id=event_id)

    async def finish(
        self,
        *,
        delivery_id: uuid.UUID,
        to: State,
        cash_collected: object | None,
        reason: str | None,
        expected_version: int | None,
        actor: SessionUser,
        extra: str | None = None,
    ) -> DeliveryOut:
        """`POST /deliveries/{id}/delivered|returned`: the order's move, addressed by its delivery."""
        delivery = await self._visible_delivery(delivery_id, actor, lock=False)
        if delivery.state not in ACTIVE_DELIVERY:
            raise conflict(
                _("This delivery is already %(state)s", state=delivery.state),
                state=delivery.state,
                reason="finished",
            )
        order_id = delivery.order_id
        # The order service locks and re-reads everything it changes, in its own transaction.
        await self.session.rollback()
        _unused, finished = await self.flows.finish_delivery(
            order_id=order_id,
            to=to,
            cash_collected=cash_collected,
            extra=extra,
            reason=reason,
            expected_version=expected_version,
            actor=actor,
        )
        if finished is None or finished.id != delivery_id:
            raise NotFoundException(detail=_("Delivery not found"))
        return await self._delivery_out(finished)

    async def _visible_delivery(self, delivery_id: uuid.UUID, actor: SessionUser, *, lock: bool) -> Delivery:
        """A delivery the actor may see: a courier their own only, staff their branches'; else 404."""
        stmt = select(Delivery).where(Delivery.id == delivery_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        delivery = (await self.session.scalars(stmt)).first()
        if delivery is None or not actor.can_see_branch(delivery.branch_id):
            raise NotFoundException(detail=_("Delivery not found"))
        if not actor.has_role("manager"):
            mine = await self.session.scalar(select(Courier.id).where(Courier.user_id == actor.user_id))
            if mine is None or delivery.courier_id != mine:
                raise NotFoundException(detail=_("Delivery not found"))
        return delivery

    async def _delivery_out(self, delivery: Delivery, *, event_id: str | None = None) -> DeliveryOut:
        order = await self.session.get(Order, delivery.order_id)
        assert order is not None
        lines = (
            await self.session.scalars(
                select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)
            )
        ).all()
        customer = await customer_of(self.session, order.customer_id)
        exponent = await exponent_of(self.session, order.branch_id)
        return DeliveryOut(
            id=delivery.id,
            order_id=delivery.order_id,
            branch_id=delivery.branch_id,
            courier_id=delivery.courier_id,
            trip_id=delivery.trip_id,
            state=delivery.state,
            settle_mode=delivery.settle_mode,  # type: ignore[arg-type]  # the table's CHECK holds it to now/later
            amount_to_collect=money(delivery.amount_to_collect, exponent),
            courier_fee=money(delivery.courier_fee, exponent),
            cash_collected=None
            if delivery.cash_collected is None
            else money(delivery.cash_collected, exponent),
            tip=money(delivery.tip or ledger.ZERO, exponent),
            return_reason=delivery.return_reason,
            created_at=delivery.created_at,
            accepted_at=delivery.accepted_at,
            delivered_at=delivery.delivered_at,
            returned_at=delivery.returned_at,
            token=order.token,
            channel=order.channel,
            order_total=money(order.total, exponent),
            payment_status=order.payment_status,
            address=order.delivery_address,
            slot_start=order.slot_start,
            slot_end=order.slot_end,
            customer_name=customer[0].name if customer else None,
            customer_phone=customer[1] if customer else None,
            event_id=event_id,
            items=[
                DeliveryItem(
                    qty=qty_text(line.qty),
                    name=line.name,
                    unit=line.unit,
                    note=line.note,
                    part=line.parent_line_no is not None,
                )
                for line in lines
            ],
        )

    async def deliveries(
        self, *, courier_id: int, active: bool, actor: SessionUser, limit: int = DELIVERY_LIMIT
    ) -> list[DeliveryOut]:
        """A courier's deliveries: those on the road (`active`), else the latest ones, newest first."""
        await self._visible_courier(courier_id, actor)
        stmt = select(Delivery).where(Delivery.courier_id == courier_id)
        if active:
            stmt = stmt.where(Delivery.state.in_(ACTIVE_DELIVERY)).order_by(Delivery.created_at, Delivery.id)
        else:
            stmt = stmt.order_by(Delivery.created_at.desc(), Delivery.id).limit(limit)
        rows = (await self.session.scalars(stmt)).all()
        return [await self._delivery_out(d) for d in rows]

    async def today(self, *, courier_id: int, actor: SessionUser) -> CourierTodayOut:
        """The courier page's first load: what `deliveries(active=True)` and `balance` answer, in one call."""
        return CourierTodayOut(
            deliveries=await self.deliveries(courier_id=courier_id, active=True, actor=actor),
            balance=await self.balance(courier_id=courier_id, actor=actor),
        )

    # ------------------------------------------------------------------ balances

    async def balance(self, *, courier_id: int, actor: SessionUser) -> BalanceOut:
        courier = await self._visible_courier(courier_id, actor)
        return (await self._balances([courier]))[0]

    async def balances(self, *, branch_id: int, actor: SessionUser) -> list[BalanceOut]:
        """Every courier of a branch with their cash and load (the dispatch dialog, bulk settlement)."""
        await self._visible_branch(branch_id, actor)
        couriers = (
            await self.session.scalars(
                select(Courier).where(Courier.branch_id == branch_id).order_by(Courier.name, Courier.id)
            )
        ).all()
        return await self._balances(list(couriers))

    async def balances_of(self, *, branch_ids: Sequence[int], actor: SessionUser) -> list[BalanceOut]:
        """`balances` of several branches in one pass (the board's snapshot): the ledger is read once."""
        for branch_id in branch_ids:
            await self._visible_branch(branch_id, actor)
        couriers = (
            await self.session.scalars(
                select(Courier)
                .where(Courier.branch_id.in_(branch_ids))
                .order_by(Courier.branch_id, Courier.name, Courier.id)
            )
        ).all()
        return await self._balances(list(couriers))

    async def _balances(self, couriers: Sequence[Courier]) -> list[BalanceOut]:
        if not couriers:
            return []
        ids = [c.id for c in couriers]
        branches = {c.branch_id for c in couriers}
        exponents = {b: await exponent_of(self.session, b) for b in branches}
        day_start = {b: await self._day_start(b) for b in branches}
        # Branch-local "today" differs per branch; the earliest start bounds the queries, rows are then
        # counted against their own courier's branch.
        since = min(day_start.values())
        # Open rows per delivery: what a courier holds for the branch is worked out delivery by delivery
        # (a short collection lowers that delivery's cash, never another's).
        open_rows = await self.session.execute(
            select(
                CourierTransaction.courier_id,
                CourierTransaction.delivery_id,
                Delivery.state,
                CourierTransaction.kind,
                func.count(),
                func.coalesce(func.sum(CourierTransaction.amount), ledger.ZERO),
            )
            .join(Delivery, Delivery.id == CourierTransaction.delivery_id)
            .where(CourierTransaction.courier_id.in_(ids), CourierTransaction.status == "open")
            .group_by(
                CourierTransaction.courier_id,
                CourierTransaction.delivery_id,
                Delivery.state,
                CourierTransaction.kind,
            )
        )
        held: dict[int, _Held] = {courier_id: _Held() for courier_id in ids}
        for courier_id, delivery_id, state, kind, count, total in open_rows:
            held[courier_id].add(
                delivery_id, on_the_road=state in ACTIVE_DELIVERY, kind=kind, count=count, total=total
            )
        load = dict(
            (
                await self.session.execute(
                    select(Delivery.courier_id, func.count())
                    .where(Delivery.courier_id.in_(ids), Delivery.state.in_(ACTIVE_DELIVERY))
                    .group_by(Delivery.courier_id)
                )
            ).all()
        )
        collected = (
            await self.session.execute(
                select(
                    Delivery.courier_id, Delivery.delivered_at, Delivery.cash_collected, Delivery.tip
                ).where(Delivery.courier_id.in_(ids), Delivery.delivered_at >= since)
            )
        ).all()
        fees = (
            await self.session.execute(
                select(
                    CourierTransaction.courier_id, CourierTransaction.created_at, CourierTransaction.amount
                ).where(
                    CourierTransaction.courier_id.in_(ids),
                    CourierTransaction.kind == "fee",
                    CourierTransaction.created_at >= since,
                )
            )
        ).all()
        out = []
        for courier in couriers:
            start, exponent = day_start[courier.branch_id], exponents[courier.branch_id]
            today = [
                (cash or ledger.ZERO, tip or ledger.ZERO)
                for cid, at, cash, tip in collected
                if cid == courier.id and at is not None and at >= start
            ]
            fees_today = sum(
                (amount for cid, at, amount in fees if cid == courier.id and at >= start), ledger.ZERO
            )
            mine = held[courier.id]
            net = money(mine.owes - mine.owed, exponent)
            out.append(
                BalanceOut(
                    courier_id=courier.id,
                    branch_id=courier.branch_id,
                    name=courier.name,
                    active=courier.active,
                    owes_branch=money(mine.owes, exponent),
                    branch_owes=money(mine.owed, exponent),
                    net=net,
                    owed_by=ledger.owed_by(net),
                    open_transactions=mine.count,
                    active_deliveries=int(load.get(courier.id, 0)),
                    cash_in_hand=money(mine.in_hand, exponent),
                    to_collect=money(mine.to_collect, exponent),
                    cash_in_hand_today=money(sum((c - t for c, t in today), ledger.ZERO), exponent),
                    tips_today=money(sum((t for _unused, t in today), ledger.ZERO), exponent),
                    fees_earned_today=money(fees_today, exponent),
                )
            )
        return out

    async def _day_start(self, branch_id: int) -> dt.datetime:
        branch = await self.session.get(Branch, branch_id)
        try:
            zone = zoneinfo.ZoneInfo(branch.timezone if branch is not None else "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        today = dt.datetime.now(zone).date()
        return dt.datetime.combine(today, dt.time(0), tzinfo=zone)

    # ------------------------------------------------------------------ settlements

    async def settlement_preview(
        self, *, courier_id: int, transaction_ids: Sequence[int] | None, actor: SessionUser
    ) -> SettlementPreviewOut:
        # Litestar does not apply the item bounds of a list query parameter: an id past int64 would reach
        # asyncpg.
        if transaction_ids is not None and any(not 1 <= t <= MAX_ID for t in transaction_ids):
            raise invalid_query("transaction_ids", f"ids are between 1 and {MAX_ID}")
        courier = await self._visible_courier(courier_id, actor, managers_only=True)
        rows = await self._transactions(courier.id, transaction_ids, lock=False)
        self._check_selection(rows, transaction_ids)
        exponent = await exponent_of(self.session, courier.branch_id)
        summed = ledger.totals(rows)
        net = money(summed.net, exponent)
        return SettlementPreviewOut(
            courier_id=courier.id,
            collections=money(summed.collections, exponent),
            fees=money(summed.fees, exponent),
            shortfalls=money(summed.shortfalls, exponent),
            net=net,
            owed_by=ledger.owed_by(net),
            transactions=await self._transactions_out(rows, exponent),
        )

    async def settle(
        self, *, courier_id: int, request: SettleIn, actor: SessionUser
    ) -> tuple[SettlementOut, bool]:
        """Settle a courier's open transactions (all, or the ones named). Returns (settlement, created)."""
        courier = await self._visible_courier(courier_id, actor, managers_only=True)
        out, created = await self._settle(
            courier_id=courier.id,
            branch_id=courier.branch_id,
            settlement_id=request.id,
            transaction_ids=request.transaction_ids,
            kind="single",
            note=request.note,
            actor=actor.user_id,
        )
        if not created and not _same_settlement(out, request):
            # A retry answers the settlement it made; another body under the same id is a client bug, a
            # 409 like every other reused id (orders, payments), never a silent replay of the first body.
            raise conflict(_("This settlement id was already used with a different body"), reason="id_reused")
        return out, created

    async def _settle(
        self,
        *,
        courier_id: int,
        branch_id: int,
        settlement_id: uuid.UUID,
        transaction_ids: Sequence[int] | None,
        kind: str,
        note: str,
        actor: int | None,
    ) -> tuple[SettlementOut, bool]:
        """One PostgreSQL transaction: lock the rows, settle them, move the cash, audit; then the event.

        A retry or a double click with the same id answers the settlement already made: the twin that waited
        on our row locks looks for it only once it holds them, so it sees our commit.
        """
        existing = await self._existing(settlement_id, courier_id)
        if existing is not None:
            return existing, False
        exponent = await exponent_of(self.session, branch_id)
        rows = await self._transactions(courier_id, transaction_ids, lock=True)
        existing = await self._existing(settlement_id, courier_id)
        if existing is not None:
            await self.session.rollback()
            return existing, False
        self._check_selection(rows, transaction_ids)
        if not rows:
            raise conflict(_("This courier has nothing open to settle"), reason="nothing_open")
        event = await ledger.settle(
            self.session,
            settlement_id=settlement_id,
            courier_id=courier_id,
            branch_id=branch_id,
            kind=kind,
            transactions=rows,
            note=note,
            actor=actor,
            exponent=exponent,
        )
        self.bus.on_commit(self.session, branch_id, money_events.SETTLEMENT_COMPLETED, event)
        try:
            await self.session.commit()
        except IntegrityError:
            # The same id, committed by a twin settling other rows: it is that settlement.
            await self.session.rollback()
            existing = await self._existing(settlement_id, courier_id)
            if existing is None:
                raise
            return existing, False
        out = await self._existing(settlement_id, courier_id)
        assert out is not None
        await self.session.rollback()
        return out, True

    async def _transactions(
        self, courier_id: int, transaction_ids: Sequence[int] | None, *, lock: bool
    ) -> list[CourierTransaction]:
        stmt = select(CourierTransaction).where(CourierTransaction.courier_id == courier_id)
        if transaction_ids is None:
            stmt = stmt.where(CourierTransaction.status == "open")
        else:
            stmt = stmt.where(CourierTransaction.id.in_(transaction_ids))
        stmt = stmt.order_by(CourierTransaction.id)
        if lock:
            # In id order, so two settlements of overlapping rows queue instead of deadlocking. A row
            # settled by the one we waited for drops out of "all open" (PostgreSQL re-checks the WHERE).
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return list((await self.session.scalars(stmt)).all())

    @staticmethod
    def _check_selection(rows: Sequence[CourierTransaction], transaction_ids: Sequence[int] | None) -> None:
        if transaction_ids is None:
            return
        unknown = sorted(set(transaction_ids) - {t.id for t in rows})
        if unknown:
            raise unprocessable(
                "transaction_ids",
                _("no open transaction %(transaction_id)s of this courier", transaction_id=unknown[0]),
            )
        settled = sorted(t.id for t in rows if t.status != "open")
        if settled:
            raise ApiError(
                409,
                _("Transaction %(transaction_id)s is already settled", transaction_id=settled[0]),
                reason="already_settled",
                transaction_ids=settled,
            )

    async def _existing(self, settlement_id: uuid.UUID, courier_id: int) -> SettlementOut | None:
        settlement = await self.session.get(Settlement, settlement_id, populate_existing=True)
        if settlement is None:
            return None
        if settlement.courier_id != courier_id:
            raise conflict(_("This settlement id was already used for another courier"), reason="id_reused")
        return (await self._settlements_out([settlement]))[0]

    async def _settlements_out(self, settlements: Sequence[Settlement]) -> list[SettlementOut]:
        ids = [s.id for s in settlements]
        rows = await self.session.execute(
            select(
                CourierTransaction.settlement_id,
                CourierTransaction.kind,
                CourierTransaction.amount,
                CourierTransaction.id,
                CourierTransaction.order_id,
            )
            .where(CourierTransaction.settlement_id.in_(ids))
            .order_by(CourierTransaction.id)
        )
        sums: dict[uuid.UUID, dict[str, Decimal]] = {}
        members: dict[uuid.UUID, list[int]] = {}
        orders: dict[uuid.UUID, uuid.UUID] = {}
        for settlement_id, kind, amount, transaction_id, order_id in rows:
            if settlement_id is None:
                continue
            sums.setdefault(settlement_id, {}).setdefault(kind, ledger.ZERO)
            sums[settlement_id][kind] += amount
            members.setdefault(settlement_id, []).append(transaction_id)
            orders.setdefault(settlement_id, order_id)
        # A return's refund settles no transaction; its cash movement names the order.
        refunds = [s.id for s in settlements if s.kind == "dispatch" and s.id not in orders]
        if refunds:
            moved = await self.session.execute(
                select(BranchCashMovement.settlement_id, BranchCashMovement.order_id).where(
                    BranchCashMovement.settlement_id.in_(refunds)
                )
            )
            for refund_id, refund_order in moved:
                if refund_id is not None and refund_order is not None:
                    orders.setdefault(refund_id, refund_order)
        out = []
        for s in settlements:
            exponent = await exponent_of(self.session, s.branch_id)
            net = money(s.net, exponent)
            kinds = sums.get(s.id, {})
            out.append(
                SettlementOut(
                    id=s.id,
                    courier_id=s.courier_id,
                    branch_id=s.branch_id,
                    kind=s.kind,
                    net=net,
                    owed_by=ledger.owed_by(net),
                    collections=money(kinds.get("collection", ledger.ZERO), exponent),
                    fees=money(kinds.get("fee", ledger.ZERO), exponent),
                    shortfalls=money(kinds.get("shortfall", ledger.ZERO), exponent),
                    transactions=s.transactions,
                    transaction_ids=members.get(s.id, []),
                    note=s.note,
                    order_id=orders.get(s.id) if s.kind == "dispatch" else None,
                    created_by=s.created_by,
                    created_at=s.created_at,
                )
            )
        return out

    async def history(
        self, *, courier_id: int, before: dt.datetime | None, actor: SessionUser, limit: int = HISTORY_LIMIT
    ) -> SettlementPage:
        """A courier's settlements, newest first; page on with `before`."""
        await self._visible_courier(courier_id, actor)
        stmt = (
            select(Settlement)
            .where(Settlement.courier_id == courier_id)
            .order_by(Settlement.created_at.desc(), Settlement.id)
            .limit(limit)
        )
        if before is not None:
            stmt = stmt.where(Settlement.created_at < before)
        rows = list((await self.session.scalars(stmt)).all())
        return SettlementPage(
            items=await self._settlements_out(rows),
            next_before=rows[-1].created_at if len(rows) == limit else None,
        )

    async def settlement_detail(self, *, settlement_id: uuid.UUID, actor: SessionUser) -> SettlementDetailOut:
        """One settlement and its transactions (the courier's own, or a manager of its branch; else 404)."""
        settlement = await self.session.get(Settlement, settlement_id)
        if settlement is None or not actor.can_see_branch(settlement.branch_id):
            raise NotFoundException(detail=_("Settlement not found"))
        try:
            courier = await self._visible_courier(settlement.courier_id, actor)
        except NotFoundException:
            raise NotFoundException(detail=_("Settlement not found")) from None
        branch = await self.session.get(Branch, settlement.branch_id)
        assert branch is not None  # settlements.branch_id is a RESTRICT foreign key
        rows = (
            await self.session.scalars(
                select(CourierTransaction)
                .where(CourierTransaction.settlement_id == settlement.id)
                .order_by(CourierTransaction.id)
            )
        ).all()
        by = None
        if settlement.created_by is not None:
            user = await self.session.get(User, settlement.created_by)
            by = None if user is None else (user.full_name or user.username)
        [out] = await self._settlements_out([settlement])
        return SettlementDetailOut(
            settlement=out,
            courier_name=courier.name,
            branch_name=branch.name,
            currency=branch.currency,
            timezone=branch.timezone,
            created_by_name=by,
            transactions=await self._transactions_out(rows, branch.currency_exponent),
        )

    # ------------------------------------------------------------------ bulk

    async def enqueue_bulk(self, *, request: BulkSettleIn, actor: SessionUser) -> BulkSettleOut:
        """Queue the settlement of many couriers as one arq job, named after the request's id."""
        await self._visible_branch(request.branch_id, actor)
        if request.courier_ids is not None:
            known = set(
                (
                    await self.session.scalars(
                        select(Courier.id).where(
                            Courier.id.in_(request.courier_ids), Courier.branch_id == request.branch_id
                        )
                    )
                ).all()
            )
            unknown = sorted(set(request.courier_ids) - known)
            if unknown:
                raise unprocessable(
                    "courier_ids",
                    _("courier %(courier_id)s does not work for this branch", courier_id=unknown[0]),
                )
        await self._record_bulk(request, actor)
        job_id = bulk_job_id(self.keys, request.id)
        queue = self._queue()
        job = await queue.enqueue_job(
            BULK_JOB,
            bulk_id=str(request.id),
            branch_id=request.branch_id,
            courier_ids=request.courier_ids,
            note=request.note,
            actor=actor.user_id,
            _job_id=job_id,
        )
        if job is None:
            # Already queued, running or done under this id: a retry, not a second run.
            return await self.bulk_status(bulk_id=request.id, branch_id=request.branch_id, actor=actor)
        return BulkSettleOut(
            id=request.id,
            branch_id=request.branch_id,
            job_id=job_id,
            status="queued",
            courier_ids=request.courier_ids,
        )

    async def _record_bulk(self, request: BulkSettleIn, actor: SessionUser) -> None:
        """The request in PostgreSQL before its job goes to Redis (the repair cron's record of it). The same
        id again is a retry; with another body it is a 409, as for every reused id."""
        await self.session.execute(
            pg_insert(BulkSettlementRequest)
            .values(
                id=request.id,
                branch_id=request.branch_id,
                courier_ids=None if request.courier_ids is None else sorted(set(request.courier_ids)),
                note=request.note,
                requested_by=actor.user_id,
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = await self.session.get(BulkSettlementRequest, request.id, populate_existing=True)
        assert row is not None
        asked = None if request.courier_ids is None else sorted(set(request.courier_ids))
        if (row.branch_id, row.courier_ids, row.note) != (request.branch_id, asked, request.note):
            await self.session.rollback()
            raise conflict(
                _("This bulk settlement id was already used with a different body"), reason="id_reused"
            )
        await self.session.commit()

    async def bulk_status(self, *, bulk_id: uuid.UUID, branch_id: int, actor: SessionUser) -> BulkSettleOut:
        await self._visible_branch(branch_id, actor)
        job_id = bulk_job_id(self.keys, bulk_id)
        job = Job(job_id, self._queue(), _queue_name=self.keys.arq_queue())
        status = await job.status()
        result: dict[str, Any] | None = None
        if status == JobStatus.complete:
            info = await job.result_info()
            if info is not None and isinstance(info.result, dict):
                result = info.result
        if status == JobStatus.not_found:
            # Redis no longer knows the job (its result expired, or Redis lost it): PostgreSQL does.
            row = await self.session.get(BulkSettlementRequest, bulk_id)
            if row is None or row.branch_id != branch_id:
                raise NotFoundException(detail=_("Bulk settlement not found"))
            done = row.done_at is not None
            out = BulkSettleOut(
                id=bulk_id,
                branch_id=branch_id,
                job_id=job_id,
                status="complete" if done else "queued",
                courier_ids=row.courier_ids,
                result=row.result if done else None,
            )
            await self.session.rollback()
            return out
        return BulkSettleOut(
            id=bulk_id, branch_id=branch_id, job_id=job_id, status=_BULK_STATUS[status], result=result
        )

    def _queue(self) -> ArqRedis:
        # arq's client on our Redis pool: enqueueing needs no connection of its own.
        return ArqRedis(self.redis.connection_pool, default_queue_name=self.keys.arq_queue())

    async def settle_bulk(
        self,
        *,
        bulk_id: uuid.UUID,
        branch_id: int,
        courier_ids: Sequence[int] | None,
        note: str,
        actor: int | None,
    ) -> dict[str, int]:
        """The bulk job's work: settle every courier's open transactions, each in its own transaction.

        Each courier's settlement id is derived from the bulk id, so a re-run (a retried job) finds the ones
        already made and settles only what is left. A courier with nothing open is skipped.
        """
        stmt = select(Courier).where(Courier.branch_id == branch_id).order_by(Courier.id)
        if courier_ids is not None:
            stmt = stmt.where(Courier.id.in_(courier_ids))
        couriers = [(c.id, c.branch_id) for c in (await self.session.scalars(stmt)).all()]
        await self.session.rollback()
        counts = {"settled": 0, "already_settled": 0, "nothing_open": 0}
        for courier_id, courier_branch in couriers:
            try:
                _unused, created = await self._settle(
                    courier_id=courier_id,
                    branch_id=courier_branch,
                    settlement_id=bulk_settlement_id(bulk_id, courier_id),
                    transaction_ids=None,
                    kind="bulk",
                    note=note,
                    actor=actor,
                )
            except ApiError as exc:
                await self.session.rollback()
                if exc.fields.get("reason") != "nothing_open":
                    raise
                counts["nothing_open"] += 1
                continue
            counts["settled" if created else "already_settled"] += 1
        await self.session.execute(
            update(BulkSettlementRequest)
            .where(BulkSettlementRequest.id == bulk_id, BulkSettlementRequest.done_at.is_(None))
            .values(done_at=func.now(), result=counts)
        )
        await self.session.commit()
        return counts

    async def settle_lost_bulks(self, *, grace_seconds: float = BULK_GRACE_SECONDS) -> int:
        """The repair cron's part: bulk requests recorded but not done a while after they were made (Redis
        lost their job, or its worker died), done here. Returns how many."""
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=grace_seconds)
        rows = [
            (row.id, row.branch_id, row.courier_ids, row.note, row.requested_by)
            for row in (
                await self.session.scalars(
                    select(BulkSettlementRequest)
                    .where(
                        BulkSettlementRequest.done_at.is_(None), BulkSettlementRequest.requested_at < cutoff
                    )
                    .order_by(BulkSettlementRequest.requested_at)
                    .limit(20)
                )
            ).all()
        ]
        await self.session.rollback()
        for bulk_id, branch_id, courier_ids, note, actor in rows:
            await self.settle_bulk(
                bulk_id=bulk_id, branch_id=branch_id, courier_ids=courier_ids, note=note, actor=actor
            )
            log.warning("bulk settlement done by the repair sweep", extra={"bulk_id": str(bulk_id)})
        return len(rows)

    # ------------------------------------------------------------------ access

    async def _visible_courier(
        self, courier_id: int, actor: SessionUser, *, managers_only: bool = False
    ) -> Courier:
        """A courier the actor may see: managers their branches' couriers, a courier only themself; else 404."""
        courier = await self.session.get(Courier, courier_id)
        if courier is None or not actor.can_see_branch(courier.branch_id):
            raise NotFoundException(detail=_("Courier not found"))
        if not actor.has_role("manager"):
            if managers_only and actor.has_role("courier") and courier.user_id == actor.user_id:
                raise ApiError(403, _("Settling needs the manager role"))
            if courier.user_id != actor.user_id:
                raise NotFoundException(detail=_("Courier not found"))
        return courier

    async def _visible_branch(self, branch_id: int, actor: SessionUser) -> None:
        ensure_branch_visible(actor, branch_id, what="Branch")
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail=_("Branch not found"))

    async def _transactions_out(
        self, rows: Sequence[CourierTransaction], exponent: int
    ) -> list[TransactionOut]:
        """The rows with what a person needs to recognise them: the order's token, where the delivery is."""
        deliveries = (
            {
                d.id: d
                for d in (
                    await self.session.scalars(
                        select(Delivery).where(Delivery.id.in_({t.delivery_id for t in rows}))
                    )
                ).all()
            }
            if rows
            else {}
        )
        tokens = (
            dict(
                (
                    await self.session.execute(
                        select(Order.id, Order.token).where(Order.id.in_({t.order_id for t in rows}))
                    )
                ).all()
            )
            if rows
            else {}
        )
        out = []
        for t in rows:
            delivery = deliveries.get(t.delivery_id)
            out.append(
                TransactionOut(
                    id=t.id,
                    kind=t.kind,  # type: ignore[arg-type]
                    amount=money(t.amount, exponent),
                    status=t.status,  # type: ignore[arg-type]
                    delivery_id=t.delivery_id,
                    order_id=t.order_id,
                    settlement_id=t.settlement_id,
                    created_at=t.created_at,
                    settled_at=t.settled_at,
                    token=tokens.get(t.order_id),
                    delivery_state=None if delivery is None else delivery.state,
                    delivered_at=None if delivery is None else delivery.delivered_at,
                )
            )
        return out


class _Held:
    """A courier's open transactions summed per delivery: the cash they hold for the branch (deliveries done,
    collections less shortfalls, never below zero per delivery), what they are still to collect on the
    road, and what the branch owes them (fees, and shortfalls beyond a delivery's collection)."""

    __slots__ = ("count", "deliveries", "fees")

    def __init__(self) -> None:
        self.count = 0
        self.fees = ledger.ZERO
        # delivery id -> [on the road, collections, shortfalls]
        self.deliveries: dict[uuid.UUID, tuple[bool, Decimal, Decimal]] = {}

    def add(
        self, delivery_id: uuid.UUID, *, on_the_road: bool, kind: str, count: int, total: Decimal
    ) -> None:
        self.count += int(count)
        if kind == "fee":
            self.fees += total
            return
        road, collections, shortfalls = self.deliveries.get(
            delivery_id, (on_the_road, ledger.ZERO, ledger.ZERO)
        )
        if kind == "collection":
            collections += total
        else:
            shortfalls += total
        self.deliveries[delivery_id] = (road, collections, shortfalls)

    @property
    def to_collect(self) -> Decimal:
        return sum((c - s for road, c, s in self.deliveries.values() if road), ledger.ZERO)

    @property
    def in_hand(self) -> Decimal:
        return sum(
            (max(c - s, ledger.ZERO) for road, c, s in self.deliveries.values() if not road), ledger.ZERO
        )

    @property
    def owes(self) -> Decimal:
        return self.to_collect + self.in_hand

    @property
    def owed(self) -> Decimal:
        short = sum(
            (max(s - c, ledger.ZERO) for road, c, s in self.deliveries.values() if not road), ledger.ZERO
        )
        return self.fees + short


def _same_settlement(made: SettlementOut, request: SettleIn) -> bool:
    """Whether a settlement already made under `request.id` is what this request asks for. "All open"
    (no ids) matches whatever was open then: a retry of it cannot know more."""
    if made.kind != "single" or made.note != request.note:
        return False
    return request.transaction_ids is None or sorted(set(request.transaction_ids)) == sorted(
        made.transaction_ids
    )

"""Board alerts (issue 6, item 4): orders over their state's time limit and deliveries past their slot.

The scan (an arq cron, every 30 s) reads the kanban's own state indexes: an order's score there is the Redis
time (ms) it entered its state, so "over the limit" is one ZRANGEBYSCORE per state and branch. Each breach
is one `alerts` row, unique per (order, kind, order version): running the scan again — or two workers at
once — inserts nothing new, and only the run that inserted a row announces it (`alert.raised`, through the
event bus, after the commit). A later move gives the order a new version, so staying too long in the
next state is a new breach and alerts again. A missed slot is one breach per order, whatever moves follow:
the slot does not start again when the order moves.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.alerts.schemas import AlertOut, AlertPage, RaiseReport, StateLimitsOut
from app.auth.guards import ensure_branch_visible, found_in_branch
from app.db.models import Alert, Branch, Order
from app.events import floor as ev
from app.events.stream import last_id
from app.lib import audit
from app.lib.errors import unprocessable
from app.lib.i18n import _, use_language
from app.lib.labels import channel_word, state_word
from app.orders.ref import order_ref
from app.orders.states import DISPATCH_CHANNELS, TERMINAL, State

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.lib.deps import Scope
    from app.lib.redis import Keys

log = logging.getLogger(__name__)

# States an order can stay in too long. `scheduled` waits for its slot by design; terminal states are off
# the board.
LIMITED_STATES = (
    State.RECEIVED.value,
    State.PREPARING.value,
    State.READY.value,
    State.OUT_FOR_DELIVERY.value,
    State.RETURNED.value,
)
MAX_LIMIT_SECONDS = 7 * 24 * 3600
# Per state and branch per run: a backlog larger than this is alerted over the next runs (30 s apart).
SCAN_BATCH = 500
LIST_LIMIT = 200
_TERMINAL_VALUES = frozenset(s.value for s in TERMINAL)


def validate_limits(raw: Mapping[str, Any]) -> dict[str, int]:
    """A branch's limits from a request body: known states only, whole seconds above zero (422 naming the
    state at fault)."""
    limits: dict[str, int] = {}
    for state, seconds in raw.items():
        if state not in LIMITED_STATES:
            raise unprocessable(
                state, _("not a state with a time limit; use %(choices)s", choices=", ".join(LIMITED_STATES))
            )
        # bool is an int in Python, and `true` is no number of seconds.
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise unprocessable(state, _("must be a whole number of seconds"))
        if not 0 < seconds <= MAX_LIMIT_SECONDS:
            raise unprocessable(
                state,
                _("must be between 1 and %(max_limit_seconds)s seconds", max_limit_seconds=MAX_LIMIT_SECONDS),
            )
        limits[state] = seconds
    return limits


def stored_limits(value: Any) -> dict[str, int]:
    """The limits as stored, ignoring anything malformed (the column predates this validation)."""
    if not isinstance(value, Mapping):
        return {}
    return {
        state: seconds
        for state, seconds in value.items()
        if state in LIMITED_STATES
        and isinstance(seconds, int)
        and not isinstance(seconds, bool)
        and seconds > 0
    }


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return str(_("%(seconds)s s", seconds=int(seconds)))
    if minutes < 60:
        return str(_("%(minutes)s min", minutes=minutes))
    return str(_("%(hours)s h %(minutes)s min", hours=minutes // 60, minutes=minutes % 60))


def _who(token: int | None, channel: str, order_id: str) -> str:
    # The order's one reference (#42), as on the board, the kitchen's screens and the receipt.
    return str(_("%(channel)s order %(ref)s", channel=channel_word(channel), ref=order_ref(token, order_id)))


class _Breach:
    __slots__ = ("channel", "kind", "message", "order_id", "state", "token", "version")

    def __init__(
        self,
        *,
        order_id: str,
        kind: str,
        state: str,
        version: int,
        token: int | None,
        channel: str,
        message: str,
    ) -> None:
        self.order_id = order_id
        self.kind = kind
        self.state = state
        self.version = version
        self.token = token
        self.channel = channel
        self.message = message


class AlertService:
    def __init__(self, scope: Scope) -> None:
        self.session: Session = scope.session
        self.redis: Redis = scope.redis
        self.keys: Keys = scope.keys
        self.bus = scope.bus

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope)

    # ------------------------------------------------------------------ the scan (worker cron)

    async def raise_due(self, *, now_ms: int | None = None) -> RaiseReport:
        """Raise every alert due now in every active branch. `now_ms` (Redis clock) is for tests."""
        if now_ms is None:
            seconds, micros = await self.redis.time()
            now_ms = int(seconds) * 1000 + int(micros) // 1000
        branches = (
            await self.session.execute(
                select(Branch.id, Branch.state_limits, Branch.timezone, Branch.language)
                .where(Branch.active)
                .order_by(Branch.id)
            )
        ).all()
        await self.session.rollback()
        report = RaiseReport()
        for branch_id, limits, timezone, language in branches:
            report.branches += 1
            try:
                # The alert's sentence is stored and shown as written: in the branch's language.
                with use_language(language):
                    await self._raise_branch(branch_id, stored_limits(limits), timezone, now_ms, report)
            except Exception:
                # One branch's trouble (a bad time zone, a lost hash) must not silence every other branch.
                await self.session.rollback()
                log.exception("alert scan failed for a branch", extra={"branch_id": branch_id})
        return report

    async def _raise_branch(
        self, branch_id: int, limits: dict[str, int], timezone: str, now_ms: int, report: RaiseReport
    ) -> None:
        breaches = await self._overdue(branch_id, limits, now_ms)
        breaches += await self._slots_missed(branch_id, timezone, now_ms)
        if not breaches:
            return
        raised: list[tuple[_Breach, int, dt.datetime]] = []
        for breach in breaches:
            row = (
                await self.session.execute(
                    pg_insert(Alert)
                    .values(
                        branch_id=branch_id,
                        order_id=uuid.UUID(breach.order_id),
                        kind=breach.kind,
                        order_state=breach.state,
                        order_version=breach.version,
                        message=breach.message,
                    )
                    .on_conflict_do_nothing(index_elements=["order_id", "kind", "order_version"])
                    .returning(Alert.id, Alert.raised_at)
                )
            ).first()
            if row is not None:
                raised.append((breach, int(row[0]), row[1]))
        # Announced after the commit, and only by the run whose insert made the row.
        for breach, alert_id, raised_at in raised:
            self.bus.on_commit(
                self.session,
                branch_id,
                ev.ALERT_RAISED,
                ev.AlertRaised(
                    alert_id=alert_id,
                    order_id=breach.order_id,
                    kind=breach.kind,
                    state=breach.state,
                    message=breach.message,
                    token=breach.token,
                    channel=breach.channel,
                    version=breach.version,
                    raised_at=raised_at.isoformat(),
                ),
                order_id=breach.order_id,
            )
        await self.session.commit()
        for breach, _unused, _unused_at in raised:
            report.events += 1
            if breach.kind == "state_overdue":
                report.overdue += 1
            else:
                report.slot_missed += 1

    async def _hot(self, branch_id: int, order_ids: list[str]) -> list[list[bytes | None]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for order_id in order_ids:
                pipe.hmget(self.keys.order(branch_id, order_id), ["state", "version", "token", "channel"])
            return cast("list[list[bytes | None]]", await pipe.execute())

    async def _overdue(self, branch_id: int, limits: dict[str, int], now_ms: int) -> list[_Breach]:
        breaches: list[_Breach] = []
        for state, limit in limits.items():
            entered = await cast(
                "Awaitable[list[tuple[bytes, float]]]",
                self.redis.zrangebyscore(
                    self.keys.state_index(branch_id, state),
                    "-inf",
                    now_ms - limit * 1000,
                    start=0,
                    num=SCAN_BATCH,
                    withscores=True,
                ),
            )
            if not entered:
                continue
            ids = [member.decode() for member, _unused in entered]
            for order_id, (_unused, score), hot in zip(
                ids, entered, await self._hot(branch_id, ids), strict=True
            ):
                live_state, version, token, channel = (v.decode() if v is not None else None for v in hot)
                # The order moved between the two reads: its new state has its own clock.
                if live_state != state or version is None:
                    continue
                token_no = int(token) if token else None
                who = _who(token_no, channel or "", order_id)
                waited = _duration((now_ms - score) / 1000)
                breaches.append(
                    _Breach(
                        order_id=order_id,
                        kind="state_overdue",
                        state=state,
                        version=int(version),
                        token=token_no,
                        channel=channel or "",
                        message=str(
                            _(
                                "%(who)s has been %(state)s for %(waited)s (limit %(limit)s)",
                                who=who,
                                state=state_word(state),
                                waited=waited,
                                limit=_duration(limit),
                            )
                        ),
                    )
                )
        return breaches

    async def _slots_missed(self, branch_id: int, timezone: str, now_ms: int) -> list[_Breach]:
        now = dt.datetime.fromtimestamp(now_ms / 1000, tz=dt.UTC)
        already = select(Alert.order_id).where(Alert.branch_id == branch_id, Alert.kind == "slot_missed")
        rows = (
            await self.session.execute(
                select(Order.id, Order.slot_end)
                .where(
                    Order.branch_id == branch_id,
                    Order.channel.in_([c.value for c in DISPATCH_CHANNELS]),
                    Order.slot_end < now,
                    Order.state.not_in(_TERMINAL_VALUES),
                    Order.id.not_in(already),
                )
                .order_by(Order.slot_end)
                .limit(SCAN_BATCH)
            )
        ).all()
        if not rows:
            return []
        zone = ZoneInfo(timezone)
        ids = [str(order_id) for order_id, _unused in rows]
        breaches: list[_Breach] = []
        for order_id, (_unused, slot_end), hot in zip(
            ids, rows, await self._hot(branch_id, ids), strict=True
        ):
            live_state, version, token, channel = (v.decode() if v is not None else None for v in hot)
            # PostgreSQL trails Redis: the live state says whether it is still on its way.
            if live_state is None or version is None or live_state in _TERMINAL_VALUES or slot_end is None:
                continue
            token_no = int(token) if token else None
            who = _who(token_no, channel or "", order_id)
            breaches.append(
                _Breach(
                    order_id=order_id,
                    kind="slot_missed",
                    state=live_state,
                    version=int(version),
                    token=token_no,
                    channel=channel or "",
                    message=str(
                        _(
                            "%(who)s: the delivery slot ended at %(time)s and it is still %(state)s",
                            who=who,
                            time=slot_end.astimezone(zone).strftime("%H:%M"),
                            state=state_word(live_state),
                        )
                    ),
                )
            )
        return breaches

    # ------------------------------------------------------------------ managers

    async def list_alerts(
        self,
        *,
        actor: SessionUser,
        branch_id: int | None,
        open_only: bool | None,
        branch_ids: Sequence[int] = (),
    ) -> AlertPage:
        """Newest first. `open_only`: True = not yet acknowledged, False = acknowledged, None = both.
        `branch_ids` (the board's snapshot) lists several branches in one read."""
        wanted: list[int]
        if branch_ids:
            for b in branch_ids:
                ensure_branch_visible(actor, b, what="Branch")
            wanted = list(branch_ids)
        elif branch_id is not None:
            ensure_branch_visible(actor, branch_id, what="Branch")
            wanted = [branch_id]
        elif actor.all_branches:
            wanted = list((await self.session.scalars(select(Branch.id).order_by(Branch.id))).all())
        else:
            wanted = list(actor.branch_ids)
        # Stream positions first: an alert raised meanwhile is then both listed and sent as an event,
        # which a board applies idempotently by alert id, instead of neither.
        stream_ids = {str(b): await last_id(self.redis, self.keys, b) for b in wanted}
        stmt = (
            select(Alert, Order.token, Order.channel)
            .outerjoin(Order, Order.id == Alert.order_id)
            .where(Alert.branch_id.in_(wanted))
            .order_by(Alert.id.desc())
            .limit(LIST_LIMIT)
        )
        if open_only is True:
            stmt = stmt.where(Alert.acknowledged_at.is_(None))
        elif open_only is False:
            stmt = stmt.where(Alert.acknowledged_at.is_not(None))
        rows = (await self.session.execute(stmt)).all()
        return AlertPage(
            items=[_out(alert, token, channel) for alert, token, channel in rows], stream_ids=stream_ids
        )

    async def acknowledge(self, *, alert_id: int, actor: SessionUser) -> AlertOut:
        """Mark an alert dealt with; acknowledging it again changes nothing (a double tap, two managers)."""
        row = (
            await self.session.execute(
                select(Alert, Order.token, Order.channel)
                .outerjoin(Order, Order.id == Alert.order_id)
                .where(Alert.id == alert_id)
                .with_for_update(of=Alert)
            )
        ).first()
        alert, token, channel = found_in_branch(row, lambda r: r[0].branch_id, actor, what="Alert")
        if alert.acknowledged_at is not None:
            out = _out(alert, token, channel)
            # Ends the transaction (and its row lock); the rollback expires the row, hence `out` first.
            await self.session.rollback()
            return out
        alert.acknowledged_at = dt.datetime.now(dt.UTC)
        alert.acknowledged_by = actor.user_id
        audit.record(
            self.session,
            action="alert.ack",
            entity_type="alert",
            entity_id=alert.id,
            actor_user_id=actor.user_id,
            branch_id=alert.branch_id,
            data={
                "order_id": None if alert.order_id is None else str(alert.order_id),
                "product_id": alert.product_id,
                "kind": alert.kind,
                "version": alert.order_version,
            },
        )
        self.bus.on_commit(
            self.session,
            alert.branch_id,
            ev.ALERT_ACKNOWLEDGED,
            ev.AlertAcknowledged(
                alert_id=alert.id,
                order_id=None if alert.order_id is None else str(alert.order_id),
                acknowledged_by=actor.user_id,
                acknowledged_at=alert.acknowledged_at.isoformat(),
                product_id=alert.product_id,
            ),
            order_id=None if alert.order_id is None else str(alert.order_id),
        )
        await self.session.commit()
        return _out(alert, token, channel)

    # ------------------------------------------------------------------ limits per branch

    async def get_limits(self, *, branch_id: int, actor: SessionUser) -> StateLimitsOut:
        branch = found_in_branch(
            await self.session.get(Branch, branch_id), lambda b: b.id, actor, what="Branch"
        )
        return StateLimitsOut(branch_id=branch.id, limits=stored_limits(branch.state_limits))

    async def set_limits(
        self, *, branch_id: int, limits: Mapping[str, Any], actor: SessionUser
    ) -> StateLimitsOut:
        """Replace a branch's limits (a state left out has none). Applies from the next scan."""
        branch = found_in_branch(
            await self.session.get(Branch, branch_id, with_for_update=True),
            lambda b: b.id,
            actor,
            what="Branch",
        )
        new = validate_limits(limits)
        before = stored_limits(branch.state_limits)
        if new != before:
            branch.state_limits = new
            audit.change(
                self.session,
                action="branch.state_limits",
                entity_type="branch",
                entity_id=branch.id,
                actor_user_id=actor.user_id,
                branch_id=branch.id,
                before=before,
                after=new,
            )
        await self.session.commit()
        return StateLimitsOut(branch_id=branch.id, limits=new)


def _out(alert: Alert, token: int | None, channel: str | None) -> AlertOut:
    return AlertOut(
        id=alert.id,
        branch_id=alert.branch_id,
        order_id=alert.order_id,
        product_id=alert.product_id,
        kind=alert.kind,
        state=alert.order_state,
        version=alert.order_version,
        message=alert.message,
        token=token,
        channel=channel or "",
        raised_at=alert.raised_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
    )

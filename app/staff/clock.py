"""The time clock: staff clock in and out at a branch; managers correct entries and close forgotten ones.

Rules:
- one open entry per person (a partial unique index; clocking in twice is a 409, never a second row);
- a person clocks in at one of their own branches (an admin at any); another branch is a 404;
- a manager corrects entries at their branches, with a reason; an admin's entries are not theirs to see;
- an entry open longer than `OPEN_ALERT_HOURS` raises one `clock_open` alert for the branch's managers.
Every punch and every correction is audited with the entry before and after.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from litestar.exceptions import NotFoundException
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.db.models import Branch, BranchMembership, TimeEntry, User, UserRole
from app.events import floor as ev
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _, use_language
from app.staff.labour_schemas import ClockBranch, ClockIn, ClockStatus, EntryFix, EntryOut

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from app.lib.deps import Scope

log = logging.getLogger(__name__)

OPEN_ALERT_HOURS = 16
# A corrected entry is one shift: longer than this is a typing mistake, not a day's work.
MAX_ENTRY_HOURS = 24
# A phone's clock a little ahead of the server's is not "the future".
CLOCK_SKEW = dt.timedelta(minutes=5)
LIST_LIMIT = 500
ADMIN = "admin"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ClockService(ScopedService):
    # ------------------------------------------------------------------ the person's own clock

    async def status(self, *, actor: SessionUser) -> ClockStatus:
        entry = await self.session.scalar(
            select(TimeEntry).where(TimeEntry.user_id == actor.user_id, TimeEntry.clock_out_at.is_(None))
        )
        return ClockStatus(
            open=await self._out(entry) if entry else None,
            branches=[ClockBranch(id=b.id, name=b.name) for b in await self._clock_branches(actor)],
        )

    async def clock_in(self, *, actor: SessionUser, data: ClockIn) -> EntryOut:
        branches = await self._clock_branches(actor)
        if data.branch_id is None:
            if len(branches) != 1:
                raise unprocessable("branch_id", _("choose the branch you are clocking in at"))
            branch_id = branches[0].id
        else:
            branch_id = data.branch_id
            if branch_id not in {b.id for b in branches}:
                raise NotFoundException(detail=_("Branch not found"))
        # The person's row lock serialises two taps at once; the unique index is the last word.
        await self.session.scalar(select(User.id).where(User.id == actor.user_id).with_for_update())
        if await self._open_of(actor.user_id) is not None:
            raise conflict(_("You are already clocked in; clock out first"))
        entry = TimeEntry(user_id=actor.user_id, branch_id=branch_id, clock_in_at=_now(), source=data.source)
        self.session.add(entry)
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            raise conflict(_("You are already clocked in; clock out first")) from None
        self._audit("clock.in", entry, actor, before=None)
        await self.session.commit()
        return await self._out(entry)

    async def clock_out(self, *, actor: SessionUser) -> EntryOut:
        entry = await self._open_of(actor.user_id, lock=True)
        if entry is None:
            raise conflict(_("You are not clocked in"))
        before = _snapshot(entry)
        entry.clock_out_at = max(_now(), entry.clock_in_at + dt.timedelta(seconds=1))
        self._audit("clock.out", entry, actor, before=before)
        await self.session.commit()
        return await self._out(entry)

    async def toggle_at_till(self, *, till: SessionUser, user_id: int, branch_id: int | None) -> EntryOut:
        """A colleague's PIN at a till (checked by the caller): clock them out when they are in, else in at
        a branch both they and the till's session belong to."""
        await self.session.scalar(select(User.id).where(User.id == user_id).with_for_update())
        entry = await self._open_of(user_id, lock=True)
        person = _Person(user_id)
        if entry is not None:
            before = _snapshot(entry)
            entry.clock_out_at = max(_now(), entry.clock_in_at + dt.timedelta(seconds=1))
            self._audit("clock.out", entry, person, before=before, till=till.user_id)
            await self.session.commit()
            return await self._out(entry)
        theirs = set(
            await self.session.scalars(
                select(BranchMembership.branch_id)
                .join(Branch, Branch.id == BranchMembership.branch_id)
                .where(BranchMembership.user_id == user_id, Branch.active.is_(True))
            )
        )
        shared = sorted(b for b in theirs if till.can_see_branch(b))
        if branch_id is None:
            if len(shared) != 1:
                raise unprocessable("branch_id", _("choose the branch you are clocking in at"))
            branch_id = shared[0]
        elif branch_id not in shared:
            raise NotFoundException(detail=_("Branch not found"))
        entry = TimeEntry(user_id=user_id, branch_id=branch_id, clock_in_at=_now(), source="till")
        self.session.add(entry)
        await self.session.flush()
        self._audit("clock.in", entry, person, before=None, till=till.user_id)
        await self.session.commit()
        return await self._out(entry)

    # ------------------------------------------------------------------ managers

    async def entries(
        self,
        *,
        actor: SessionUser,
        branch_id: int | None,
        user_id: int | None = None,
        day_from: dt.date | None,
        day_to: dt.date | None,
        open_only: bool,
    ) -> list[EntryOut]:
        stmt = select(TimeEntry).join(Branch, Branch.id == TimeEntry.branch_id)
        if branch_id is not None:
            if not actor.can_see_branch(branch_id):
                raise NotFoundException(detail=_("Branch not found"))
            stmt = stmt.where(TimeEntry.branch_id == branch_id)
        elif not actor.all_branches:
            stmt = stmt.where(TimeEntry.branch_id.in_(actor.branch_ids))
        if ADMIN not in actor.roles:
            stmt = stmt.where(TimeEntry.user_id.not_in(_admins()))
        if user_id is not None:
            stmt = stmt.where(TimeEntry.user_id == user_id)
        local_day = func.date(func.timezone(Branch.timezone, TimeEntry.clock_in_at))
        if day_from is not None:
            stmt = stmt.where(local_day >= day_from)
        if day_to is not None:
            stmt = stmt.where(local_day <= day_to)
        if open_only:
            stmt = stmt.where(TimeEntry.clock_out_at.is_(None))
        rows = await self.session.scalars(stmt.order_by(TimeEntry.clock_in_at.desc()).limit(LIST_LIMIT))
        return [await self._out(e) for e in rows]

    async def fix(self, *, actor: SessionUser, entry_id: int, data: EntryFix) -> EntryOut:
        entry = await self.session.scalar(select(TimeEntry).where(TimeEntry.id == entry_id).with_for_update())
        if entry is None or not actor.can_see_branch(entry.branch_id):
            raise NotFoundException(detail=_("Clock entry not found"))
        if ADMIN not in actor.roles and await self._is_admin(entry.user_id):
            raise NotFoundException(detail=_("Clock entry not found"))
        start, end = _checked_times(data)
        if end is None and entry.clock_out_at is not None:
            other = await self._open_of(entry.user_id)
            if other is not None and other.id != entry.id:
                raise conflict(_("This person has another open entry; close that one first"))
        # Two entries of one person covering the same minutes would count those hours twice.
        overlapping = await self.session.scalar(
            select(TimeEntry.id).where(
                TimeEntry.user_id == entry.user_id,
                TimeEntry.id != entry.id,
                TimeEntry.clock_in_at < (end or _now() + CLOCK_SKEW),
                func.coalesce(TimeEntry.clock_out_at, _now()) > start,
            )
        )
        if overlapping is not None:
            raise unprocessable("clock_in_at", _("overlaps another clock entry of this person"))
        before = _snapshot(entry)
        entry.clock_in_at = start
        entry.clock_out_at = end
        entry.note = data.reason.strip()
        self._audit("clock.correct", entry, actor, before=before, reason=entry.note)
        await self.session.commit()
        return await self._out(entry)

    # ------------------------------------------------------------------ rules

    async def _clock_branches(self, actor: SessionUser) -> list[Branch]:
        stmt = select(Branch).where(Branch.active.is_(True)).order_by(Branch.name)
        if not actor.all_branches:
            stmt = stmt.where(
                Branch.id.in_(
                    select(BranchMembership.branch_id).where(BranchMembership.user_id == actor.user_id)
                )
            )
        return list(await self.session.scalars(stmt))

    async def _open_of(self, user_id: int, *, lock: bool = False) -> TimeEntry | None:
        stmt = select(TimeEntry).where(TimeEntry.user_id == user_id, TimeEntry.clock_out_at.is_(None))
        if lock:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def _is_admin(self, user_id: int) -> bool:
        found = await self.session.scalar(
            select(UserRole.user_id).where(UserRole.user_id == user_id, UserRole.role == ADMIN)
        )
        return found is not None

    async def _out(self, entry: TimeEntry) -> EntryOut:
        user_name, branch_name, zone = (
            await self.session.execute(
                select(
                    func.coalesce(func.nullif(User.full_name, ""), User.username),
                    Branch.name,
                    Branch.timezone,
                )
                .select_from(User)
                .join(Branch, Branch.id == entry.branch_id)
                .where(User.id == entry.user_id)
            )
        ).one()
        end = entry.clock_out_at or _now()
        return EntryOut(
            id=entry.id,
            user_id=entry.user_id,
            user_name=user_name,
            branch_id=entry.branch_id,
            branch_name=branch_name,
            branch_timezone=zone,
            clock_in_at=entry.clock_in_at,
            clock_out_at=entry.clock_out_at,
            seconds=max(0, int((end - entry.clock_in_at).total_seconds())),
            source=entry.source,
            note=entry.note,
        )

    def _audit(
        self,
        action: str,
        entry: TimeEntry,
        actor: SessionUser | _Person,
        *,
        before: Any,
        reason: str | None = None,
        till: int | None = None,
    ) -> None:
        data: dict[str, Any] = {"before": before, "after": _snapshot(entry), "user_id": entry.user_id}
        if reason is not None:
            data["reason"] = reason
        if till is not None:
            # Punched with a PIN at a till signed in as someone else.
            data["till_user_id"] = till
        audit.record(
            self.session,
            action=action,
            entity_type="time_entry",
            entity_id=entry.id,
            actor_user_id=actor.user_id,
            branch_id=entry.branch_id,
            data=data,
        )


class _Person:
    """The one who punched with their PIN at a till: the actor of the audit row, though not the session."""

    __slots__ = ("user_id",)

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id


def _admins() -> Any:
    return select(UserRole.user_id).where(UserRole.role == ADMIN)


def _snapshot(entry: TimeEntry) -> dict[str, Any]:
    return {
        "branch_id": entry.branch_id,
        "clock_in_at": entry.clock_in_at.isoformat(),
        "clock_out_at": entry.clock_out_at.isoformat() if entry.clock_out_at else None,
    }


def _checked_times(data: EntryFix) -> tuple[dt.datetime, dt.datetime | None]:
    if data.clock_in_at.tzinfo is None:
        raise unprocessable("clock_in_at", _("must include a time zone offset"))
    if data.clock_out_at is not None and data.clock_out_at.tzinfo is None:
        raise unprocessable("clock_out_at", _("must include a time zone offset"))
    if not data.reason.strip():
        raise unprocessable("reason", _("must not be blank"))
    latest = _now() + CLOCK_SKEW
    if data.clock_in_at > latest:
        raise unprocessable("clock_in_at", _("must not be in the future"))
    end = data.clock_out_at
    if end is not None:
        if end > latest:
            raise unprocessable("clock_out_at", _("must not be in the future"))
        if end <= data.clock_in_at:
            raise unprocessable("clock_out_at", _("must be after the clock-in time"))
        if end - data.clock_in_at > dt.timedelta(hours=MAX_ENTRY_HOURS):
            raise unprocessable(
                "clock_out_at", _("an entry may last at most %(hours)s hours", hours=MAX_ENTRY_HOURS)
            )
    return data.clock_in_at, end


# Entries open too long without an alert yet; the unique `alerts.time_entry_id` makes a second run (or two
# workers at once) insert nothing. The sentence is written afterwards in Python, in the branch's language
# (a job has no request), inside the same transaction: nobody sees the empty message.
_RAISE = text(
    """
INSERT INTO alerts (branch_id, order_id, time_entry_id, kind, order_state, order_version, message)
SELECT t.branch_id, NULL, t.id, 'clock_open', 'clock_open', 0, ''
FROM time_entries AS t
WHERE t.clock_out_at IS NULL AND t.clock_in_at < now() - make_interval(hours => :hours)
  AND NOT EXISTS (SELECT 1 FROM alerts AS a WHERE a.time_entry_id = t.id)
ORDER BY t.id
LIMIT 500
ON CONFLICT (time_entry_id) DO NOTHING
RETURNING id, branch_id, time_entry_id, raised_at
"""
)

_FACTS = text(
    """
SELECT t.id, coalesce(nullif(u.full_name, ''), u.username),
       to_char(t.clock_in_at AT TIME ZONE b.timezone, 'YYYY-MM-DD HH24:MI'), b.language
FROM time_entries AS t
JOIN users AS u ON u.id = t.user_id
JOIN branches AS b ON b.id = t.branch_id
WHERE t.id = ANY(:ids)
"""
)


def open_alert_message(name: str, since: str, language: str) -> str:
    with use_language(language):
        return str(
            _("%(name)s has been clocked in since %(since)s: forgot to clock out?", name=name, since=since)
        )


async def raise_open_alerts(scope: Scope) -> int:
    """One `clock_open` alert per entry open longer than OPEN_ALERT_HOURS, announced after the commit by
    the run that inserted it. Returns how many were raised."""
    session = scope.session
    rows = (await session.execute(_RAISE, {"hours": OPEN_ALERT_HOURS})).all()
    facts: dict[int, str] = {}
    if rows:
        found = await session.execute(_FACTS, {"ids": [r.time_entry_id for r in rows]})
        facts = {entry_id: open_alert_message(*rest) for entry_id, *rest in found.all()}
        await session.execute(
            text("UPDATE alerts SET message = :message WHERE id = :id"),
            [{"id": r.id, "message": facts[r.time_entry_id]} for r in rows],
        )
    for alert_id, branch_id, entry_id, raised_at in rows:
        scope.bus.on_commit(
            session,
            branch_id,
            ev.ALERT_RAISED,
            ev.AlertRaised.about_branch(
                alert_id=alert_id, kind="clock_open", message=facts[entry_id], raised_at=raised_at.isoformat()
            ),
        )
    await session.commit()
    if rows:
        log.info("open clock entries alerted", extra={"count": len(rows)})
    return len(rows)

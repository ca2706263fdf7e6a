"""Wrong second-factor codes, counted per account in PostgreSQL, and the lock they earn.

The count is the account's `auth.totp_failed` audit rows since its last good sign-in: the audit trail
already records every wrong code, so the count survives restarts, is shared by every web process, and
cannot drift from what the audit says. Every `MAX_WRONG_CODES`-th wrong code in a row locks the second
factor, for longer each time (60 s, 2 min, 4 min … up to an hour), so guessing the one-in-a-million code
takes years instead of the ~100 tries a minute the login rate limit alone allowed. Times are the
database's clock (`now()`), the same one that stamped the audit rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.db.models import AuditLog

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

MAX_WRONG_CODES = 5
BASE_LOCK_SECONDS = 60
MAX_LOCK_SECONDS = 3600
FAILED = "auth.totp_failed"
LOCKED = "auth.totp_locked"
# A good sign-in (password, then a right code) starts the count again.
SIGNED_IN = "auth.login"


@dataclass(frozen=True, slots=True)
class WrongCodes:
    failures: int  # wrong codes since the last good sign-in
    last_failure: dt.datetime | None
    now: dt.datetime  # the database's clock

    @property
    def lock_seconds(self) -> int:
        """How long the lock that the latest wrong code earned lasts (0: it earned none)."""
        if self.failures < MAX_WRONG_CODES or self.failures % MAX_WRONG_CODES:
            return 0
        return lock_seconds(self.failures)

    @property
    def locked_until(self) -> dt.datetime | None:
        if self.last_failure is None or not self.lock_seconds:
            return None
        until = self.last_failure + dt.timedelta(seconds=self.lock_seconds)
        return until if until > self.now else None

    def after_one_more(self) -> WrongCodes:
        """The count once the wrong code being answered now is recorded."""
        return WrongCodes(failures=self.failures + 1, last_failure=self.now, now=self.now)


def lock_seconds(failures: int) -> int:
    """The lock after `failures` wrong codes in a row (a multiple of MAX_WRONG_CODES): doubling, capped."""
    locks = failures // MAX_WRONG_CODES
    return int(min(BASE_LOCK_SECONDS * 2 ** min(locks - 1, 16), MAX_LOCK_SECONDS))


async def wrong_codes(session: AsyncSession, user_id: int) -> WrongCodes:
    entity = (AuditLog.entity_type == "user", AuditLog.entity_id == str(user_id))
    last_good = select(func.max(AuditLog.ts)).where(*entity, AuditLog.action == SIGNED_IN).scalar_subquery()
    failures, last_failure, now = (
        await session.execute(
            select(func.count(), func.max(AuditLog.ts), func.now()).where(
                *entity,
                AuditLog.action == FAILED,
                AuditLog.ts > func.coalesce(last_good, dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
            )
        )
    ).one()
    return WrongCodes(failures=int(failures), last_failure=last_failure, now=now)


def retry_after(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, int((until - now).total_seconds() + 0.999))

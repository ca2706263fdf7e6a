"""A report's question: which branches, which dates, compared with what, grouped how — checked once.

Bad input is a 422 naming the parameter (a date that is not a date, `from` after `to`, a range over two
years, an unknown grouping); another branch is a 404, like every branch record (DESIGN §8).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import select

from app.db.models import Branch
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.reports.schemas import BranchRef

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser

MAX_DAYS = 731  # two years, a leap day included
PERIODS = ("hour", "day", "week", "month")
Period = Literal["hour", "day", "week", "month"]
DIMENSIONS = ("none", "branch", "channel", "category", "product", "payment_method", "cashier", "tax_rate")
Dimension = Literal[
    "none", "branch", "channel", "category", "product", "payment_method", "cashier", "tax_rate"
]


@dataclass(frozen=True, slots=True)
class Dates:
    date_from: dt.date
    date_to: dt.date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Dates:
        """The period of the same length just before: the comparison of compare-to-previous."""
        end = self.date_from - dt.timedelta(days=1)
        return Dates(end - dt.timedelta(days=self.days - 1), end)


@dataclass(frozen=True, slots=True)
class Scope:
    branches: list[BranchRef]
    currency: str
    exponent: int
    timezone: str
    other_currencies: list[str]

    @property
    def branch_ids(self) -> list[int]:
        return [b.id for b in self.branches]


def parse_day(value: str | None, *, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise unprocessable(field, _("must be a date such as 2026-05-31")) from None


def dates(date_from: str | None, date_to: str | None, *, today: dt.date, default_days: int = 30) -> Dates:
    start = parse_day(date_from, field="from")
    end = parse_day(date_to, field="to") or today
    if start is None:
        start = end - dt.timedelta(days=default_days - 1)
    if start > end:
        raise unprocessable("from", _("must not be after `to`"))
    if (end - start).days + 1 > MAX_DAYS:
        raise unprocessable("to", _("the range may cover at most two years"))
    return Dates(start, end)


def period(value: str | None) -> Period:
    value = value or "day"
    if value not in PERIODS:
        raise unprocessable("period", _("must be one of %(choices)s", choices=", ".join(PERIODS)))
    return value  # type: ignore[return-value]


def dimension(value: str | None) -> Dimension:
    value = value or "none"
    if value not in DIMENSIONS:
        raise unprocessable("by", _("must be one of %(choices)s", choices=", ".join(DIMENSIONS)))
    return value  # type: ignore[return-value]


def parse_id(value: str | None, *, field: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or not 1 <= int(value) < 2**62:
        raise unprocessable(field, _("must be a branch id"))
    return int(value)


async def resolve(
    session: AsyncSession, actor: SessionUser, *, branch_id: int | None, currency: str | None
) -> Scope:
    """The caller's branches for this report: one branch (404 when it is not theirs), or all of theirs
    that share one currency — the one asked for, else the first branch's."""
    stmt = select(Branch).order_by(Branch.id)
    if branch_id is not None:
        stmt = stmt.where(Branch.id == branch_id)
    rows = [b for b in (await session.scalars(stmt)).all() if actor.can_see_branch(b.id)]
    if branch_id is not None and not rows:
        raise NotFoundException(detail=_("Branch not found"))
    if not rows:
        raise NotFoundException(detail=_("No branch to report on"))
    currencies = sorted({b.currency for b in rows})
    if currency is not None and currency not in currencies:
        raise unprocessable("currency", _("none of your branches trades in %(currency)r", currency=currency))
    chosen = currency or rows[0].currency
    picked = [b for b in rows if b.currency == chosen]
    return Scope(
        branches=[BranchRef(id=b.id, code=b.code, name=b.name) for b in picked],
        currency=chosen,
        exponent=max(b.currency_exponent for b in picked),
        timezone=picked[0].timezone,
        other_currencies=[c for c in currencies if c != chosen],
    )


def local_today(timezone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(timezone)).date()

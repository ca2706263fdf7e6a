"""Gapless invoice numbers: one counter row per (branch, series, fiscal year).

The number is taken with an UPSERT … RETURNING in the transaction that inserts the invoice. The row lock it
takes is held until that transaction ends, so issuers of one series queue behind each other, and a
rollback (a failed insert, a duplicate) gives the number back: no gaps, no duplicates. Issuers of other
branches, series or years never wait for each other.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

AMENDMENT_SUFFIX = "-AM"

_TAKE = text(
    """
    INSERT INTO invoice_counters (branch_id, series, fiscal_year, last_number)
    VALUES (:branch_id, :series, :fiscal_year, 1)
    ON CONFLICT (branch_id, series, fiscal_year)
    DO UPDATE SET last_number = invoice_counters.last_number + 1
    RETURNING last_number
    """
)


def fiscal_year(issue_date: dt.date, start_month: int) -> int:
    """A fiscal year is named after the calendar year it starts in (start month 7: July 2025 to June 2026 is
    2025)."""
    return issue_date.year if issue_date.month >= start_month else issue_date.year - 1


def local_date(at: dt.datetime, timezone: str) -> dt.date:
    """The branch's calendar date at `at`: an invoice issued at 23:30 in Cairo is dated that day."""
    return at.astimezone(ZoneInfo(timezone)).date()


def number_text(series: str, year: int, number: int) -> str:
    return f"{series}-{year}-{number:06d}"


async def take_number(session: AsyncSession, *, branch_id: int, series: str, year: int) -> int:
    """The next number of the series; the caller's transaction holds the counter until it ends."""
    number = await session.scalar(_TAKE, {"branch_id": branch_id, "series": series, "fiscal_year": year})
    assert number is not None
    return int(number)

"""What the worker does for the reports: roll due days (the rollups), and the daily jobs."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from app.reports._rollups import days_to_roll, roll_days

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


async def roll_due_days(session: AsyncSession, *, limit: int) -> dict[str, int]:
    """Roll up to `limit` (branch, day) pairs that ended unrolled or were dirtied; one commit per branch,
    so a long backfill makes progress that survives a restart."""
    due = await days_to_roll(session, limit=limit)
    await session.commit()
    by_branch: dict[int, list[dt.date]] = {}
    for branch_id, day in due:
        by_branch.setdefault(branch_id, []).append(day)
    rows = 0
    for branch_id, days in by_branch.items():
        rows += await roll_days(session, branch_id=branch_id, days=days)
        await session.commit()
    return {"days": len(due), "rows": rows}

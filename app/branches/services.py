from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from app.auth.guards import found_in_branch, scope_to_branches
from app.db.models import Branch

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser


class BranchService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_visible(self, user: SessionUser) -> Sequence[Branch]:
        stmt = scope_to_branches(select(Branch).order_by(Branch.id), Branch.id, user)
        return (await self.session.scalars(stmt)).all()

    async def get_visible(self, user: SessionUser, branch_id: int) -> Branch:
        return found_in_branch(await self.session.get(Branch, branch_id), lambda b: b.id, user, what="Branch")

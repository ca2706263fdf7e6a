from __future__ import annotations

from typing import TYPE_CHECKING

from realtime.namespaces.base import LiveNamespace, Subscription
from realtime.projection import KANBAN, branch_room

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from realtime.auth import ConnectAuth


class KanbanNamespace(LiveNamespace):
    """Managers' live board: full order cards for every branch they belong to (or the ones they pick)."""

    name = KANBAN
    roles = ("manager",)

    async def subscribe(self, user: SessionUser, request: ConnectAuth) -> Subscription:
        branches = await self.visible_branches(user, request)
        return Subscription(branches, tuple(branch_room(b) for b in branches))

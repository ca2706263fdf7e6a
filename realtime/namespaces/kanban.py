from __future__ import annotations

from typing import TYPE_CHECKING

from realtime.namespaces.base import StaffNamespace

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser


class KanbanNamespace(StaffNamespace):
    """Managers' live board: full order cards for every branch they belong to."""

    roles = ("manager",)

    def rooms_for(self, user: SessionUser) -> list[str]:
        return [f"branch:{branch_id}" for branch_id in user.branch_ids]

from __future__ import annotations

from typing import TYPE_CHECKING

from realtime.namespaces.base import LiveNamespace, Subscription, one_branch
from realtime.projection import QUEUE, branch_room

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from realtime.auth import ConnectAuth


class QueueNamespace(LiveNamespace):
    """The token TV of one branch: tokens and their state only (projection.queue).

    Any logged-in staff session may open it for now; a paired display token replaces the session when
    device pairing lands. `auth.branch_id` picks the branch; a user of a single branch may omit it.
    """

    name = QUEUE
    roles = ()

    async def subscribe(self, user: SessionUser, request: ConnectAuth) -> Subscription:
        branch = one_branch(await self.visible_branches(user, request), "a queue display")
        return Subscription((branch,), (branch_room(branch),))

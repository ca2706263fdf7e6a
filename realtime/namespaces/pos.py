from __future__ import annotations

from typing import TYPE_CHECKING

from realtime.namespaces.base import LiveNamespace, Subscription
from realtime.projection import POS, branch_room

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from realtime.auth import ConnectAuth


class PosNamespace(LiveNamespace):
    """The till: its branch's orders and payments in full. A cashier of several branches picks one with
    `auth.branch_id`, or follows all of them."""

    name = POS
    roles = ("cashier", "manager")

    async def subscribe(self, user: SessionUser, request: ConnectAuth) -> Subscription:
        branches = await self.visible_branches(user, request)
        return Subscription(branches, tuple(branch_room(b) for b in branches))

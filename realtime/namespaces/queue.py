from __future__ import annotations

from typing import TYPE_CHECKING

from app.auth.devices import QUEUE_TV
from app.lib.i18n import _
from realtime.auth import refuse
from realtime.namespaces.base import LiveNamespace, Subscription, one_branch
from realtime.projection import QUEUE, branch_room

if TYPE_CHECKING:
    from app.auth.devices import DevicePrincipal
    from app.auth.sessions import SessionUser
    from realtime.auth import ConnectAuth


class QueueNamespace(LiveNamespace):
    """The token TV of one branch: tokens and their state only (projection.queue).

    A paired queue TV connects with `auth.device_token` and follows its own branch only. Any logged-in
    staff session may open it too (a manager checking the screen); `auth.branch_id` picks the branch, and
    a user of a single branch may omit it.
    """

    name = QUEUE
    roles = ()

    async def subscribe(self, user: SessionUser, request: ConnectAuth) -> Subscription:
        branch = one_branch(await self.visible_branches(user, request), _("a queue display"))
        return Subscription((branch,), (branch_room(branch),))

    async def subscribe_device(self, device: DevicePrincipal, request: ConnectAuth) -> Subscription:
        if device.role != QUEUE_TV:
            raise refuse("forbidden", _("this display is paired as a station screen, not a queue TV"))
        requested = request.requested_branches()
        if requested and requested != (device.branch_id,):
            other = next(b for b in requested if b != device.branch_id)
            # Like a user asking for another branch: answered as if it did not exist.
            raise refuse("unknown_branch", _("no branch %(id)s for this display", id=other))
        return Subscription((device.branch_id,), (branch_room(device.branch_id),))

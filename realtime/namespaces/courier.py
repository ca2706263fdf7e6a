from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from app.db.models import Courier
from app.lib.i18n import _
from realtime.auth import refuse
from realtime.namespaces.base import LiveNamespace, Subscription
from realtime.projection import COURIER, courier_room

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from realtime.auth import ConnectAuth


class CourierNamespace(LiveNamespace):
    """A courier's phone: their own assignments only, in room `courier:{id}`.

    A courier is the `couriers` row linked to their login. A manager may watch a courier of one of their
    branches by passing `auth.courier_id`.
    """

    name = COURIER
    roles = ("courier", "manager")

    async def subscribe(self, user: SessionUser, request: ConnectAuth) -> Subscription:
        is_manager = user.has_role("manager")
        async with self.runtime.sessionmaker() as session:
            own = await session.scalar(select(Courier).where(Courier.user_id == user.user_id))
            if request.courier_id is None or (own is not None and own.id == request.courier_id):
                courier = own
                if courier is None:
                    if is_manager:
                        raise refuse("bad_request", _("pick the courier to follow with auth.courier_id"))
                    raise refuse("unknown_courier", _("this login is not linked to a courier"))
            elif is_manager:
                courier = await session.get(Courier, request.courier_id)
            else:
                raise refuse("forbidden", _("a courier follows only their own deliveries"))
        if courier is None or not user.can_see_branch(courier.branch_id):
            raise refuse("unknown_courier", _("no courier %(id)s among your branches", id=request.courier_id))
        if not courier.active and not is_manager:
            raise refuse("forbidden", _("this courier is inactive"))
        return Subscription((courier.branch_id,), (courier_room(courier.id),))

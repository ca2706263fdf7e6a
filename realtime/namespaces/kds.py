from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from app.auth.devices import STATION
from app.db.models import Station
from app.lib.i18n import _
from realtime.auth import refuse
from realtime.namespaces.base import LiveNamespace, Subscription, one_branch
from realtime.projection import KDS, kds_room, station_room

if TYPE_CHECKING:
    from app.auth.devices import DevicePrincipal
    from app.auth.sessions import SessionUser
    from realtime.auth import ConnectAuth


class KdsNamespace(LiveNamespace):
    """Kitchen screens: tickets of the chosen stations, plus order-level changes of their branch.

    `auth = {"station": "grill", "branch_id": 1}` or `{"stations": [...], "branch_id": 1}` picks stations
    (the branch may be omitted by a user of one branch); without one the screen is an expo and follows
    every station of its branches, as configured in the `stations` table.

    A paired station screen connects with `auth.device_token` and gets its own station only.
    """

    name = KDS
    roles = ("kitchen", "manager")

    async def subscribe(self, user: SessionUser, request: ConnectAuth) -> Subscription:
        branches = await self.visible_branches(user, request)
        wanted = sorted({*(request.stations or ()), *((request.station,) if request.station else ())})
        if wanted:
            branches = (one_branch(branches, _("a station screen")),)
        stmt = select(Station.branch_id, Station.code).where(Station.branch_id.in_(branches))
        if wanted:
            stmt = stmt.where(Station.code.in_(wanted))
        async with self.runtime.sessionmaker() as session:
            stations = sorted((b, code) for b, code in (await session.execute(stmt)).all())
        missing = sorted(set(wanted) - {code for _branch, code in stations})
        if missing:
            raise refuse(
                "unknown_station",
                _("no station %(code)s in branch %(branch)s", code=repr(missing[0]), branch=branches[0]),
            )
        rooms = [station_room(b, code) for b, code in stations]
        rooms.extend(kds_room(b) for b in branches)
        return Subscription(branches, tuple(rooms))

    async def subscribe_device(self, device: DevicePrincipal, request: ConnectAuth) -> Subscription:
        if device.role != STATION or device.station_code is None:
            raise refuse("forbidden", _("this display is paired as a queue TV, not a station screen"))
        branch = device.branch_id
        requested = request.requested_branches()
        if requested and requested != (branch,):
            other = next(b for b in requested if b != branch)
            raise refuse("unknown_branch", _("no branch %(id)s for this display", id=other))
        wanted = {*(request.stations or ()), *((request.station,) if request.station else ())}
        if wanted - {device.station_code}:
            raise refuse(
                "forbidden", _("this display shows station %(code)s only", code=repr(device.station_code))
            )
        async with self.runtime.sessionmaker() as session:
            found = await session.scalar(
                select(Station.id).where(Station.branch_id == branch, Station.code == device.station_code)
            )
        if found is None:
            raise refuse(
                "unknown_station",
                _("no station %(code)s in branch %(branch)s", code=repr(device.station_code), branch=branch),
            )
        return Subscription((branch,), (station_room(branch, device.station_code), kds_room(branch)))

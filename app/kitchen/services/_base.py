"""What the kitchen service's parts share: the session, Redis, the kitchen scripts and flows, and who is
working the kitchen screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from app.kitchen.flows import KitchenFlows

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.kitchen.machine import KitchenMachine
    from app.lib.deps import Scope
    from app.lib.redis import Keys


@dataclass(frozen=True, slots=True)
class KitchenActor:
    """Who works a kitchen screen: a member of staff (their branches), or a paired station display, which
    sees and moves the tickets of its own station only. Whatever it may not see is a 404, like another
    branch's record."""

    user_id: int | None
    branch_ids: tuple[int, ...]
    all_branches: bool = False
    station_code: str | None = None
    device_id: str | None = None

    @classmethod
    def staff(cls, user: SessionUser) -> KitchenActor:
        return cls(user_id=user.user_id, branch_ids=user.branch_ids, all_branches=user.all_branches)

    def sees(self, branch_id: int, station_code: str | None = None) -> bool:
        """The branch (and station); a station display sees no screen but its station's (no expo)."""
        if not (self.all_branches or branch_id in self.branch_ids):
            return False
        return self.station_code is None or station_code == self.station_code


class KitchenServiceBase:
    def __init__(
        self,
        *,
        session: AsyncSession,
        redis: Redis,
        keys: Keys,
        machine: KitchenMachine,
        flows: KitchenFlows,
    ) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.machine = machine
        # The order moves tickets cause go through the orders' door (the flows); same session.
        self.flows = flows

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        flows = scope.get(KitchenFlows)
        return cls(
            session=scope.session, redis=scope.redis, keys=scope.keys, machine=flows.machine, flows=flows
        )

"""What the kitchen service's parts share: the session, Redis, the kitchen scripts and the order service."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.kitchen.machine import KitchenMachine
    from app.lib.redis import Keys
    from app.orders.services import OrderService


class KitchenServiceBase:
    def __init__(
        self,
        *,
        session: AsyncSession,
        redis: Redis,
        keys: Keys,
        machine: KitchenMachine,
        orders: OrderService,
    ) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.machine = machine
        # Order moves and order events go through the order service (STYLE 8); it shares this session.
        self.orders = orders

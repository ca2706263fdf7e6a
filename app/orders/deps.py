from __future__ import annotations

from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.orders.machine import OrderMachine
from app.orders.services import OrderService


def provide_order_service(db_session: DbSession, redis: RedisClient, keys: RedisKeys) -> OrderService:
    # An OrderMachine is cheap to build (the scripts' SHA1s are computed locally; Redis caches the scripts).
    return OrderService(session=db_session, redis=redis, keys=keys, machine=OrderMachine(redis, keys))

from __future__ import annotations

from litestar.datastructures import State

from app.kitchen.machine import KitchenMachine
from app.kitchen.services import KitchenService
from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.orders.deps import provide_order_service


def provide_kitchen_service(
    state: State, db_session: DbSession, redis: RedisClient, keys: RedisKeys
) -> KitchenService:
    # Both services share the request's session; the order service brings the journal for its moves.
    return KitchenService(
        session=db_session,
        redis=redis,
        keys=keys,
        machine=KitchenMachine(redis, keys),
        orders=provide_order_service(state, db_session, redis, keys),
    )

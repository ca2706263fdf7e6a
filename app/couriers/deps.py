from __future__ import annotations

from litestar.datastructures import State

from app.couriers.services import CourierLocationService
from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.orders.deps import provide_order_service


def provide_location_service(
    state: State, db_session: DbSession, redis: RedisClient, keys: RedisKeys
) -> CourierLocationService:
    # Positions reach the board as `courier.updated`, emitted through the order service's one helper.
    return CourierLocationService(
        session=db_session,
        redis=redis,
        keys=keys,
        orders=provide_order_service(state, db_session, redis, keys),
    )

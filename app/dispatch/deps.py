from __future__ import annotations

from litestar.datastructures import State

from app.dispatch.services import DispatchService
from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.orders.deps import provide_order_service


def provide_dispatch_service(
    state: State, db_session: DbSession, redis: RedisClient, keys: RedisKeys
) -> DispatchService:
    return DispatchService(orders=provide_order_service(state, db_session, redis, keys))

from __future__ import annotations

from litestar.datastructures import State

from app.alerts.services import AlertService
from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.orders.deps import provide_order_service


def provide_alert_service(
    state: State, db_session: DbSession, redis: RedisClient, keys: RedisKeys
) -> AlertService:
    # Alerts are announced through the order service (the one emitter of order events), on the same session.
    return AlertService(
        session=db_session,
        redis=redis,
        keys=keys,
        orders=provide_order_service(state, db_session, redis, keys),
    )

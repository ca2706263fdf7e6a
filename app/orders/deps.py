from __future__ import annotations

from litestar.datastructures import State

from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.orders.journal import EventJournal
from app.orders.machine import OrderMachine
from app.orders.services import OrderService


def provide_order_service(
    state: State, db_session: DbSession, redis: RedisClient, keys: RedisKeys
) -> OrderService:
    journal: EventJournal | None = getattr(state, "journal", None)
    # An OrderMachine is cheap to build (the scripts' SHA1s are computed locally; Redis caches the scripts).
    return OrderService(
        session=db_session, redis=redis, keys=keys, machine=OrderMachine(redis, keys), journal=journal
    )

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
    return OrderService(
        session=db_session, redis=redis, keys=keys, machine=_machine(state, redis, keys), journal=journal
    )


def _machine(state: State, redis: RedisClient, keys: RedisKeys) -> OrderMachine:
    """One per app: building it hashes every Lua script (the transition table is rendered into the
    biggest), which was 2-3 % of an order creation's CPU when done per request."""
    machine: OrderMachine | None = getattr(state, "order_machine", None)
    if machine is None or machine.redis is not redis or machine.keys is not keys:
        machine = OrderMachine(redis, keys)
        state.order_machine = machine
    return machine

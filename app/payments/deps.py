from __future__ import annotations

from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.payments.services import PaymentService


def provide_payment_service(db_session: DbSession, redis: RedisClient, keys: RedisKeys) -> PaymentService:
    return PaymentService(session=db_session, redis=redis, keys=keys)

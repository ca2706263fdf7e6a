from __future__ import annotations

from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.queue.services import QueueService


def provide_queue_service(db_session: DbSession, redis: RedisClient, keys: RedisKeys) -> QueueService:
    return QueueService(session=db_session, redis=redis, keys=keys)

from __future__ import annotations

from app.devices.services import DeviceService
from app.lib.deps import DbSession, RedisClient, RedisKeys


def provide_device_service(db_session: DbSession, redis: RedisClient, keys: RedisKeys) -> DeviceService:
    return DeviceService(session=db_session, redis=redis, keys=keys)

from __future__ import annotations

from app.auth.services import AuthService
from app.lib.deps import AppSettings, DbSession, RedisClient, RedisKeys


def provide_auth_service(
    db_session: DbSession, redis: RedisClient, keys: RedisKeys, settings: AppSettings
) -> AuthService:
    return AuthService(session=db_session, redis=redis, keys=keys, security=settings.security)

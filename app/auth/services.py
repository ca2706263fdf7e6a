"""Login, logout and who-am-I."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from litestar.exceptions import NotAuthorizedException
from sqlalchemy import func, select

from app.auth.guards import scope_to_branches
from app.auth.schemas import BranchRef, Me
from app.auth.sessions import SessionStore, SessionUser
from app.db.models import Branch, BranchMembership, User, UserRole
from app.lib import audit, ratelimit
from app.lib.security import hash_password, needs_rehash, verify_password

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.lib.redis import Keys
    from app.settings import SecuritySettings

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Wrong username or password"


class AuthService:
    def __init__(
        self, *, session: AsyncSession, redis: Redis, keys: Keys, security: SecuritySettings
    ) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.security = security
        self.sessions = SessionStore(redis, keys, ttl_seconds=security.session_ttl_seconds)

    async def login(self, *, username: str, password: str, client_ip: str) -> tuple[str, SessionUser]:
        username = username.strip().lower()
        limit = self.security.login_attempts_per_minute
        await ratelimit.enforce(self.redis, self.keys, bucket="login-ip", subject=client_ip, limit=limit)
        await ratelimit.enforce(self.redis, self.keys, bucket="login-user", subject=username, limit=limit)

        user = await self.session.scalar(select(User).where(User.username == username))
        usable = user is not None and user.is_active
        # Always run one argon2 verification so unknown users and wrong passwords take the same time.
        ok = verify_password(user.password_hash if usable and user is not None else None, password)
        if not ok or user is None:
            audit.record(
                self.session,
                action="auth.login_failed",
                entity_type="user",
                entity_id=user.id if user is not None else None,
                data={"username": username, "ip": client_ip},
            )
            await self.session.commit()
            raise NotAuthorizedException(detail=WRONG_CREDENTIALS)

        roles = tuple(
            sorted(await self.session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
        )
        branch_ids = tuple(
            sorted(
                await self.session.scalars(
                    select(BranchMembership.branch_id).where(BranchMembership.user_id == user.id)
                )
            )
        )
        token, session_user = await self.sessions.create(
            user_id=user.id,
            username=user.username,
            full_name=user.full_name,
            roles=roles,
            branch_ids=branch_ids,
            all_branches="admin" in roles,
        )
        user.last_login_at = dt.datetime.now(dt.UTC)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit.record(
            self.session,
            action="auth.login",
            entity_type="user",
            entity_id=user.id,
            actor_user_id=user.id,
            data={"ip": client_ip},
        )
        await self.session.commit()
        log.info("login", extra={"user_id": user.id, "username": user.username})
        return token, session_user

    async def logout(self, *, token: str, user: SessionUser) -> None:
        await self.sessions.delete(token)
        audit.record(
            self.session,
            action="auth.logout",
            entity_type="user",
            entity_id=user.user_id,
            actor_user_id=user.user_id,
        )
        await self.session.commit()

    async def me(self, user: SessionUser) -> Me:
        stmt = scope_to_branches(select(Branch).order_by(Branch.id), Branch.id, user)
        branches = (await self.session.scalars(stmt)).all()
        return Me(
            id=user.user_id,
            username=user.username,
            full_name=user.full_name,
            roles=list(user.roles),
            branches=[BranchRef(id=b.id, code=b.code, name=b.name) for b in branches],
        )

    async def user_count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)

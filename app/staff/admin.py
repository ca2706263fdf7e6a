"""Creating the first admin from the command line (a fresh install has no one to log in as), and clearing
someone's second factor when their phone is lost (they enrol a new one at their next sign-in)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.sessions import SessionStore
from app.db.models import User, UserRole
from app.lib import audit
from app.lib.deps import provide_services
from app.lib.runtime import open_runtime
from app.lib.security import hash_password

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 10


async def create_admin(*, username: str, password: str, full_name: str) -> int:
    username = username.strip().lower()
    if not USERNAME.match(username):
        msg = "username must be 3-64 characters: letters, digits, '.', '_' or '-'"
        raise ValueError(msg)
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"password must be at least {MIN_PASSWORD_LENGTH} characters"
        raise ValueError(msg)
    async with open_runtime() as runtime, provide_services(runtime) as services:
        session = services.session
        if await session.scalar(select(User.id).where(User.username == username)) is not None:
            msg = f"user {username!r} already exists"
            raise ValueError(msg)
        user = User(username=username, password_hash=hash_password(password), full_name=full_name)
        session.add(user)
        await session.flush()
        session.add(UserRole(user_id=user.id, role="admin"))
        audit.record(session, action="staff.admin_created", entity_type="user", entity_id=user.id)
        await session.commit()
        return user.id


async def reset_second_factor(*, username: str) -> None:
    username = username.strip().lower()
    async with open_runtime() as runtime, provide_services(runtime) as services:
        session = services.session
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            msg = f"no user {username!r}"
            raise ValueError(msg)
        user.totp_secret = None
        audit.record(session, action="auth.totp_reset", entity_type="user", entity_id=user.id)
        await session.commit()
        # Sessions opened with the old factor end too: whoever holds the lost phone may hold one of them.
        await SessionStore(runtime.redis, runtime.keys, ttl_seconds=1).revoke_user(user.id)

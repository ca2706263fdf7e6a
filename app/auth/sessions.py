"""Server-side sessions in Redis.

The cookie carries a random token; Redis stores the session under the token's SHA-256, so a copy of
the Redis data does not hand out live sessions. Roles and branches are copied into the session at
login: every request is authorised without a database round trip, and a change of roles takes effect
at the next login (or at once, by `revoke_user`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, cast

import msgspec

from app.lib.security import new_token

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.redis import Keys


class SessionUser(msgspec.Struct, frozen=True, kw_only=True):
    user_id: int
    username: str
    full_name: str
    roles: tuple[str, ...]
    # Branches the user belongs to; admins see every branch (`all_branches`).
    branch_ids: tuple[int, ...]
    all_branches: bool = False
    csrf: str
    created_at: float
    # The user's own language (None: their branch's), so an API call without Accept-Language is answered
    # in it with no query (app.language.services); kept in step by `SessionStore.set_language`.
    language: str | None = None

    def has_role(self, *roles: str) -> bool:
        return "admin" in self.roles or any(role in self.roles for role in roles)

    def can_see_branch(self, branch_id: int) -> bool:
        return self.all_branches or branch_id in self.branch_ids


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(SessionUser)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, redis: Redis, keys: Keys, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds

    async def create(
        self,
        *,
        user_id: int,
        username: str,
        full_name: str,
        roles: tuple[str, ...],
        branch_ids: tuple[int, ...],
        all_branches: bool,
        language: str | None = None,
    ) -> tuple[str, SessionUser]:
        token = new_token()
        user = SessionUser(
            user_id=user_id,
            username=username,
            full_name=full_name,
            roles=roles,
            branch_ids=branch_ids,
            all_branches=all_branches,
            csrf=new_token(24),
            created_at=time.time(),
            language=language,
        )
        digest = token_digest(token)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.session(digest), _encoder.encode(user), ex=self._ttl)
            pipe.sadd(self._keys.user_sessions(user_id), digest)
            pipe.expire(self._keys.user_sessions(user_id), self._ttl)
            await pipe.execute()
        return token, user

    async def get(self, token: str) -> SessionUser | None:
        if not token or len(token) > 128:
            return None
        raw = await self._redis.get(self._keys.session(token_digest(token)))
        if raw is None:
            return None
        try:
            return _decoder.decode(raw)
        except msgspec.DecodeError:
            # A session written by an older release with another shape: treat as logged out.
            return None

    async def delete(self, token: str) -> None:
        digest = token_digest(token)
        user = await self.get(token)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._keys.session(digest))
            if user is not None:
                pipe.srem(self._keys.user_sessions(user.user_id), digest)
            await pipe.execute()

    async def set_language(self, user_id: int, language: str | None) -> None:
        """The user chose another language: every open session of theirs follows (their TTL kept)."""
        digests = await cast("Awaitable[set[bytes]]", self._redis.smembers(self._keys.user_sessions(user_id)))
        for digest in digests:
            key = self._keys.session(digest.decode())
            raw = await self._redis.get(key)
            if raw is None:
                continue
            try:
                user = _decoder.decode(raw)
            except msgspec.DecodeError:
                continue
            await self._redis.set(
                key, _encoder.encode(msgspec.structs.replace(user, language=language)), keepttl=True
            )

    async def revoke_user(self, user_id: int) -> int:
        """End every session of a user (deactivated account, changed roles, stolen tablet)."""
        digests = await cast("Awaitable[set[bytes]]", self._redis.smembers(self._keys.user_sessions(user_id)))
        keys = [self._keys.session(d.decode()) for d in digests]
        if keys:
            await self._redis.delete(*keys)
        await self._redis.delete(self._keys.user_sessions(user_id))
        return len(keys)

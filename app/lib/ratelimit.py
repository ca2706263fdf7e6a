"""Fixed-window rate limits in Redis (login, public endpoints)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.exceptions import TooManyRequestsException

from app.lib.i18n import _

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.lib.redis import Keys


async def enforce(
    redis: Redis, keys: Keys, *, bucket: str, subject: str, limit: int, window: int = 60
) -> None:
    """Count one hit; raise 429 with Retry-After once `limit` hits fall in the current window."""
    key = keys.rate(bucket, subject)
    async with redis.pipeline(transaction=True) as pipe:
        # SET NX then INCR rather than EXPIRE NX: the embedded Redis is 6.2, which lacks EXPIRE's flags.
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _added, hits, ttl = await pipe.execute()
    if int(hits) > limit:
        retry_after = max(int(ttl), 1)
        raise TooManyRequestsException(
            detail=_("Too many attempts; try again in %(seconds)s s", seconds=retry_after),
            headers={"Retry-After": str(retry_after)},
        )

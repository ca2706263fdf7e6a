"""The Redis client and the one place Redis key names are built.

Keys of one branch share a hash tag (`{b:<id>}`) so a branch can live on one Redis Cluster shard and
its Lua scripts touch keys of a single slot. Everything starts with the configured prefix, so one Redis
can serve several shops or test runs side by side.
"""

from __future__ import annotations

from redis.asyncio import Redis

from app.settings import RedisSettings


def make_redis(settings: RedisSettings) -> Redis:
    # decode_responses stays off: sessions and events are msgspec-encoded bytes, decoded where used.
    client: Redis = Redis.from_url(settings.url, decode_responses=False, health_check_interval=30)
    return client


class Keys:
    """Builds key names; the only code that knows their layout."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def session(self, token_digest: str) -> str:
        return f"{self.prefix}session:{token_digest}"

    def user_sessions(self, user_id: int) -> str:
        return f"{self.prefix}user-sessions:{user_id}"

    def rate(self, bucket: str, subject: str) -> str:
        return f"{self.prefix}rate:{bucket}:{subject}"

    def worker_heartbeat(self) -> str:
        return f"{self.prefix}worker:heartbeat"

    def arq_queue(self) -> str:
        return f"{self.prefix}arq:queue"

    def branch_tag(self, branch_id: int) -> str:
        return f"{self.prefix}{{b:{branch_id}}}"

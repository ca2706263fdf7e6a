"""The Redis client and the one place Redis key names are built.

Keys of one branch share a hash tag (`{b:<id>}`) so a branch can live on one Redis Cluster shard and
its Lua scripts touch keys of a single slot. Everything starts with the configured prefix, so one Redis
can serve several shops or test runs side by side.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import cast

from redis.asyncio import Redis

from app.settings import RedisSettings


def make_redis(settings: RedisSettings) -> Redis:
    # decode_responses stays off: sessions and events are msgspec-encoded bytes, decoded where used.
    client: Redis = Redis.from_url(settings.url, decode_responses=False, health_check_interval=30)
    return client


# redis-py types its commands for sync and async clients at once (`Awaitable[T] | T`); these wrappers give
# the async client's real types to the few commands services call directly.


async def hget(redis: Redis, key: str, field: str) -> bytes | None:
    return await cast("Awaitable[bytes | None]", redis.hget(key, field))


async def hmget(redis: Redis, key: str, *fields: str) -> list[bytes | None]:
    return await cast("Awaitable[list[bytes | None]]", redis.hmget(key, list(fields)))


async def hset(redis: Redis, key: str, mapping: dict[str, str]) -> int:
    return await cast("Awaitable[int]", redis.hset(key, mapping=mapping))


class Keys:
    """Builds key names; the only code that knows their layout."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def session(self, token_digest: str) -> str:
        return f"{self.prefix}session:{token_digest}"

    def user_sessions(self, user_id: int) -> str:
        return f"{self.prefix}user-sessions:{user_id}"

    def login_challenge(self, token_digest: str) -> str:
        """A password accepted, waiting for its second factor (or for the enrolment of one)."""
        return f"{self.prefix}login-challenge:{token_digest}"

    def totp_last_step(self, user_id: int, secret_digest: str) -> str:
        """The last TOTP time step accepted for a user's secret: that code, and older ones, are spent. Per
        secret, because a newly enrolled one has spent nothing."""
        return f"{self.prefix}totp-step:{user_id}:{secret_digest}"

    def rate(self, bucket: str, subject: str) -> str:
        return f"{self.prefix}rate:{bucket}:{subject}"

    def worker_heartbeat(self) -> str:
        return f"{self.prefix}worker:heartbeat"

    def arq_queue(self) -> str:
        return f"{self.prefix}arq:queue"

    def branch_tag(self, branch_id: int) -> str:
        return f"{self.prefix}{{b:{branch_id}}}"

    # --- one branch's hot state: every key below shares the branch hash tag

    def order(self, branch_id: int, order_id: str) -> str:
        return f"{self.branch_tag(branch_id)}:order:{order_id}"

    def state_index(self, branch_id: int, state: str) -> str:
        """The kanban column: open orders in `state`, scored by when they entered it (ms)."""
        return f"{self.branch_tag(branch_id)}:state:{state}"

    def events(self, branch_id: int) -> str:
        """The branch's ordered event stream; its ids are the event ids clients resume from."""
        return f"{self.branch_tag(branch_id)}:events"

    def ticket(self, branch_id: int, ticket_id: str) -> str:
        return f"{self.branch_tag(branch_id)}:ticket:{ticket_id}"

    def station_tickets(self, branch_id: int, station_code: str) -> str:
        return f"{self.branch_tag(branch_id)}:station:{station_code}"

    def service_tickets(self, branch_id: int) -> str:
        """The walk-in service queue's open tickets (waiting, called, serving): ticket id -> JSON."""
        return f"{self.branch_tag(branch_id)}:service"

    def road_lock(self, branch_id: int, order_id: str) -> str:
        """Held while an order goes onto or off the road, from its PostgreSQL commit to its Redis move."""
        return f"{self.branch_tag(branch_id)}:road-lock:{order_id}"

    def courier_locations(self, branch_id: int) -> str:
        """Last known position of the branch's couriers: courier id -> JSON {lat, lng, accuracy, at}."""
        return f"{self.branch_tag(branch_id)}:courier-locations"

    # --- across branches

    def order_branch(self, order_id: str) -> str:
        """Which branch an order belongs to, so a transition finds its hot state without PostgreSQL.
        Deliberately outside the branch hash tag: it is read before the branch is known."""
        return f"{self.prefix}order-branch:{order_id}"

    def catalog_epoch(self) -> str:
        """Changes whenever the catalog does; processes drop their cached catalog when it moves."""
        return f"{self.prefix}catalog-epoch"

    def stream_epoch(self) -> str:
        """The first stream id of the current epoch: `passline rebuild` moves it past every id a client could
        hold from before Redis lost data, so resuming from such an id is a resync."""
        return f"{self.prefix}stream-epoch"

    def event_branches(self) -> str:
        """Branches that have an event stream, for the readers that follow every stream."""
        return f"{self.prefix}event-branches"

    def device_pairing(self, device_id: str) -> str:
        """A display waiting to be paired: the digest of its poll secret, then its token until picked up."""
        return f"{self.prefix}device-pairing:{device_id}"

    def persister_group(self) -> str:
        return "persister"

    def persister_dead(self) -> str:
        """Stream entries the persister could not store (e.g. their order is not in PostgreSQL), kept with
        the reason so an operator can inspect and replay them."""
        return f"{self.prefix}persister:dead"

"""Where the couriers are (issue 6, item 3): an optional, throttled location ping from the courier's phone,
kept in Redis and shown on the kanban.

One hash per branch (`Keys.courier_locations`): courier id -> {lat, lng, accuracy, at}. Hash fields cannot
expire on their own in Redis 6.2, so the hash's TTL is renewed by every ping (a branch whose couriers all
stopped pinging forgets them) and a reader drops positions older than `STALE_AFTER_SECONDS`.
Positions are not history: nothing goes to PostgreSQL but the stream's `courier.updated` events, which the
persister stores with every other branch event.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Self, cast

import msgspec
from litestar.exceptions import PermissionDeniedException, TooManyRequestsException
from sqlalchemy import select

from app.auth.guards import found_in_branch
from app.couriers.schemas import CourierPosition, LocationIn, LocationOut, LocationsOut
from app.db.models import Branch, Courier
from app.events import road as ev
from app.events.stream import last_id
from app.lib.errors import unprocessable
from app.lib.i18n import _

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.deps import Scope
    from app.lib.redis import Keys

# At most one accepted ping per courier in this many seconds: enough for a map, and a phone in a pocket
# cannot flood the branch stream every board listens to.
PING_INTERVAL_SECONDS = 15
# A position older than this is no longer shown (the courier closed the page or lost signal).
STALE_AFTER_SECONDS = 10 * 60
MAX_ACCURACY_METRES = 100_000.0
_position = msgspec.json.Decoder(dict[str, Any])
_encoder = msgspec.json.Encoder()


def check_location(body: LocationIn) -> None:
    for field, value, limit in (("lat", body.lat, 90.0), ("lng", body.lng, 180.0)):
        if not math.isfinite(value) or not -limit <= value <= limit:
            raise unprocessable(field, _("must be between -%(limit)g and %(limit)g degrees", limit=limit))
    if body.accuracy is not None and (
        not math.isfinite(body.accuracy) or not 0 <= body.accuracy <= MAX_ACCURACY_METRES
    ):
        raise unprocessable(
            "accuracy",
            _(
                "must be between 0 and %(max_accuracy_metres)g metres",
                max_accuracy_metres=MAX_ACCURACY_METRES,
            ),
        )


class CourierLocationService:
    def __init__(self, scope: Scope) -> None:
        self.session: AsyncSession = scope.session
        self.redis: Redis = scope.redis
        self.keys: Keys = scope.keys
        self.bus = scope.bus

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope)

    async def ping(self, *, body: LocationIn, actor: SessionUser) -> LocationOut:
        check_location(body)
        courier = await self.session.scalar(
            select(Courier).where(Courier.user_id == actor.user_id, Courier.active)
        )
        if courier is None:
            raise PermissionDeniedException(detail=_("Only a courier of a branch can send a location"))
        courier_id, branch_id = courier.id, courier.branch_id
        await self.session.rollback()
        await self._throttle(courier_id)
        at = dt.datetime.now(dt.UTC)
        position = {"lat": body.lat, "lng": body.lng, "accuracy": body.accuracy, "at": at.isoformat()}
        key = self.keys.courier_locations(branch_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, str(courier_id), _encoder.encode(position).decode())
            pipe.expire(key, STALE_AFTER_SECONDS)
            await pipe.execute()
        # Nothing of this is in PostgreSQL: the position is live state only, announced as it is kept.
        entry = await self.bus.append(
            branch_id,
            ev.COURIER_LOCATION,
            ev.CourierLocation(
                courier_id=courier_id, lat=body.lat, lng=body.lng, accuracy=body.accuracy, at=at.isoformat()
            ),
        )
        return LocationOut(
            courier_id=courier_id,
            branch_id=branch_id,
            lat=body.lat,
            lng=body.lng,
            accuracy=body.accuracy,
            at=at,
            event_id=entry.id,
        )

    async def _throttle(self, courier_id: int) -> None:
        """One accepted ping per interval; a refused one does not restart the wait."""
        key = self.keys.rate("courier-location", str(courier_id))
        if await self.redis.set(key, "1", px=PING_INTERVAL_SECONDS * 1000, nx=True):
            return
        remaining_ms = await cast("Awaitable[int]", self.redis.pttl(key))
        retry_after = max(math.ceil(remaining_ms / 1000), 1)
        raise TooManyRequestsException(
            detail=_(
                "One location every %(ping_interval_seconds)s s; try again in %(retry_after)s s",
                ping_interval_seconds=PING_INTERVAL_SECONDS,
                retry_after=retry_after,
            ),
            headers={"Retry-After": str(retry_after)},
        )

    async def locations(self, *, branch_id: int, actor: SessionUser) -> LocationsOut:
        """The branch's couriers with a recent position (the board's snapshot for `courier.updated`)."""
        found_in_branch(await self.session.get(Branch, branch_id), lambda b: b.id, actor, what="Branch")
        names = dict(
            (
                await self.session.execute(
                    select(Courier.id, Courier.name).where(Courier.branch_id == branch_id, Courier.active)
                )
            ).all()
        )
        # The stream position first: a ping landing in between is then both listed and sent, which a
        # board applies idempotently, instead of neither.
        stream_id = await last_id(self.redis, self.keys, branch_id)
        key = self.keys.courier_locations(branch_id)
        raw = await cast("Awaitable[dict[bytes, bytes]]", self.redis.hgetall(key))
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=STALE_AFTER_SECONDS)
        couriers: list[CourierPosition] = []
        stale: list[str] = []
        for field, value in raw.items():
            courier_id = int(field)
            position = _position.decode(value)
            at = dt.datetime.fromisoformat(position["at"])
            if at < cutoff or courier_id not in names:
                stale.append(field.decode())
                continue
            couriers.append(
                CourierPosition(
                    courier_id=courier_id,
                    name=names[courier_id],
                    lat=position["lat"],
                    lng=position["lng"],
                    accuracy=position.get("accuracy"),
                    at=at,
                )
            )
        if stale:
            await cast("Awaitable[int]", self.redis.hdel(key, *stale))
        couriers.sort(key=lambda c: c.courier_id)
        return LocationsOut(branch_id=branch_id, stream_id=stream_id, couriers=couriers)

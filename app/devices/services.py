"""Pairing, approving and revoking displays.

The flow (DESIGN §8):

1. A display with no session and no token asks for a code (`pair`): a pending `devices` row with a short
   code, and a Redis record holding the digest of a poll secret only that display knows.
2. It polls `status` with that secret. A manager types the code it shows into /admin/devices and picks a
   branch and a role (`approve`): the row gets the token's SHA-256, and the token itself waits in the
   Redis record until the display's next poll takes it. It is handed out once; PostgreSQL never sees it.
3. `revoke` marks the row revoked (every later HTTP request or socket connect with the token is refused,
   since each one checks PostgreSQL) and appends `device.revoked` to the branch stream: every web
   process's bridge reads it and disconnects that device's sockets, wherever they are connected.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Self, cast

from litestar.exceptions import NotFoundException
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.auth.devices import QUEUE_TV, STATION
from app.auth.guards import ensure_branch_visible
from app.auth.sessions import token_digest
from app.db.models import Branch, Device, Station
from app.devices.schemas import ApproveIn, DeviceMe, DeviceOut, PairOut, PairStatusOut
from app.events import floor
from app.lib import audit, ratelimit
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.i18n import _
from app.lib.security import new_token

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.auth.devices import DevicePrincipal
    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.events import EventBus
    from app.lib.deps import Scope
    from app.lib.redis import Keys

log = logging.getLogger(__name__)

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read off a TV across a shop is typed right the first time.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
PAIRING_TTL_SECONDS = 15 * 60
# Pending rows nobody approved are deleted after this; their codes are free again long before (TTL).
FORGET_PENDING_AFTER = dt.timedelta(days=1)
PAIR_PER_MINUTE_PER_IP = 10
STATUS_PER_MINUTE_PER_IP = 120
DEVICE_REVOKED = floor.DEVICE_REVOKED.name


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _unused in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch not in " -")


def screen_for(*, role: str | None, branch_id: int | None, station_code: str | None) -> str | None:
    if branch_id is None:
        return None
    if role == QUEUE_TV:
        return f"/queue/{branch_id}"
    if role == STATION and station_code:
        return f"/kds/{station_code}?branch={branch_id}"
    return None


def device_out(device: Device) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        status=device.status,
        branch_id=device.branch_id,
        role=device.role,
        station_code=device.station_code,
        name=device.name,
        screen=screen_for(role=device.role, branch_id=device.branch_id, station_code=device.station_code),
        created_at=device.created_at,
        approved_by=device.approved_by,
        approved_at=device.approved_at,
        revoked_at=device.revoked_at,
        last_seen_at=device.last_seen_at,
    )


def device_me(device: DevicePrincipal) -> DeviceMe:
    return DeviceMe(
        device_id=device.device_id,
        branch_id=device.branch_id,
        role=device.role,
        station_code=device.station_code,
        name=device.name,
        screen=screen_for(role=device.role, branch_id=device.branch_id, station_code=device.station_code)
        or "/",
    )


class DeviceService:
    def __init__(self, *, session: Session, redis: Redis, keys: Keys, bus: EventBus) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.bus = bus

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(session=scope.session, redis=scope.redis, keys=scope.keys, bus=scope.bus)

    # ------------------------------------------------------------------ the display's side

    async def pair(self, *, client_ip: str) -> PairOut:
        await ratelimit.enforce(
            self.redis, self.keys, bucket="device-pair", subject=client_ip, limit=PAIR_PER_MINUTE_PER_IP
        )
        now = dt.datetime.now(dt.UTC)
        await self.session.execute(
            delete(Device).where(Device.status == "pending", Device.created_at < now - FORGET_PENDING_AFTER)
        )
        device_id = uuid.uuid4()
        for _unused in range(5):
            code = new_code()
            try:
                # A savepoint per try: a code held by another pending display only costs this attempt.
                async with self.session.begin_nested():
                    self.session.add(Device(id=device_id, status="pending", pairing_code=code))
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - 25^6 codes; five collisions in a row means something else is wrong
            raise conflict(_("Could not find a free pairing code; try again"))
        secret = new_token(24)
        key = self.keys.device_pairing(str(device_id))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"secret": token_digest(secret)})
            pipe.expire(key, PAIRING_TTL_SECONDS)
            await pipe.execute()
        await self.session.commit()
        log.info("display asked to pair", extra={"device_id": str(device_id), "ip": client_ip})
        return PairOut(device_id=device_id, code=code, secret=secret, expires_in=PAIRING_TTL_SECONDS)

    async def status(self, *, device_id: uuid.UUID, secret: str, client_ip: str) -> PairStatusOut:
        await ratelimit.enforce(
            self.redis,
            self.keys,
            bucket="device-status",
            subject=client_ip,
            limit=STATUS_PER_MINUTE_PER_IP,
        )
        key = self.keys.device_pairing(str(device_id))
        stored = await cast("Awaitable[bytes | None]", self.redis.hget(key, "secret"))
        if not secret or stored is None or not secrets.compare_digest(stored.decode(), token_digest(secret)):
            # Unknown id, wrong secret, or a pairing long gone: the same answer, so ids cannot be probed.
            raise NotFoundException(detail=_("No pairing in progress for this display; ask for a new code"))
        device = await self.session.get(Device, device_id)
        if device is None:
            raise NotFoundException(detail=_("No pairing in progress for this display; ask for a new code"))
        out = PairStatusOut(device_id=device.id, status="pending")
        if device.status == "pending":
            return out
        out.status = "approved" if device.status == "approved" else "revoked"
        if device.status == "approved":
            # Taken in one MULTI: two polls racing each other cannot both get the token.
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hget(key, "token")
                pipe.hdel(key, "token")
                token, _unused = await pipe.execute()
            out.token = token.decode() if token is not None else None
            out.branch_id, out.role = device.branch_id, device.role
            out.station_code, out.name = device.station_code, device.name
            out.screen = screen_for(
                role=device.role, branch_id=device.branch_id, station_code=device.station_code
            )
        return out

    # ------------------------------------------------------------------ the manager's side

    async def approve(self, *, request: ApproveIn, actor: SessionUser) -> DeviceOut:
        ensure_branch_visible(actor, request.branch_id, what="Branch")
        if await self.session.get(Branch, request.branch_id) is None:
            raise NotFoundException(detail=_("Branch not found"))
        station_code = request.station_code
        if request.role == STATION:
            if station_code is None:
                raise unprocessable("station_code", _("a station screen needs its station"))
            known = await self.session.scalar(
                select(Station.id).where(Station.branch_id == request.branch_id, Station.code == station_code)
            )
            if known is None:
                raise unprocessable(
                    "station_code", _("no station %(station_code)r in this branch", station_code=station_code)
                )
        elif station_code is not None:
            raise unprocessable("station_code", _("only station screens have a station"))

        code = normalise_code(request.code)
        not_showing = ApiError(
            404, _("code: no display is showing %(code)r", code=code or request.code), field="code"
        )
        if len(code) != CODE_LENGTH or not set(code) <= set(CODE_ALPHABET):
            raise not_showing
        device = await self.session.scalar(
            select(Device).where(Device.status == "pending", Device.pairing_code == code).with_for_update()
        )
        key = self.keys.device_pairing(str(device.id)) if device is not None else ""
        if device is None or not await self.redis.exists(key):
            # The code expired (the display asks for a new one by itself) or never existed.
            raise not_showing

        token = new_token(32)
        now = dt.datetime.now(dt.UTC)
        device.status = "approved"
        device.branch_id = request.branch_id
        device.role = request.role
        device.station_code = station_code
        device.name = request.name.strip() or (
            f"Station {station_code} ({code})" if station_code else f"Queue TV ({code})"
        )
        device.token_hash = token_digest(token)
        device.approved_by = actor.user_id
        device.approved_at = now
        audit.record(
            self.session,
            action="device.approved",
            entity_type="device",
            entity_id=device.id,
            actor_user_id=actor.user_id,
            branch_id=request.branch_id,
            data={"role": request.role, "station_code": station_code, "name": device.name},
        )
        await self.session.flush()
        # The token waits for the display's next poll. Stored before the commit: once the approval is
        # visible, its token is already there to pick up.
        await cast("Awaitable[int]", self.redis.hset(key, "token", token))
        await self.session.commit()
        await self.session.refresh(device)
        log.info("display paired", extra={"device_id": str(device.id), "branch_id": request.branch_id})
        return device_out(device)

    async def list_devices(self, *, actor: SessionUser, branch_id: int | None) -> list[DeviceOut]:
        """Paired and revoked displays of the caller's branches (pending ones are found by their code)."""
        stmt = select(Device).where(Device.status != "pending")
        if branch_id is not None:
            ensure_branch_visible(actor, branch_id, what="Branch")
            stmt = stmt.where(Device.branch_id == branch_id)
        if not actor.all_branches:
            # scope_to_branches wants a NOT NULL column; a device has a branch from its approval on.
            stmt = stmt.where(Device.branch_id.in_(actor.branch_ids))
        stmt = stmt.order_by(Device.branch_id, Device.status, Device.name, Device.id)
        return [device_out(d) for d in (await self.session.scalars(stmt)).all()]

    async def revoke(self, *, device_id: uuid.UUID, actor: SessionUser) -> DeviceOut:
        device = await self.session.scalar(select(Device).where(Device.id == device_id).with_for_update())
        if device is None or device.branch_id is None or not actor.can_see_branch(device.branch_id):
            raise NotFoundException(detail=_("Device not found"))
        if device.status == "revoked":
            return device_out(device)  # already done: nothing more to announce
        device.status = "revoked"
        device.revoked_at = dt.datetime.now(dt.UTC)
        audit.record(
            self.session,
            action="device.revoked",
            entity_type="device",
            entity_id=device.id,
            actor_user_id=actor.user_id,
            branch_id=device.branch_id,
            data={"role": device.role, "station_code": device.station_code, "name": device.name},
        )
        assert device.branch_id is not None
        pairing = self.keys.device_pairing(str(device.id))

        async def forget_pairing() -> None:
            await self.redis.delete(pairing)

        # Both once committed, in this order: a socket that reconnects on hearing it is refused.
        self.session.on_commit(forget_pairing)
        self.bus.on_commit(
            self.session,
            device.branch_id,
            floor.DEVICE_REVOKED,
            floor.DeviceRevoked(
                device_id=str(device.id), role=device.role, station_code=device.station_code, name=device.name
            ),
        )
        await self.session.commit()
        await self.session.refresh(device)
        log.info("display unpaired", extra={"device_id": str(device.id), "branch_id": device.branch_id})
        return device_out(device)

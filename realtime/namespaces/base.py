"""Common connect logic: who may connect, which branch streams and rooms they get, and resume.

A connect goes: session cookie -> role -> `auth` object -> subscription (branches and rooms, always
within the user's branches) -> resume points -> hold for replay -> join rooms -> `hello` -> replay task.
A paired display sends `auth.device_token` instead of a cookie: its device's role and branch decide the
subscription (`subscribe_device`; refused unless the namespace accepts displays), and it also joins
`device:{id}`, the room a revoke disconnects (realtime/devices.py).
Every refusal is a ConnectionRefusedError whose message starts with a code (see realtime.auth.refuse).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import socketio
from sqlalchemy import select

from app.db.models import Branch
from app.lib.i18n import SOURCE_LANGUAGE, LazyText, _, set_language, use_language
from realtime.auth import (
    ConnectAuth,
    asked_language,
    device_from_token,
    ensure_device_approved,
    parse_auth,
    refuse,
    session_from_environ,
)
from realtime.devices import device_room, install_device_controls
from realtime.replay import parse_resume, replay

if TYPE_CHECKING:
    from app.auth.devices import DevicePrincipal
    from app.auth.sessions import SessionUser
    from app.lib.runtime import Runtime
    from realtime.bridge import Bridge

log = logging.getLogger(__name__)


class Subscription(NamedTuple):
    branches: tuple[int, ...]  # the branch streams this connection follows (resume points are per branch)
    rooms: tuple[str, ...]


class LiveNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """One audience (DESIGN §5); subclasses name their namespace, roles and subscription."""

    name: ClassVar[str]
    # Empty: any logged-in staff member.
    roles: ClassVar[tuple[str, ...]] = ()

    def __init__(self, runtime: Runtime, bridge: Bridge) -> None:
        super().__init__(self.name)
        self.runtime = runtime
        self.bridge = bridge
        install_device_controls(bridge)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        # Refusals read in the language the handshake asks for (the page's, else the browser's).
        asked = asked_language(environ)
        with use_language(asked or SOURCE_LANGUAGE):
            await self._connect(sid, environ, auth, asked)

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any, asked: str | None) -> None:
        if isinstance(auth, dict) and auth.get("device_token") is not None:
            await self._connect_device(sid, auth)
            return
        try:
            user = await session_from_environ(self.runtime, environ)
        except Exception:
            log.exception("session lookup failed on %s connect", self.name)
            raise refuse("unavailable", _("try again shortly")) from None
        if user is None:
            raise refuse("unauthorized", _("log in first"))
        if asked is None and user.language:
            set_language(user.language)  # asked for nothing: the signed-in person's own choice
        if self.roles and not user.has_role(*self.roles):
            raise refuse("forbidden", _("needs one of %(roles)s", roles=", ".join(self.roles)))
        request = parse_auth(auth)
        try:
            subscription = await self.subscribe(user, request)
        except socketio.exceptions.ConnectionRefusedError:
            raise
        except Exception:
            log.exception("subscription failed on %s connect", self.name)
            raise refuse("unavailable", _("try again shortly")) from None
        points = parse_resume(request, subscription.branches)
        # Handlers of later issues (a bump from the KDS) authorise against these without a lookup.
        session = {"user": user, "device": None, "branches": subscription.branches}
        await self._start(sid, session, subscription, points, {"user": user.username})

    async def _connect_device(self, sid: str, auth: dict[str, Any]) -> None:
        """A paired display: its token instead of a session, and only what its role and branch allow."""
        request = parse_auth(auth)
        assert request.device_token is not None
        try:
            device = await device_from_token(self.runtime, request.device_token)
            subscription = await self.subscribe_device(device, request)
        except socketio.exceptions.ConnectionRefusedError:
            raise
        except Exception:
            log.exception("device connect failed on %s", self.name)
            raise refuse("unavailable", _("try again shortly")) from None
        points = parse_resume(request, subscription.branches)
        # In the device's room before checking once more that it is still approved: a revoke committed
        # after this check is announced after it, and the announcement finds the socket in the room
        # (realtime/devices.py); one committed before it is refused here.
        await self.enter_room(sid, device_room(device.device_id))
        try:
            await ensure_device_approved(self.runtime, device)
        except socketio.exceptions.ConnectionRefusedError:
            raise
        except Exception:
            log.exception("device check failed on %s", self.name)
            raise refuse("unavailable", _("try again shortly")) from None
        session = {"user": None, "device": device, "branches": subscription.branches}
        hello = {"device": device.name, "device_id": device.device_id}
        await self._start(sid, session, subscription, points, hello)

    async def _start(
        self,
        sid: str,
        session: dict[str, Any],
        subscription: Subscription,
        points: dict[int, str],
        hello: dict[str, Any],
    ) -> None:
        await self.save_session(sid, session)
        for branch_id in subscription.branches:
            self.bridge.follow(branch_id)
        # Held before joining any room, so no live event of a resumed branch can overtake the replay.
        for branch_id in points:
            self.bridge.hold(branch_id, sid)
        try:
            for room in subscription.rooms:
                await self.enter_room(sid, room)
            await self.emit("hello", {**hello, "rooms": list(subscription.rooms)}, to=sid)
        except BaseException:
            self.bridge.forget(sid)
            raise
        if points:
            self.bridge.add_replay(
                sid, replay(self.bridge, self.name, sid, frozenset(subscription.rooms), points)
            )

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.bridge.forget(sid)

    async def subscribe(self, user: SessionUser, request: ConnectAuth) -> Subscription:
        raise NotImplementedError

    async def subscribe_device(self, device: DevicePrincipal, request: ConnectAuth) -> Subscription:
        """What a paired display may follow here; displays are refused unless the namespace says so."""
        raise refuse("forbidden", _("a paired display cannot open %(name)s", name=self.name))

    # ------------------------------------------------------------------ helpers for subclasses

    async def visible_branches(self, user: SessionUser, request: ConnectAuth) -> tuple[int, ...]:
        """The user's branches, narrowed to `auth.branch_id(s)` if given; never one they cannot see.

        Admins see every branch: the active ones by default, any existing one they name.
        """
        requested = request.requested_branches()
        if user.all_branches:
            stmt = select(Branch.id).order_by(Branch.id)
            stmt = stmt.where(Branch.id.in_(requested)) if requested else stmt.where(Branch.active)
            async with self.runtime.sessionmaker() as session:
                ids = tuple((await session.scalars(stmt)).all())
        else:
            mine = set(user.branch_ids)
            ids = tuple(sorted(mine & set(requested) if requested else mine))
        if requested:
            # Another branch's existence is none of the caller's business: same answer as a missing one.
            unknown = sorted(set(requested) - set(ids))
            if unknown:
                raise refuse("unknown_branch", _("no branch %(id)s among yours", id=unknown[0]))
        if not ids:
            raise refuse("forbidden", _("you belong to no branch"))
        return ids


def one_branch(branches: tuple[int, ...], what: LazyText) -> int:
    if len(branches) != 1:
        raise refuse("bad_request", _("%(what)s follows one branch: pick it with auth.branch_id", what=what))
    return branches[0]

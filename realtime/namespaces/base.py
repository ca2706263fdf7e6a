"""Common connect logic: who may connect, which branch streams and rooms they get, and resume.

A connect goes: session cookie -> role -> `auth` object -> subscription (branches and rooms, always
within the user's branches) -> resume points -> hold for replay -> join rooms -> `hello` -> replay task.
Every refusal is a ConnectionRefusedError whose message starts with a code (see realtime.auth.refuse).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import socketio
from sqlalchemy import select

from app.db.models import Branch
from realtime.auth import ConnectAuth, parse_auth, refuse, session_from_environ
from realtime.replay import parse_resume, replay

if TYPE_CHECKING:
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

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            user = await session_from_environ(self.runtime, environ)
        except Exception:
            log.exception("session lookup failed on %s connect", self.name)
            raise refuse("unavailable", "try again shortly") from None
        if user is None:
            raise refuse("unauthorized", "log in first")
        if self.roles and not user.has_role(*self.roles):
            raise refuse("forbidden", f"needs one of {', '.join(self.roles)}")
        request = parse_auth(auth)
        try:
            subscription = await self.subscribe(user, request)
        except socketio.exceptions.ConnectionRefusedError:
            raise
        except Exception:
            log.exception("subscription failed on %s connect", self.name)
            raise refuse("unavailable", "try again shortly") from None
        points = parse_resume(request, subscription.branches)

        # Handlers of later issues (a bump from the KDS) authorise against these without a lookup.
        await self.save_session(sid, {"user": user, "branches": subscription.branches})
        for branch_id in subscription.branches:
            self.bridge.follow(branch_id)
        # Held before joining any room, so no live event of a resumed branch can overtake the replay.
        for branch_id in points:
            self.bridge.hold(branch_id, sid)
        try:
            for room in subscription.rooms:
                await self.enter_room(sid, room)
            await self.emit("hello", {"user": user.username, "rooms": list(subscription.rooms)}, to=sid)
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
                raise refuse("unknown_branch", f"no branch {unknown[0]} among yours")
        if not ids:
            raise refuse("forbidden", "you belong to no branch")
        return ids


def one_branch(branches: tuple[int, ...], what: str) -> int:
    if len(branches) != 1:
        raise refuse("bad_request", f"{what} follows one branch: pick it with auth.branch_id")
    return branches[0]

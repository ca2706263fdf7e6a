"""Common connect logic: every namespace refuses anonymous and wrong-role connects."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

import socketio

from realtime.auth import session_from_environ

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from app.lib.runtime import Runtime

log = logging.getLogger(__name__)


class StaffNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """A namespace for logged-in staff; subclasses name the roles they admit."""

    roles: ClassVar[tuple[str, ...]] = ()

    def __init__(self, namespace: str, runtime: Runtime) -> None:
        super().__init__(namespace)
        self.runtime = runtime

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        user = await session_from_environ(self.runtime, environ)
        if user is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized: log in first")
        if self.roles and not user.has_role(*self.roles):
            raise socketio.exceptions.ConnectionRefusedError(
                f"forbidden: needs one of {', '.join(self.roles)}"
            )
        await self.save_session(sid, {"user": user})
        for room in self.rooms_for(user):
            await self.enter_room(sid, room)
        await self.emit("hello", {"user": user.username, "rooms": self.rooms_for(user)}, to=sid)

    def rooms_for(self, user: SessionUser) -> list[str]:
        return []

"""Ending a revoked display's sockets at once, in every web process.

Every socket of a paired display joins the room `device:{id}` when it connects. Revoking the device
(app/devices/services.py) commits the revoke, then appends `device.revoked {device_id}` to the device's
branch stream. Every web process's bridge already reads every branch stream, in order and from a cursor it
keeps across Redis hiccups, so each one sees the event (none is lost the way a missed pub/sub message
would be) and disconnects the local sockets in that room. The display's client then tries to reconnect and
is refused with `device_revoked`, since every connect checks the token in PostgreSQL.

The event itself goes only to the staff boards (projection: kanban/POS get every type); displays are told
nothing but the disconnect.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from app.events.floor import DEVICE_REVOKED
from realtime.projection import KDS, QUEUE

if TYPE_CHECKING:
    from app.events import StreamEntry
    from realtime.bridge import Bridge

log = logging.getLogger(__name__)

# The namespaces a display may connect to.
DEVICE_NAMESPACES = (QUEUE, KDS)


def device_room(device_id: str) -> str:
    return f"device:{device_id}"


def install_device_controls(bridge: Bridge) -> None:
    """Have the bridge turn `device.revoked` into disconnects (idempotent: every namespace calls it)."""

    async def on_revoked(entry: StreamEntry, data: dict[str, Any]) -> None:
        device_id = data.get("device_id")
        if isinstance(device_id, str) and device_id:
            ended = await disconnect_device(bridge, device_id)
            if ended:
                log.info("revoked display disconnected", extra={"device_id": device_id, "sockets": ended})

    bridge.controls.setdefault(DEVICE_REVOKED.name, on_revoked)


async def disconnect_device(bridge: Bridge, device_id: str) -> int:
    """Disconnect this process's sockets of a device; the number ended."""
    sio = bridge.sio
    ended = 0
    for namespace in DEVICE_NAMESPACES:
        # Listed first: disconnecting changes the room while we would be iterating it.
        sids = [sid for sid, _ in sio.manager.get_participants(namespace, device_room(device_id))]
        for sid in sids:
            await sio.disconnect(sid, namespace=namespace)
            ended += 1
    return ended

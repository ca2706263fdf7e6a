"""The Socket.IO server: one namespace per audience (DESIGN §5), all fed by this process's bridge."""

from __future__ import annotations

from typing import TYPE_CHECKING

import socketio

from realtime.bridge import bridge_for
from realtime.namespaces.courier import CourierNamespace
from realtime.namespaces.kanban import KanbanNamespace
from realtime.namespaces.kds import KdsNamespace
from realtime.namespaces.pos import PosNamespace
from realtime.namespaces.queue import QueueNamespace

if TYPE_CHECKING:
    from app.lib.runtime import Runtime

NAMESPACE_CLASSES = (KanbanNamespace, PosNamespace, KdsNamespace, QueueNamespace, CourierNamespace)


def create_sio(runtime: Runtime) -> socketio.AsyncServer:
    sio = socketio.AsyncServer(
        async_mode="asgi",
        # Websocket only: long-polling would need sticky sessions across web processes (DESIGN §9).
        transports=["websocket"],
        logger=False,
        engineio_logger=False,
    )
    bridge = bridge_for(runtime, sio)
    for namespace_class in NAMESPACE_CLASSES:
        sio.register_namespace(namespace_class(runtime, bridge))
    return sio

"""The Socket.IO server and its namespaces."""

from __future__ import annotations

from typing import TYPE_CHECKING

import socketio

from realtime.namespaces.kanban import KanbanNamespace

if TYPE_CHECKING:
    from app.lib.runtime import Runtime


def create_sio(runtime: Runtime) -> socketio.AsyncServer:
    sio = socketio.AsyncServer(
        async_mode="asgi",
        # Websocket only: long-polling would need sticky sessions across web processes (DESIGN §9).
        transports=["websocket"],
        logger=False,
        engineio_logger=False,
    )
    sio.register_namespace(KanbanNamespace("/kanban", runtime))
    return sio

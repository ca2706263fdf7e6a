"""Ceiling: bare python-socketio broadcasting to a room (DESIGN §10), served like Passline's (ASGI under
uvicorn, websocket transport only, HTTP beside it).

A client joins the room named in its connect `auth` ({"room": "r7"}); `POST /emit` with
{"room", "order_id", "version"} sends one `order.state_changed` event shaped like Passline's envelope to
that room with python-socketio's own `emit`, then answers. No Redis, no stream, no projection.
"""

import time
from typing import Any

import socketio
from litestar import Litestar, post

sio = socketio.AsyncServer(async_mode="asgi", transports=["websocket"], logger=False, engineio_logger=False)
NAMESPACE = "/bench"
_sequence = 0


@sio.on("connect", namespace=NAMESPACE)
async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
    room = (auth or {}).get("room", "all")
    await sio.enter_room(sid, room, namespace=NAMESPACE)
    await sio.emit("hello", {"rooms": [room]}, to=sid, namespace=NAMESPACE)


@post("/emit", status_code=200)
async def emit(data: dict[str, Any]) -> dict[str, str]:
    global _sequence  # noqa: PLW0603 - a stream-id stand-in for a single-process ceiling
    _sequence += 1
    now_ms = int(time.time() * 1000)
    event_id = f"{now_ms}-{_sequence}"
    payload = {
        "id": event_id,
        "type": "order.state_changed",
        "branch_id": 1,
        "ts": str(now_ms),
        "data": {"order_id": data["order_id"], "version": data["version"], "from": "a", "to": "b"},
    }
    await sio.emit("order.state_changed", payload, room=data["room"], namespace=NAMESPACE)
    return {"event_id": event_id}


app = socketio.ASGIApp(sio, other_asgi_app=Litestar([emit]), socketio_path="socket.io")

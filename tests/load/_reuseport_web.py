"""One Passline web process on a port it shares with others through SO_REUSEPORT (run_scaleout --front
reuseport): run it N times with the same PASSLINE_HOST / PASSLINE_PORT and the kernel hashes each new
connection to one of the N listening sockets, where `passline web` with PASSLINE_WEB_WORKERS=N has N
processes accepting from one socket (whichever is awake first wins).

    PASSLINE_PORT=8000 .venv/bin/python -m tests.load._reuseport_web

`passline web` has no option for this, so this is the same uvicorn call as `app/cli.py`'s `cmd_web`
(the app factory, uvloop/httptools as uvicorn picks them, the websockets-sansio protocol, no per-message
deflate, no access log), handed a socket of our own. Keep the two in step.
"""

from __future__ import annotations

import socket

import uvicorn

from app.settings import get_settings


def main() -> None:
    server = get_settings().server
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((server.host, server.port))
    sock.set_inheritable(True)
    config = uvicorn.Config(
        "app.main:create_app",
        factory=True,
        host=server.host,
        port=server.port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        proxy_headers=True,
        log_config=None,
        access_log=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()

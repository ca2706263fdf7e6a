"""The request-head guard as uvicorn uses it with several web workers (compose runs two)."""

from __future__ import annotations

import pickle

import uvicorn

from app.lib.http_guard import GuardedHttpToolsProtocol


def test_uvicorn_can_hand_the_protocol_to_its_worker_processes() -> None:
    """Worker processes are spawned with the pickled config: the protocol travels by name, so it must be
    the importable class itself (a class made at start-up with the limits baked in could not)."""
    config = uvicorn.Config("app.main:create_app", factory=True, workers=2, http=GuardedHttpToolsProtocol)
    copy = pickle.loads(pickle.dumps(config))
    assert copy.http is GuardedHttpToolsProtocol

"""Pairing displays as a display and a manager do it, through clients of the in-process app."""

from __future__ import annotations

from typing import Any

import httpx


def in_process(app: Any, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client of the in-process app, from its own address and with its own cookie jar."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def device_auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Device {token}"}


async def pair(
    display: httpx.AsyncClient,
    manager: httpx.AsyncClient,
    *,
    branch_id: int,
    role: str = "queue_tv",
    station_code: str | None = None,
    name: str = "",
) -> dict[str, Any]:
    """The whole pairing as a display and a manager do it; returns the device and its token."""
    asked = await display.post("/api/v1/devices/pair")
    assert asked.status_code == 201, asked.text
    pairing = asked.json()
    body: dict[str, Any] = {"code": pairing["code"], "branch_id": branch_id, "role": role, "name": name}
    if station_code is not None:
        body["station_code"] = station_code
    approved = await manager.post("/api/v1/devices/approve", json=body)
    assert approved.status_code == 200, approved.text
    status = await display.get(
        f"/api/v1/devices/{pairing['device_id']}/status", headers={"X-Pairing-Secret": pairing["secret"]}
    )
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "approved"
    return {**approved.json(), "token": status.json()["token"], "pairing": pairing}

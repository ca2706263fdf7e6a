"""Paired displays: a TV or kitchen tablet shows a code, a manager approves it for a branch and a role, and
the display then authenticates with a revocable device token (app/auth/devices.py checks it)."""

from app.devices.controllers import DeviceController
from app.devices.services import DeviceService

__all__ = ["DeviceController", "DeviceService"]

"""Courier positions for the board (a throttled ping from the courier's phone)."""

from app.couriers.controllers import CourierLocationController
from app.couriers.services import CourierLocationService

__all__ = ["CourierLocationController", "CourierLocationService"]

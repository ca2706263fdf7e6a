"""Bodies of the courier location API."""

from __future__ import annotations

import datetime as dt

import msgspec


class LocationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Degrees (WGS 84) as the browser's Geolocation API gives them; ranges are checked in the service so
    # an out-of-range value is a 422 naming the field.
    lat: float
    lng: float
    # Metres, the radius of 68 % confidence (Geolocation `coords.accuracy`).
    accuracy: float | None = None


class LocationOut(msgspec.Struct, kw_only=True):
    courier_id: int
    branch_id: int
    lat: float
    lng: float
    accuracy: float | None
    at: dt.datetime
    event_id: str


class CourierPosition(msgspec.Struct, kw_only=True):
    courier_id: int
    name: str
    lat: float
    lng: float
    accuracy: float | None
    at: dt.datetime


class LocationsOut(msgspec.Struct, kw_only=True):
    branch_id: int
    # The stream id this list is current to: a board applies only `courier.updated` events after it.
    stream_id: str
    couriers: list[CourierPosition]

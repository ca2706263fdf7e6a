"""Request and response bodies of device pairing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

DeviceRole = Literal["queue_tv", "station"]
PositiveId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]


class PairOut(msgspec.Struct, kw_only=True):
    device_id: uuid.UUID
    # What the display shows; a manager types it into /admin/devices.
    code: str
    # Only the display has it: it proves the status poll comes from the display that asked for the code.
    # Send it back as the X-Pairing-Secret header.
    secret: str
    expires_in: int


class PairStatusOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    device_id: uuid.UUID
    status: Literal["pending", "approved", "revoked"]
    # Present exactly once: in the first answer after approval. Keep it; it is never shown again.
    token: str | None = None
    branch_id: int | None = None
    role: str | None = None
    station_code: str | None = None
    name: str | None = None
    # Where the display goes once paired.
    screen: str | None = None


class ApproveIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    branch_id: PositiveId
    role: DeviceRole
    # The stations table's own format: anything else is no station (and never reaches a query).
    station_code: Annotated[str, msgspec.Meta(max_length=40, pattern=r"^[a-z][a-z0-9_]*$")] | None = None
    name: Annotated[str, msgspec.Meta(max_length=80, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""


class DeviceOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    status: str
    branch_id: int | None
    role: str | None
    station_code: str | None
    name: str
    screen: str | None
    created_at: dt.datetime
    approved_by: int | None
    approved_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_seen_at: dt.datetime | None


class DeviceMe(msgspec.Struct, kw_only=True):
    """What a paired display learns about itself from its token."""

    device_id: str
    branch_id: int
    role: str
    station_code: str | None
    name: str
    screen: str

"""Events of kitchen pacing: a channel paused ("busy mode") or taken back, announced after its commit on
the branch's stream, so every till stops (or starts) offering the channel and the boards show it."""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType


class ChannelPaused(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """`channel.paused`: `paused` false when the channel takes orders again."""

    channel: str
    paused: bool
    reason: str = ""
    until: str | None = None


CHANNEL_PAUSED = EventType(
    "channel.paused",
    ChannelPaused,
    views={Audience.BOARD: FULL, Audience.TILL: FULL, Audience.KITCHEN: FULL},
)

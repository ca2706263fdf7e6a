"""A raw stream writer for tests of the readers (bridge, replay, projection): it appends what the bus never
would — unregistered types, arbitrary payloads — the way a writer from another version could."""

from __future__ import annotations

from typing import Any

import msgspec


async def append(
    redis: Any,
    keys: Any,
    branch_id: int,
    *,
    type: str,
    data: dict[str, Any],
    order_id: str | None = None,
    version: int | None = None,
    maxlen: int = 1000,
) -> str:
    seconds, micros = await redis.time()
    entry_id = await redis.xadd(
        keys.events(branch_id),
        {
            "type": type,
            "order": order_id or "",
            "v": "" if version is None else str(version),
            "ts": str(int(seconds) * 1000 + int(micros) // 1000),
            "data": msgspec.json.encode(data),
        },
        maxlen=maxlen,
        approximate=True,
    )
    await redis.sadd(keys.event_branches(), branch_id)
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

"""Telling every till, kiosk and kitchen screen that the menu changed, once the change is committed.

The catalog is shared by every branch, so a change is announced on each active branch's stream. Two things
happen after the commit, in this order: the catalog epoch moves (each web process's pricing copy is dropped
at its next sale), then `catalog.changed` goes out — a till that re-reads its catalog on the event and sells
at once is priced by a server that already knows the new price.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from app.catalog.cache import bump_catalog_epoch
from app.db.models import Branch
from app.events.catalog import CATALOG_CHANGED, CatalogChanged

if TYPE_CHECKING:
    from collections.abc import Iterable

    from redis.asyncio import Redis

    from app.db.session import Session
    from app.events.bus import EventBus
    from app.lib.redis import Keys


async def announce_catalog_change(
    session: Session,
    *,
    bus: EventBus,
    redis: Redis,
    keys: Keys,
    kind: str,
    product_ids: Iterable[int] = (),
) -> None:
    """Register, in the session's open transaction, the epoch bump and a `catalog.changed` per branch."""
    branch_ids = list(
        await session.scalars(select(Branch.id).where(Branch.active.is_(True)).order_by(Branch.id))
    )

    async def bump() -> None:
        await bump_catalog_epoch(redis, keys)

    session.on_commit(bump)
    ids = sorted({str(i) for i in product_ids}, key=lambda s: (len(s), s))
    for branch_id in branch_ids:
        bus.on_commit(session, branch_id, CATALOG_CHANGED, CatalogChanged(kind=kind, product_ids=ids))

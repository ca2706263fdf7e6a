"""Events of the menu: what the tills, kiosks and kitchen screens sell or make changed.

Declared before the back-office, menu-depth and inventory work so that all three announce through one event:
a till refreshes what it shows (and its offline copy) from the catalog read on `catalog.changed`, whatever
changed it — a product edited in `/admin`, an item 86'd from a station, stock reaching zero.
"""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType


class CatalogChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """`catalog.changed`: announced on each branch stream the change reaches, after its commit.

    `kind` says what changed (`products`, `prices`, `categories`, `availability`, `stock`, `modifiers`,
    `combos`); `product_ids` the products concerned (empty: the whole menu, re-read it). `available` is set
    for an availability change (86'd or back) so a till can grey a tile out before it has read anything.
    """

    kind: str
    product_ids: list[str] = []
    available: bool | None = None
    reason: str | None = None


CATALOG_CHANGED = EventType(
    "catalog.changed",
    CatalogChanged,
    views={Audience.BOARD: FULL, Audience.TILL: FULL, Audience.KITCHEN: FULL},
)

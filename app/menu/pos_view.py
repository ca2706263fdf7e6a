"""Menu depth in the till's catalog document: each product's modifier groups (options with their price in
the branch's currency and whether they are 86'd), allergens, and whether the product itself is 86'd. The
till prices modifiers from this exactly as the server does, and keeps it in its offline copy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec
from sqlalchemy import select

from app.catalog.menu_depth import load_menu_depth, load_unavailable
from app.db.models import Allergen
from app.lib.money import money

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class PosModifierOption(msgspec.Struct, kw_only=True):
    id: int
    name: str
    kind: str  # add | remove
    price_delta: Decimal
    station_code: str | None
    available: bool


class PosModifierGroup(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    min_choices: int
    max_choices: int
    free_choices: int
    options: list[PosModifierOption]


class PosMenuDepth(msgspec.Struct, kw_only=True):
    modifier_groups: list[PosModifierGroup]
    allergens: list[str]
    available: bool
    back_at: dt.datetime | None = None


class AllergenName(msgspec.Struct, kw_only=True):
    code: str
    name: str


async def pos_menu_depth(
    session: AsyncSession, *, branch_id: int, product_ids: list[int], exponent: int
) -> dict[int, PosMenuDepth]:
    depth = await load_menu_depth(session, product_ids)
    off = await load_unavailable(session, branch_id, now=dt.datetime.now(dt.UTC))
    return {
        product_id: PosMenuDepth(
            modifier_groups=[
                PosModifierGroup(
                    id=g.id,
                    code=g.code,
                    name=g.name,
                    min_choices=g.min_choices,
                    max_choices=g.max_choices,
                    free_choices=g.free_choices,
                    options=[
                        PosModifierOption(
                            id=o.id,
                            name=o.name,
                            kind=o.kind,
                            price_delta=money(o.price_delta, exponent),
                            station_code=o.station_code,
                            available=o.id not in off.options,
                        )
                        for o in g.options
                        if o.active
                    ],
                )
                for g in depth.groups.get(product_id, ())
            ],
            allergens=list(depth.allergens.get(product_id, ())),
            available=product_id not in off.products,
            back_at=off.products.get(product_id),
        )
        for product_id in product_ids
    }


async def allergen_names(session: AsyncSession) -> list[AllergenName]:
    rows = await session.scalars(select(Allergen).order_by(Allergen.sort_order, Allergen.code))
    return [AllergenName(code=a.code, name=a.name) for a in rows]

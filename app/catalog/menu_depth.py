"""What pricing and the order path need of the menu's depth, loaded with the products into the catalog
cache: each product's modifier groups (with their options), its allergens and prep times, and per branch
what is 86'd. Edited by app/menu, which bumps the catalog epoch so every process drops its copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from app.db.models import (
    ChannelPause,
    MenuUnavailable,
    ModifierGroup,
    ModifierOption,
    ProductAllergen,
    ProductModifierGroup,
    ProductPrepTime,
    StationPacing,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class ModifierOptionInfo:
    id: int
    code: str
    name: str
    kind: str  # add | remove
    price_delta: Decimal
    station_code: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class ModifierGroupInfo:
    id: int
    code: str
    name: str
    min_choices: int
    max_choices: int
    free_choices: int
    options: tuple[ModifierOptionInfo, ...]

    @property
    def required(self) -> bool:
        return self.min_choices > 0


@dataclass(frozen=True, slots=True)
class MenuDepth:
    """Per product: modifier groups in their order, allergen codes, prep seconds per station."""

    groups: dict[int, tuple[ModifierGroupInfo, ...]] = field(default_factory=dict)
    allergens: dict[int, tuple[str, ...]] = field(default_factory=dict)
    prep: dict[int, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unavailable:
    """What one branch has 86'd: product ids and modifier option ids, with when each comes back."""

    products: dict[int, dt.datetime | None] = field(default_factory=dict)
    options: dict[int, dt.datetime | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StationPace:
    cooks: int = 1
    items_per_15min: int | None = None


@dataclass(frozen=True, slots=True)
class BranchPacing:
    """A branch's station capacities and its paused channels (channel -> (until, reason))."""

    stations: dict[str, StationPace] = field(default_factory=dict)
    paused: dict[str, tuple[dt.datetime | None, str]] = field(default_factory=dict)


async def load_pacing(session: AsyncSession, branch_id: int, *, now: dt.datetime) -> BranchPacing:
    stations = {
        row.station_code: StationPace(cooks=row.cooks, items_per_15min=row.items_per_15min)
        for row in await session.scalars(select(StationPacing).where(StationPacing.branch_id == branch_id))
    }
    paused = {
        row.channel: (row.until, row.reason)
        for row in await session.scalars(
            select(ChannelPause).where(
                ChannelPause.branch_id == branch_id,
                or_(ChannelPause.until.is_(None), ChannelPause.until > now),
            )
        )
    }
    return BranchPacing(stations=stations, paused=paused)


async def load_menu_depth(session: AsyncSession, ids: list[int]) -> MenuDepth:
    rows = await session.execute(
        select(ProductModifierGroup.product_id, ModifierGroup)
        .join(ModifierGroup, ModifierGroup.id == ProductModifierGroup.group_id)
        .where(ProductModifierGroup.product_id.in_(ids), ModifierGroup.active.is_(True))
        .order_by(ProductModifierGroup.sort_order, ModifierGroup.sort_order, ModifierGroup.id)
    )
    linked = rows.all()
    group_ids = {group.id for _, group in linked}
    options: dict[int, list[ModifierOptionInfo]] = {}
    if group_ids:
        option_rows = await session.scalars(
            select(ModifierOption)
            .where(ModifierOption.group_id.in_(group_ids))
            .order_by(ModifierOption.sort_order, ModifierOption.id)
        )
        for option in option_rows:
            options.setdefault(option.group_id, []).append(
                ModifierOptionInfo(
                    id=option.id,
                    code=option.code,
                    name=option.name,
                    kind=option.kind,
                    price_delta=option.price_delta,
                    station_code=option.station_code,
                    active=option.active,
                )
            )
    groups: dict[int, list[ModifierGroupInfo]] = {}
    for product_id, group in linked:
        groups.setdefault(product_id, []).append(
            ModifierGroupInfo(
                id=group.id,
                code=group.code,
                name=group.name,
                min_choices=group.min_choices,
                max_choices=group.max_choices,
                free_choices=group.free_choices,
                options=tuple(options.get(group.id, ())),
            )
        )
    allergens: dict[int, list[str]] = {}
    for product_id, code in await session.execute(
        select(ProductAllergen.product_id, ProductAllergen.allergen_code)
        .where(ProductAllergen.product_id.in_(ids))
        .order_by(ProductAllergen.allergen_code)
    ):
        allergens.setdefault(product_id, []).append(code)
    prep: dict[int, dict[str, int]] = {}
    for product_id, station, seconds in await session.execute(
        select(ProductPrepTime.product_id, ProductPrepTime.station_code, ProductPrepTime.seconds).where(
            ProductPrepTime.product_id.in_(ids)
        )
    ):
        prep.setdefault(product_id, {})[station] = seconds
    return MenuDepth(
        groups={k: tuple(v) for k, v in groups.items()},
        allergens={k: tuple(v) for k, v in allergens.items()},
        prep=prep,
    )


async def load_unavailable(session: AsyncSession, branch_id: int, *, now: dt.datetime) -> Unavailable:
    """What is 86'd now; a row whose `back_at` has passed counts as back even before the cron removes it."""
    rows = await session.execute(
        select(MenuUnavailable.product_id, MenuUnavailable.option_id, MenuUnavailable.back_at).where(
            MenuUnavailable.branch_id == branch_id,
            or_(MenuUnavailable.back_at.is_(None), MenuUnavailable.back_at > now),
        )
    )
    out = Unavailable()
    for product_id, option_id, back_at in rows:
        if product_id is not None:
            out.products[product_id] = back_at
        elif option_id is not None:
            out.options[option_id] = back_at
    return out

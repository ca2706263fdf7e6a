"""What pricing needs from the catalog, kept in each web process.

Ringing up an order reads a branch, a few products with their units and prices, maybe a territory: rows
that change a few times a day and are read on every sale. Each process keeps them, checked against a
catalog epoch in Redis: whoever changes the catalog calls `bump_catalog_epoch` and every process drops
its copy at its next sale. If the epoch key vanishes (Redis lost its data, a test wiped its keys), the
next reader sets a new one, which also drops every copy. A time limit bounds staleness should a writer
forget to bump.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, text

from app.catalog.menu_depth import (
    BranchPacing,
    MenuDepth,
    ModifierGroupInfo,
    Unavailable,
    load_menu_depth,
    load_pacing,
    load_unavailable,
)
from app.db.models import (
    Branch,
    BundleGroup,
    BundleItem,
    PosProfile,
    Product,
    ProductPrice,
    ProductUnit,
    Territory,
)
from app.settings import get_settings

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.lib.redis import Keys

MAX_AGE_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class BundleItemInfo:
    product_id: int
    unit: str
    qty: Decimal
    extra_price: Decimal


@dataclass(frozen=True, slots=True)
class BundleGroupInfo:
    code: str
    name: str
    kind: str  # fixed | choice
    choose: int
    items: tuple[BundleItemInfo, ...]


@dataclass(frozen=True, slots=True)
class ProductInfo:
    id: int
    name: str
    base_unit: str
    tax_rate: Decimal
    station_code: str
    active: bool
    units: dict[str, Decimal]  # unit -> factor (base unit included, factor 1)
    prices: dict[tuple[str, str], Decimal]  # (price list, unit) -> price, branch override already applied
    kind: str = "item"
    stock_tracked: bool = False
    bundle: tuple[BundleGroupInfo, ...] = ()
    # Menu depth: modifier groups asked about it, its allergen codes, prep seconds per station.
    modifier_groups: tuple[ModifierGroupInfo, ...] = ()
    allergens: tuple[str, ...] = ()
    prep_seconds: dict[str, int] = field(default_factory=dict)
    # Made to order from stocked ingredients (app/inventory recipes, nested ones flattened): per base unit
    # sold, (ingredient, base units taken off its shelf).
    recipe: tuple[tuple[int, Decimal], ...] = ()

    @property
    def component_ids(self) -> set[int]:
        return {item.product_id for group in self.bundle for item in group.items}


@dataclass(frozen=True, slots=True)
class BranchInfo:
    id: int
    active: bool
    timezone: str
    currency_exponent: int
    prices_include_tax: bool
    schedule_lead_minutes: int


@dataclass(frozen=True, slots=True)
class TerritoryInfo:
    id: int
    active: bool
    delivery_charge: Decimal
    courier_fee: Decimal


@dataclass(frozen=True, slots=True)
class PosProfileInfo:
    id: int
    branch_id: int
    active: bool
    require_shift: bool


async def bump_catalog_epoch(redis: Redis, keys: Keys) -> None:
    await redis.set(keys.catalog_epoch(), secrets.token_hex(8))


async def read_epoch(redis: Redis, keys: Keys) -> bytes:
    """The current epoch; a vanished key (Redis lost its data) gets a new one, which drops every copy."""
    epoch = await redis.get(keys.catalog_epoch())
    if epoch is None:
        fresh = secrets.token_hex(8).encode()
        await redis.set(keys.catalog_epoch(), fresh, nx=True)
        epoch = await redis.get(keys.catalog_epoch()) or fresh
    return bytes(epoch)


async def catalog_epoch(redis: Redis, keys: Keys) -> str:
    """The epoch as the POS catalog's `catalog_version`."""
    return (await read_epoch(redis, keys)).decode()


class CatalogCache:
    def __init__(self, *, max_age: float = MAX_AGE_SECONDS) -> None:
        self._max_age = max_age
        self._epoch: bytes | None = None
        self._filled_at = 0.0
        self._checked_at = float("-inf")
        self._branches: dict[int, BranchInfo | None] = {}
        self._territories: dict[int, TerritoryInfo | None] = {}
        self._products: dict[tuple[int, int], ProductInfo | None] = {}
        self._profiles: dict[int, PosProfileInfo | None] = {}
        self._unavailable: dict[int, Unavailable] = {}
        self._pacing: dict[int, BranchPacing] = {}

    def clear(self) -> None:
        self._unavailable.clear()
        self._pacing.clear()
        self._profiles.clear()
        self._branches.clear()
        self._territories.clear()
        self._products.clear()
        self._filled_at = time.monotonic()

    async def check(self, redis: Redis, keys: Keys) -> None:
        """Drop everything if the catalog changed (or is too old). At most one Redis GET a second: a
        price change reaches the tills within a second, and a rush of sales costs no extra round trips."""
        now = time.monotonic()
        if now - self._checked_at < get_settings().server.catalog_check_seconds:
            return
        self._checked_at = now
        epoch = await read_epoch(redis, keys)
        if epoch != self._epoch or time.monotonic() - self._filled_at > self._max_age:
            self.clear()
            self._epoch = epoch

    async def branch(self, session: AsyncSession, branch_id: int) -> BranchInfo | None:
        if branch_id not in self._branches:
            row = await session.get(Branch, branch_id)
            self._branches[branch_id] = (
                BranchInfo(
                    id=row.id,
                    active=row.active,
                    timezone=row.timezone,
                    currency_exponent=row.currency_exponent,
                    prices_include_tax=row.prices_include_tax,
                    schedule_lead_minutes=row.schedule_lead_minutes,
                )
                if row is not None
                else None
            )
        return self._branches[branch_id]

    async def territory(self, session: AsyncSession, territory_id: int) -> TerritoryInfo | None:
        if territory_id not in self._territories:
            row = await session.get(Territory, territory_id)
            self._territories[territory_id] = (
                TerritoryInfo(
                    id=row.id,
                    active=row.active,
                    delivery_charge=row.delivery_charge,
                    courier_fee=row.courier_fee,
                )
                if row is not None
                else None
            )
        return self._territories[territory_id]

    async def pos_profile(self, session: AsyncSession, profile_id: int) -> PosProfileInfo | None:
        if profile_id not in self._profiles:
            row = await session.get(PosProfile, profile_id)
            self._profiles[profile_id] = (
                PosProfileInfo(
                    id=row.id, branch_id=row.branch_id, active=row.active, require_shift=row.require_shift
                )
                if row is not None
                else None
            )
        return self._profiles[profile_id]

    async def unavailable(self, session: AsyncSession, branch_id: int) -> Unavailable:
        """What the branch has 86'd (an 86 bumps the epoch, so this is as fresh as the prices)."""
        if branch_id not in self._unavailable:
            self._unavailable[branch_id] = await load_unavailable(
                session, branch_id, now=dt.datetime.now(dt.UTC)
            )
        return self._unavailable[branch_id]

    async def pacing(self, session: AsyncSession, branch_id: int) -> BranchPacing:
        """The branch's station capacities and paused channels (a pause bumps the epoch)."""
        if branch_id not in self._pacing:
            self._pacing[branch_id] = await load_pacing(session, branch_id, now=dt.datetime.now(dt.UTC))
        return self._pacing[branch_id]

    async def products(self, session: AsyncSession, branch_id: int, ids: set[int]) -> dict[int, ProductInfo]:
        """The products asked for, and the components of any bundle among them."""
        found = await self._products_by_id(session, branch_id, ids)
        components = {c for info in found.values() for c in info.component_ids} - found.keys()
        if components:
            found |= await self._products_by_id(session, branch_id, components)
        return found

    async def _products_by_id(
        self, session: AsyncSession, branch_id: int, ids: set[int]
    ) -> dict[int, ProductInfo]:
        missing = [i for i in ids if (branch_id, i) not in self._products]
        if missing:
            for product_id, info in (await _load_products(session, branch_id, missing)).items():
                self._products[(branch_id, product_id)] = info
            for product_id in missing:
                self._products.setdefault((branch_id, product_id), None)
        found = {i: self._products[(branch_id, i)] for i in ids}
        return {i: info for i, info in found.items() if info is not None}


async def _load_products(session: AsyncSession, branch_id: int, ids: list[int]) -> dict[int, ProductInfo]:
    products = (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars().all()
    units = await session.execute(
        select(ProductUnit.product_id, ProductUnit.unit, ProductUnit.factor).where(
            ProductUnit.product_id.in_(ids)
        )
    )
    prices = await session.execute(
        select(
            ProductPrice.product_id,
            ProductPrice.price_list,
            ProductPrice.unit,
            ProductPrice.price,
            ProductPrice.branch_id,
        )
        .where(
            ProductPrice.product_id.in_(ids),
            or_(ProductPrice.branch_id == branch_id, ProductPrice.branch_id.is_(None)),
        )
        # All-branch prices first, then this branch's own, which overwrite them.
        .order_by(ProductPrice.branch_id.is_not(None))
    )
    unit_map: dict[int, dict[str, Decimal]] = {}
    for product_id, unit, factor in units:
        unit_map.setdefault(product_id, {})[unit] = factor
    price_map: dict[int, dict[tuple[str, str], Decimal]] = {}
    for product_id, price_list, unit, price, _ in prices:
        price_map.setdefault(product_id, {})[(price_list, unit)] = price
    bundle_ids = [p.id for p in products if p.kind == "bundle"]
    bundles = await _load_bundles(session, bundle_ids) if bundle_ids else {}
    depth = await load_menu_depth(session, ids) if ids else MenuDepth()
    recipes = await _load_recipes(session, ids)
    return {
        p.id: ProductInfo(
            id=p.id,
            name=p.name,
            base_unit=p.base_unit,
            tax_rate=p.tax_rate,
            station_code=p.station_code,
            active=p.active,
            units=unit_map.get(p.id, {}),
            prices=price_map.get(p.id, {}),
            kind=p.kind,
            stock_tracked=p.stock_tracked,
            bundle=bundles.get(p.id, ()),
            modifier_groups=depth.groups.get(p.id, ()),
            allergens=depth.allergens.get(p.id, ()),
            prep_seconds=depth.prep.get(p.id, {}),
            recipe=recipes.get(p.id, ()),
        )
        for p in products
    }


# A recipe's ingredients, sub-recipes expanded down to what is stocked (the recipe service refuses cycles;
# the depth limit only keeps a bad row from looping).
_RECIPES = text(
    """
WITH RECURSIVE r(root, ingredient_id, qty, depth) AS (
    SELECT product_id, ingredient_id, CAST(gross_qty AS numeric), 1 FROM recipe_lines
    WHERE product_id = ANY(:ids)
    UNION ALL
    SELECT r.root, l.ingredient_id, r.qty * l.gross_qty, r.depth + 1
    FROM r JOIN recipe_lines AS l ON l.product_id = r.ingredient_id
    WHERE r.depth < 8
)
SELECT root, ingredient_id, round(sum(qty), 3) FROM r
WHERE NOT EXISTS (SELECT 1 FROM recipe_lines AS x WHERE x.product_id = r.ingredient_id)
GROUP BY root, ingredient_id
ORDER BY root, ingredient_id
"""
)


async def _load_recipes(session: AsyncSession, ids: list[int]) -> dict[int, tuple[tuple[int, Decimal], ...]]:
    found: dict[int, list[tuple[int, Decimal]]] = {}
    for root, ingredient_id, qty in await session.execute(_RECIPES, {"ids": ids}):
        found.setdefault(root, []).append((ingredient_id, qty))
    return {root: tuple(parts) for root, parts in found.items()}


async def _load_bundles(
    session: AsyncSession, bundle_ids: list[int]
) -> dict[int, tuple[BundleGroupInfo, ...]]:
    rows = await session.execute(
        select(BundleGroup, BundleItem)
        .join(BundleItem, BundleItem.group_id == BundleGroup.id)
        .where(BundleGroup.bundle_id.in_(bundle_ids))
        .order_by(
            BundleGroup.bundle_id,
            BundleGroup.sort_order,
            BundleGroup.id,
            BundleItem.sort_order,
            BundleItem.id,
        )
    )
    groups: dict[int, dict[int, tuple[BundleGroup, list[BundleItemInfo]]]] = {}
    for group, item in rows:
        _, items = groups.setdefault(group.bundle_id, {}).setdefault(group.id, (group, []))
        items.append(
            BundleItemInfo(
                product_id=item.product_id, unit=item.unit, qty=item.qty, extra_price=item.extra_price
            )
        )
    return {
        bundle_id: tuple(
            BundleGroupInfo(code=g.code, name=g.name, kind=g.kind, choose=g.choose, items=tuple(items))
            for g, items in by_group.values()
        )
        for bundle_id, by_group in groups.items()
    }


CATALOG = CatalogCache()

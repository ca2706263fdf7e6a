"""The POS catalog document (`GET /api/v1/pos/catalog`): a fixed number of queries whatever the catalog's
size — branch, profile, categories, products with units, prices, bundle groups, bundle items, stock,
territories — and the catalog epoch read first, so an edit made while the document is built shows as a
new version at the till's next check."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.branches.services import BranchService
from app.catalog.cache import catalog_epoch
from app.catalog.images import image_url
from app.catalog.schemas import CategoryOut, PriceOut, TerritoryOut, UnitOut
from app.catalog.services import money
from app.db.models import (
    BundleGroup,
    BundleItem,
    Category,
    PosProfile,
    Product,
    ProductImage,
    ProductPrice,
    ProductStock,
    Territory,
)
from app.lib.i18n import _
from app.menu.pos_view import allergen_names, pos_menu_depth
from app.pos.catalog_schemas import (
    Barcode,
    BundleGroupOut,
    BundleItemOut,
    PosBranch,
    PosCatalogOut,
    PosProduct,
)
from app.pos.profiles import profile_out

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.redis import Keys

_TERRITORY_MONEY_EXPONENT = 2


class PosCatalogService:
    def __init__(self, session: AsyncSession, redis: Redis, keys: Keys) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys

    async def document(
        self, *, user: SessionUser, branch_id: int, pos_profile_id: int | None
    ) -> PosCatalogOut:
        version = await catalog_epoch(self.redis, self.keys)
        branch = await BranchService(self.session).get_visible(user, branch_id)
        profile = None
        if pos_profile_id is not None:
            profile = await self.session.get(PosProfile, pos_profile_id)
            if profile is None or profile.branch_id != branch.id:
                raise NotFoundException(detail=_("POS profile not found"))
        exponent = branch.currency_exponent

        categories = list(
            await self.session.scalars(select(Category).order_by(Category.sort_order, Category.code))
        )
        category_codes = {c.id: c.code for c in categories}
        products = list(
            await self.session.scalars(
                select(Product)
                .where(Product.active.is_(True))
                .options(selectinload(Product.units))
                .order_by(Product.name, Product.id)
            )
        )
        by_id = {p.id: p for p in products}
        prices = await self._prices(branch.id)
        groups = await self._bundles(by_id, exponent)
        stock = dict(
            (
                await self.session.execute(
                    select(ProductStock.product_id, ProductStock.qty).where(
                        ProductStock.branch_id == branch.id
                    )
                )
            ).all()
        )
        images = dict(
            (await self.session.execute(select(ProductImage.product_id, ProductImage.digest))).all()
        )
        territories = await self.session.scalars(
            select(Territory).where(Territory.active.is_(True)).order_by(Territory.name, Territory.id)
        )

        depth = await pos_menu_depth(
            self.session, branch_id=branch.id, product_ids=list(by_id), exponent=exponent
        )
        items = []
        for product in products:
            units = sorted(product.units, key=lambda u: (u.factor, u.unit))
            rank = {u.unit: i for i, u in enumerate(units)}
            barcodes = [Barcode(code=product.barcode, unit=product.base_unit)] if product.barcode else []
            barcodes += [Barcode(code=u.barcode, unit=u.unit) for u in units if u.barcode]
            product_prices = sorted(
                prices.get(product.id, {}).items(), key=lambda kv: (kv[0][0], rank.get(kv[0][1], len(rank)))
            )
            items.append(
                PosProduct(
                    id=product.id,
                    sku=product.sku,
                    name=product.name,
                    kind=product.kind,
                    category=category_codes.get(product.category_id, ""),
                    base_unit=product.base_unit,
                    barcodes=barcodes,
                    units=[UnitOut(unit=u.unit, factor=u.factor, barcode=u.barcode) for u in units],
                    prices=[
                        PriceOut(price_list=price_list, unit=unit, price=money(price, exponent))
                        for (price_list, unit), price in product_prices
                    ],
                    tax_rate=product.tax_rate,
                    station_code=product.station_code,
                    stock_tracked=product.stock_tracked,
                    stock=stock.get(product.id, Decimal(0)) if product.stock_tracked else None,
                    bundle_groups=groups.get(product.id, []) if product.kind == "bundle" else [],
                    modifier_groups=depth[product.id].modifier_groups,
                    allergens=depth[product.id].allergens,
                    available=depth[product.id].available,
                    back_at=depth[product.id].back_at,
                    image_url=image_url(product.id, images.get(product.id)),
                )
            )
        return PosCatalogOut(
            catalog_version=version,
            branch=PosBranch(
                id=branch.id,
                code=branch.code,
                name=branch.name,
                timezone=branch.timezone,
                currency=branch.currency,
                currency_exponent=exponent,
                prices_include_tax=branch.prices_include_tax,
                cash_rounding=money(branch.cash_rounding, exponent),
            ),
            profile=profile_out(profile) if profile is not None else None,
            categories=[
                CategoryOut(id=c.id, code=c.code, name=c.name, sort_order=c.sort_order, color=c.color)
                for c in categories
            ],
            products=items,
            territories=[
                TerritoryOut(
                    id=t.id,
                    code=t.code,
                    name=t.name,
                    delivery_charge=money(t.delivery_charge, _TERRITORY_MONEY_EXPONENT),
                    courier_fee=money(t.courier_fee, _TERRITORY_MONEY_EXPONENT),
                    active=t.active,
                )
                for t in territories
            ],
            allergen_names=await allergen_names(self.session),
        )

    async def _prices(self, branch_id: int) -> dict[int, dict[tuple[str, str], Decimal]]:
        rows = await self.session.execute(
            select(ProductPrice.product_id, ProductPrice.price_list, ProductPrice.unit, ProductPrice.price)
            .where(or_(ProductPrice.branch_id.is_(None), ProductPrice.branch_id == branch_id))
            # All-branch rows first; the branch's own rows overwrite them.
            .order_by(ProductPrice.branch_id.is_not(None))
        )
        out: dict[int, dict[tuple[str, str], Decimal]] = {}
        for product_id, price_list, unit, price in rows:
            out.setdefault(product_id, {})[(price_list, unit)] = price
        return out

    async def _bundles(self, products: dict[int, Product], exponent: int) -> dict[int, list[BundleGroupOut]]:
        """Groups of every bundle, each with its items; an item whose product is inactive is left out."""
        group_rows = list(
            await self.session.scalars(select(BundleGroup).order_by(BundleGroup.sort_order, BundleGroup.id))
        )
        item_rows = await self.session.scalars(
            select(BundleItem).order_by(BundleItem.sort_order, BundleItem.id)
        )
        items_by_group: dict[int, list[BundleItemOut]] = {}
        for item in item_rows:
            component = products.get(item.product_id)
            if component is None:
                continue
            items_by_group.setdefault(item.group_id, []).append(
                BundleItemOut(
                    product_id=item.product_id,
                    name=component.name,
                    unit=item.unit,
                    qty=item.qty,
                    extra_price=money(item.extra_price, exponent),
                    station_code=component.station_code,
                )
            )
        out: dict[int, list[BundleGroupOut]] = {}
        for group in group_rows:
            out.setdefault(group.bundle_id, []).append(
                BundleGroupOut(
                    code=group.code,
                    name=group.name,
                    kind=group.kind,
                    choose=group.choose,
                    items=items_by_group.get(group.id, []),
                )
            )
        return out

"""Catalog reads for every client: the POS, the KDS, dispatch and the admin screens.

A product page costs a fixed number of queries whatever its size: the branch, the count, the products with
their category (units by one selectin query), and one query for the prices of the whole page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.auth.guards import scope_to_branches
from app.branches.services import BranchService
from app.catalog.schemas import (
    CategoryOut,
    CategoryRef,
    CourierOut,
    PriceOut,
    ProductOut,
    ProductPage,
    StationOut,
    TerritoryOut,
    UnitOut,
)
from app.db.models import Category, Courier, Product, ProductPrice, ProductUnit, Station, Territory
from app.lib.params import count_rows, search_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.deps import Scope
    from app.lib.params import PageRequest

# Territories belong to no branch, hence to no currency; their amounts are shown with two places.
_TERRITORY_MONEY_EXPONENT = 2


def money(value: Decimal, exponent: int) -> Decimal:
    """`value` with exactly `exponent` fractional digits when that loses nothing (NUMERIC(14,4) stores
    "95.0000"; the POS wants "95.00"); otherwise unchanged, so a mis-entered price is never rounded away."""
    quantized = value.quantize(Decimal(1).scaleb(-exponent))
    return quantized if quantized == value else value


class CatalogService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.branches = BranchService(session)

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope.session)

    async def products(
        self,
        *,
        user: SessionUser,
        branch_id: int,
        q: str | None = None,
        barcode: str | None = None,
        category: str | None = None,
        page: PageRequest,
    ) -> ProductPage:
        """Active products of the catalog, priced for one branch the user can see (404 otherwise)."""
        q = search_text(q, key="q")
        barcode = search_text(barcode, key="barcode")
        category = search_text(category, key="category")
        branch = await self.branches.get_visible(user, branch_id)

        filters: list[ColumnElement[bool]] = [Product.active.is_(True)]
        if category is not None:
            filters.append(Category.code == category)
        if q is not None:
            filters.append(
                or_(Product.name.icontains(q, autoescape=True), Product.sku.icontains(q, autoescape=True))
            )
        if barcode is not None:
            # A scanner reads either the product's own code or a package's (a six-pack, a case).
            filters.append(
                or_(
                    Product.barcode == barcode,
                    Product.id.in_(select(ProductUnit.product_id).where(ProductUnit.barcode == barcode)),
                )
            )

        total = await count_rows(
            self.session,
            select(Product.id).join(Category, Category.id == Product.category_id).where(*filters),
        )
        rows: Sequence[Any] = []
        if page.offset < total:
            stmt = (
                select(Product, Category)
                .join(Category, Category.id == Product.category_id)
                .where(*filters)
                .options(selectinload(Product.units))
                .order_by(Category.sort_order, Category.code, Product.name, Product.id)
                .limit(page.page_size)
                .offset(page.offset)
            )
            rows = (await self.session.execute(stmt)).all()

        prices = await self._prices(branch_id=branch.id, product_ids=[product.id for product, _ in rows])
        items = [
            _product_out(
                product,
                category_row,
                prices.get(product.id, []),
                exponent=branch.currency_exponent,
                barcode=barcode,
            )
            for product, category_row in rows
        ]
        return ProductPage(items=items, page=page.page, page_size=page.page_size, total=total)

    async def _prices(self, *, branch_id: int, product_ids: list[int]) -> dict[int, list[ProductPrice]]:
        """The effective price rows of some products at one branch, by product id."""
        if not product_ids:
            return {}
        # Both the all-branches row and the branch's own row come back; the branch's sorts first and wins.
        # (Resolved here rather than with DISTINCT ON, whose SQLAlchemy spelling differs between 2.0 and 2.1.)
        stmt = (
            select(ProductPrice)
            .where(
                ProductPrice.product_id.in_(product_ids),
                or_(ProductPrice.branch_id.is_(None), ProductPrice.branch_id == branch_id),
            )
            .order_by(ProductPrice.branch_id.asc().nulls_last())
        )
        effective: dict[tuple[int, str, str], ProductPrice] = {}
        for price in await self.session.scalars(stmt):
            effective.setdefault((price.product_id, price.price_list, price.unit), price)
        by_product: dict[int, list[ProductPrice]] = {}
        for price in effective.values():
            by_product.setdefault(price.product_id, []).append(price)
        return by_product

    async def categories(self) -> list[CategoryOut]:
        rows = await self.session.scalars(select(Category).order_by(Category.sort_order, Category.code))
        return [
            CategoryOut(id=c.id, code=c.code, name=c.name, sort_order=c.sort_order, color=c.color)
            for c in rows
        ]

    async def stations(self, *, user: SessionUser, branch_id: int) -> list[StationOut]:
        branch = await self.branches.get_visible(user, branch_id)
        stmt = scope_to_branches(
            select(Station).where(Station.branch_id == branch.id).order_by(Station.sort_order, Station.id),
            Station.branch_id,
            user,
        )
        return [
            StationOut(
                id=s.id,
                branch_id=s.branch_id,
                code=s.code,
                name=s.name,
                warn_after_seconds=s.warn_after_seconds,
                late_after_seconds=s.late_after_seconds,
            )
            for s in await self.session.scalars(stmt)
        ]

    async def territories(self) -> list[TerritoryOut]:
        rows = await self.session.scalars(select(Territory).order_by(Territory.name, Territory.id))
        return [
            TerritoryOut(
                id=t.id,
                code=t.code,
                name=t.name,
                delivery_charge=money(t.delivery_charge, _TERRITORY_MONEY_EXPONENT),
                courier_fee=money(t.courier_fee, _TERRITORY_MONEY_EXPONENT),
                active=t.active,
            )
            for t in rows
        ]

    async def couriers(self, *, user: SessionUser, branch_id: int) -> list[CourierOut]:
        branch = await self.branches.get_visible(user, branch_id)
        stmt = scope_to_branches(
            select(Courier).where(Courier.branch_id == branch.id).order_by(Courier.name, Courier.id),
            Courier.branch_id,
            user,
        )
        return [
            CourierOut(
                id=c.id,
                branch_id=c.branch_id,
                name=c.name,
                phone=c.phone,
                vehicle=c.vehicle,
                active=c.active,
                user_id=c.user_id,
            )
            for c in await self.session.scalars(stmt)
        ]


def _product_out(
    product: Product,
    category: Category,
    prices: Iterable[ProductPrice],
    *,
    exponent: int,
    barcode: str | None,
) -> ProductOut:
    # Smallest unit first, so the base unit (factor 1) leads and packages follow by size.
    units = sorted(product.units, key=lambda u: (u.factor, u.unit))
    rank = {u.unit: i for i, u in enumerate(units)}
    matched_unit = None
    if barcode is not None:
        if product.barcode == barcode:
            matched_unit = product.base_unit
        else:
            matched_unit = next((u.unit for u in units if u.barcode == barcode), None)
    return ProductOut(
        id=product.id,
        sku=product.sku,
        barcode=product.barcode,
        name=product.name,
        category=CategoryRef(code=category.code, name=category.name),
        base_unit=product.base_unit,
        tax_rate=product.tax_rate,
        station_code=product.station_code,
        stock_tracked=product.stock_tracked,
        units=[UnitOut(unit=u.unit, factor=u.factor, barcode=u.barcode) for u in units],
        prices=[
            PriceOut(price_list=p.price_list, unit=p.unit, price=money(p.price, exponent))
            for p in sorted(prices, key=lambda p: (p.price_list, rank.get(p.unit, len(rank)), p.unit))
        ],
        matched_unit=matched_unit,
    )

"""Catalog edits a manager makes from the back office: bundle definitions and a branch's stock.

Each is audited in its own transaction. A bundle edit changes what the tills and the order service's
cache know, so it bumps the catalog epoch; a stock count does not (stock is read in the sale's own write
transaction, never from a cache) unless it starts tracking the product.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.exceptions import NotFoundException
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from app.auth.guards import ensure_branch_visible
from app.catalog.admin_schemas import (
    BundleGroupIn,
    BundleIn,
    BundleItemIn,
    BundleOut,
    StockAdjust,
    StockOut,
    StockSet,
)
from app.catalog.announce import announce_catalog_change
from app.catalog.cache import bump_catalog_epoch
from app.db.models import Branch, BundleGroup, BundleItem, Product, ProductStock, ProductUnit, StockMove
from app.db.session import Session
from app.lib import audit
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.lib.money import places

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.events.bus import EventBus
    from app.lib.redis import Keys

MAX_STOCK = Decimal(100_000_000)
QTY_PLACES = 3
MONEY_PLACES = 4
MAX_ITEM_QTY = Decimal(1000)
MAX_PRICE = Decimal(10) ** 10
WHOLE_UNITS = frozenset({"piece", "package"})


class CatalogAdminService:
    def __init__(self, session: AsyncSession, redis: Redis, keys: Keys, bus: EventBus | None = None) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        # With a bus, a combo's new definition is announced to the tills (catalog.changed) after its commit.
        self.bus = bus

    # ------------------------------------------------------------------ bundles

    async def set_bundle(self, *, product_id: int, data: BundleIn, actor: SessionUser) -> BundleOut:
        product = await self.session.get(Product, product_id, with_for_update=True)
        if product is None:
            raise NotFoundException(detail=_("Product not found"))
        if data.groups:
            await self._check_bundle(product, data)
        await self.session.execute(delete(BundleGroup).where(BundleGroup.bundle_id == product.id))
        for order, group in enumerate(data.groups):
            row = BundleGroup(
                bundle_id=product.id,
                code=group.code,
                name=group.name,
                kind=group.kind,
                choose=group.choose if group.kind == "choice" else 1,
                sort_order=order,
            )
            self.session.add(row)
            await self.session.flush()
            units = await self._base_units({item.product_id for item in group.items})
            self.session.add_all(
                BundleItem(
                    group_id=row.id,
                    product_id=item.product_id,
                    unit=item.unit or units[item.product_id],
                    qty=item.qty,
                    extra_price=item.extra_price,
                    sort_order=i,
                )
                for i, item in enumerate(group.items)
            )
        product.kind = "bundle" if data.groups else "item"
        audit.record(
            self.session,
            action="product.bundle_set",
            entity_type="product",
            entity_id=product.id,
            actor_user_id=actor.user_id,
            data={"groups": [_group_data(g) for g in data.groups]},
        )
        if self.bus is not None and isinstance(self.session, Session):
            await announce_catalog_change(
                self.session,
                bus=self.bus,
                redis=self.redis,
                keys=self.keys,
                kind="combos",
                product_ids=[product.id],
            )
            await self.session.commit()
        else:
            await self.session.commit()
            await bump_catalog_epoch(self.redis, self.keys)
        return BundleOut(product_id=product_id, kind="bundle" if data.groups else "item", groups=data.groups)

    async def _check_bundle(self, product: Product, data: BundleIn) -> None:
        used_in = await self.session.scalar(
            select(BundleGroup.bundle_id)
            .join(BundleItem, BundleItem.group_id == BundleGroup.id)
            .where(BundleItem.product_id == product.id)
            .limit(1)
        )
        if used_in is not None:
            raise unprocessable(
                "groups",
                _(
                    "%(product)s is part of bundle %(used_in)s; a bundle cannot nest",
                    product=product.name,
                    used_in=used_in,
                ),
            )
        ids = {item.product_id for group in data.groups for item in group.items}
        components = {p.id: p for p in await self.session.scalars(select(Product).where(Product.id.in_(ids)))}
        units: dict[int, set[str]] = {}
        for pid, unit in await self.session.execute(
            select(ProductUnit.product_id, ProductUnit.unit).where(ProductUnit.product_id.in_(ids))
        ):
            units.setdefault(pid, set()).add(unit)
        codes: set[str] = set()
        for g, group in enumerate(data.groups):
            where = f"groups[{g}]"
            if group.code in codes:
                raise unprocessable(
                    f"{where}.code", _("group code %(group_code)r is used twice", group_code=group.code)
                )
            codes.add(group.code)
            if group.kind == "choice" and group.choose > len(group.items):
                raise unprocessable(
                    f"{where}.choose",
                    _(
                        "cannot choose %(choose)s of %(items)s items",
                        choose=group.choose,
                        items=len(group.items),
                    ),
                )
            seen: set[tuple[int, str]] = set()
            for i, item in enumerate(group.items):
                _check_item(
                    f"{where}.items[{i}]", item, bundle=product, components=components, units=units, seen=seen
                )

    async def _base_units(self, ids: set[int]) -> dict[int, str]:
        rows = await self.session.execute(select(Product.id, Product.base_unit).where(Product.id.in_(ids)))
        return dict(rows.all())

    # ------------------------------------------------------------------ stock

    async def set_stock(
        self, *, branch_id: int, product_id: int, data: StockSet, actor: SessionUser
    ) -> StockOut:
        product = await self._stock_target(actor, branch_id, product_id)
        _check_stock_qty(data.qty, product.base_unit, field="qty", allow_negative=False)
        before = await self.session.scalar(
            select(ProductStock.qty)
            .where(ProductStock.branch_id == branch_id, ProductStock.product_id == product_id)
            .with_for_update()
        )
        await self.session.execute(
            insert(ProductStock)
            .values(branch_id=branch_id, product_id=product_id, qty=data.qty)
            .on_conflict_do_update(index_elements=["branch_id", "product_id"], set_={"qty": data.qty})
        )
        return await self._finish_stock(
            product,
            branch_id,
            action="stock.set",
            before=before,
            after=data.qty,
            reason=data.reason,
            actor=actor,
        )

    async def adjust_stock(
        self, *, branch_id: int, product_id: int, data: StockAdjust, actor: SessionUser
    ) -> StockOut:
        product = await self._stock_target(actor, branch_id, product_id)
        _check_stock_qty(data.delta, product.base_unit, field="delta", allow_negative=True)
        # Insert-or-lock, then change under the row lock: concurrent sales wait instead of racing it.
        await self.session.execute(
            insert(ProductStock)
            .values(branch_id=branch_id, product_id=product_id, qty=0)
            .on_conflict_do_nothing(index_elements=["branch_id", "product_id"])
        )
        row = await self.session.scalar(
            select(ProductStock)
            .where(ProductStock.branch_id == branch_id, ProductStock.product_id == product_id)
            .with_for_update()
        )
        assert row is not None
        before = row.qty
        after = before + data.delta
        if after < 0:
            raise unprocessable(
                "delta",
                _("only %(before)s on hand of %(product)s", before=_qty_text(before), product=product.name),
            )
        if after > MAX_STOCK:
            raise unprocessable("delta", _("stock above %(max_stock)s is not plausible", max_stock=MAX_STOCK))
        row.qty = after
        return await self._finish_stock(
            product,
            branch_id,
            action="stock.adjust",
            before=before,
            after=after,
            reason=data.reason,
            actor=actor,
        )

    async def _stock_target(self, actor: SessionUser, branch_id: int, product_id: int) -> Product:
        ensure_branch_visible(actor, branch_id, what="Branch")
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail=_("Branch not found"))
        product = await self.session.get(Product, product_id)
        if product is None:
            raise NotFoundException(detail=_("Product not found"))
        if product.kind == "bundle":
            raise unprocessable("product_id", _("a bundle has no stock of its own; its items do"))
        return product

    async def _finish_stock(
        self,
        product: Product,
        branch_id: int,
        *,
        action: str,
        before: Decimal | None,
        after: Decimal,
        reason: str,
        actor: SessionUser,
    ) -> StockOut:
        started_tracking = not product.stock_tracked
        product.stock_tracked = True
        delta = after - (before or Decimal(0))
        if delta != 0:
            # The stock ledger (app/inventory): the on-hand is always the sum of its rows.
            cost = await self.session.scalar(
                select(ProductStock.avg_cost).where(
                    ProductStock.branch_id == branch_id, ProductStock.product_id == product.id
                )
            )
            self.session.add(
                StockMove(
                    branch_id=branch_id,
                    product_id=product.id,
                    kind="count" if action == "stock.set" else "adjustment",
                    qty=delta,
                    unit_cost=cost or Decimal(0),
                    on_hand_after=after,
                    reason=reason or None,
                    created_by=actor.user_id,
                )
            )
        audit.change(
            self.session,
            action=action,
            entity_type="product_stock",
            entity_id=f"{branch_id}:{product.id}",
            actor_user_id=actor.user_id,
            branch_id=branch_id,
            before=before,
            after=after,
            product_id=product.id,
            reason=reason,
        )
        out = StockOut(
            branch_id=branch_id, product_id=product.id, stock_tracked=True, qty=Decimal(_qty_text(after))
        )
        await self.session.commit()
        if started_tracking:
            await bump_catalog_epoch(self.redis, self.keys)
        return out


def _check_item(
    at: str,
    item: BundleItemIn,
    *,
    bundle: Product,
    components: dict[int, Product],
    units: dict[int, set[str]],
    seen: set[tuple[int, str]],
) -> None:
    component = components.get(item.product_id)
    if component is None or not component.active or component.id == bundle.id:
        raise unprocessable(
            f"{at}.product_id", _("unknown product %(product_id)s", product_id=item.product_id)
        )
    if component.kind != "item":
        raise unprocessable(
            f"{at}.product_id", _("%(component)s is a bundle; a bundle cannot nest", component=component.name)
        )
    unit = item.unit or component.base_unit
    if unit not in units.get(component.id, set()):
        raise unprocessable(
            f"{at}.unit", _("%(component)s is not sold in unit %(unit)r", component=component.name, unit=unit)
        )
    if (component.id, unit) in seen:
        raise unprocessable(
            f"{at}.product_id",
            _("%(component)s (%(unit)s) is listed twice", component=component.name, unit=unit),
        )
    seen.add((component.id, unit))
    qty = item.qty
    if not qty.is_finite() or qty <= 0 or places(qty) > QTY_PLACES or qty > MAX_ITEM_QTY:
        raise unprocessable(f"{at}.qty", _("quantity must be above zero with at most 3 decimals"))
    if unit in WHOLE_UNITS and qty != qty.to_integral_value():
        raise unprocessable(f"{at}.qty", _("%(unit)s items come in whole numbers", unit=unit))
    price = item.extra_price
    if not price.is_finite() or price < 0 or places(price) > MONEY_PLACES or price >= MAX_PRICE:
        raise unprocessable(f"{at}.extra_price", _("extra price must be zero or more"))


def _check_stock_qty(value: Decimal, base_unit: str, *, field: str, allow_negative: bool) -> None:
    if not value.is_finite() or (value < 0 and not allow_negative) or abs(value) > MAX_STOCK:
        raise unprocessable(
            field,
            _("must be a plausible quantity")
            if allow_negative
            else _("must be a plausible quantity of zero or more"),
        )
    if places(value) > QTY_PLACES:
        raise unprocessable(field, _("at most %(qty_places)s decimal places", qty_places=QTY_PLACES))
    if base_unit in WHOLE_UNITS and value != value.to_integral_value():
        raise unprocessable(field, _("%(base_unit)s stock is counted in whole numbers", base_unit=base_unit))


def _qty_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _group_data(group: BundleGroupIn) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(group)
    return data

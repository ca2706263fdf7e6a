"""The menu editor: categories and products (units, barcodes, prices per list and branch, picture), bulk price
changes with a preview, and deletes that refuse when something still needs the product.

Every change is one transaction with an audit row holding the before and after, and is announced after its
commit through `catalog.changed` (app/catalog/announce.py), so an open till re-reads its catalog at once.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from litestar.exceptions import NotFoundException
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from app.catalog.announce import announce_catalog_change
from app.catalog.edit_schemas import (
    AdminCategoryOut,
    AdminPriceOut,
    AdminProductOut,
    AdminProductPage,
    AdminUnitOut,
    BulkPriceIn,
    BulkPriceOut,
    BulkPriceRow,
    CategoryIn,
    CategoryOrder,
    CategoryPatch,
    ProductIn,
)
from app.catalog.images import CONTENT_TYPE, image_url, prepare_image
from app.catalog.rules import Money, Problem, price_problem, product_problems
from app.db.models import (
    Branch,
    BundleGroup,
    BundleItem,
    Category,
    Order,
    OrderLine,
    Product,
    ProductImage,
    ProductPrice,
    ProductStock,
    ProductUnit,
)
from app.db.models.catalog import PRICE_LISTS
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _
from app.lib.money import quantum
from app.lib.params import count_rows, search_text

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from sqlalchemy import ColumnElement

    from app.auth.sessions import SessionUser
    from app.lib.params import PageRequest


class MenuEditor(ScopedService):
    # ------------------------------------------------------------------ categories

    async def categories(self) -> list[AdminCategoryOut]:
        counts = dict(
            (
                await self.session.execute(
                    select(Product.category_id, func.count()).group_by(Product.category_id)
                )
            ).all()
        )
        rows = await self.session.scalars(select(Category).order_by(Category.sort_order, Category.code))
        return [_category_out(c, counts.get(c.id, 0)) for c in rows]

    async def create_category(self, *, data: CategoryIn, actor: SessionUser) -> AdminCategoryOut:
        name = _one_line(data.name, "name")
        taken = await self.session.scalar(select(Category.id).where(Category.code == data.code))
        if taken is not None:
            raise conflict(
                _("code: category %(code)s exists already", code=data.code), field="code", category_id=taken
            )
        sort_order = data.sort_order
        if sort_order is None:
            sort_order = (
                int(await self.session.scalar(select(func.coalesce(func.max(Category.sort_order), -1))) or 0)
                + 1
            )
        category = Category(code=data.code, name=name, color=data.color, sort_order=sort_order)
        self.session.add(category)
        await self.session.flush()
        self._audit(
            "category.create", "category", category.id, actor, before=None, after=_category_data(category)
        )
        await self._announce("categories")
        await self.session.commit()
        return _category_out(category, 0)

    async def update_category(
        self, *, category_id: int, data: CategoryPatch, actor: SessionUser
    ) -> AdminCategoryOut:
        category = await self._category(category_id)
        before = _category_data(category)
        if data.name is not None:
            category.name = _one_line(data.name, "name")
        if data.color is not None:
            category.color = data.color
        if data.sort_order is not None:
            category.sort_order = data.sort_order
        self._audit(
            "category.update", "category", category.id, actor, before=before, after=_category_data(category)
        )
        await self._announce("categories")
        products = await count_rows(
            self.session, select(Product.id).where(Product.category_id == category.id)
        )
        await self.session.commit()
        return _category_out(category, products)

    async def reorder_categories(self, *, data: CategoryOrder, actor: SessionUser) -> list[AdminCategoryOut]:
        rows = {c.id: c for c in await self.session.scalars(select(Category).with_for_update())}
        if sorted(data.ids) != sorted(rows):
            raise unprocessable("ids", _("list every category exactly once"))
        before = {c.code: c.sort_order for c in rows.values()}
        for position, category_id in enumerate(data.ids):
            rows[category_id].sort_order = position
        after = {c.code: c.sort_order for c in rows.values()}
        self._audit("category.reorder", "category", None, actor, before=before, after=after)
        await self._announce("categories")
        await self.session.commit()
        return await self.categories()

    async def delete_category(self, *, category_id: int, actor: SessionUser) -> None:
        category = await self._category(category_id)
        used = await count_rows(self.session, select(Product.id).where(Product.category_id == category.id))
        if used:
            raise conflict(
                _(
                    "%(name)s still has %(n)s products; move them to another category first",
                    name=category.name,
                    n=used,
                ),
                reason="has_products",
                products=used,
            )
        self._audit(
            "category.delete", "category", category.id, actor, before=_category_data(category), after=None
        )
        await self.session.delete(category)
        await self._announce("categories")
        await self.session.commit()

    async def _category(self, category_id: int) -> Category:
        category = await self.session.get(Category, category_id, with_for_update=True)
        if category is None:
            raise NotFoundException(detail=_("Category not found"))
        return category

    # ------------------------------------------------------------------ products

    async def products(
        self,
        *,
        q: str | None,
        category_id: int | None,
        active: bool | None,
        page: PageRequest,
    ) -> AdminProductPage:
        text = search_text(q, key="q")
        filters: list[ColumnElement[bool]] = []
        if text is not None:
            filters.append(
                or_(
                    Product.name.icontains(text, autoescape=True),
                    Product.sku.icontains(text, autoescape=True),
                    Product.barcode == text,
                    Product.id.in_(select(ProductUnit.product_id).where(ProductUnit.barcode == text)),
                )
            )
        if category_id is not None:
            filters.append(Product.category_id == category_id)
        if active is not None:
            filters.append(Product.active.is_(active))
        total = await count_rows(self.session, select(Product.id).where(*filters))
        rows: Sequence[Product] = []
        if page.offset < total:
            rows = (
                await self.session.scalars(
                    select(Product)
                    .join(Category, Category.id == Product.category_id)
                    .where(*filters)
                    .options(selectinload(Product.units))
                    .order_by(Category.sort_order, Category.code, Product.sku)
                    .limit(page.page_size)
                    .offset(page.offset)
                )
            ).all()
        items = await self._outs(rows)
        return AdminProductPage(items=items, page=page.page, page_size=page.page_size, total=total)

    async def product(self, product_id: int) -> AdminProductOut:
        product = await self.session.scalar(
            select(Product)
            .where(Product.id == product_id)
            .options(selectinload(Product.units))
            # The editor changed units through their own rows: load the collection afresh.
            .execution_options(populate_existing=True)
        )
        if product is None:
            raise NotFoundException(detail=_("Product not found"))
        return (await self._outs([product]))[0]

    async def create_product(self, *, data: ProductIn, actor: SessionUser) -> AdminProductOut:
        await self._check(data, product_id=None)
        product = Product(kind="item")
        self.session.add(product)
        await write_product(self.session, product, data, units_now={})
        self._audit(
            "product.create", "product", product.id, actor, before=None, after=product_data(product, data)
        )
        await self._announce("products", [product.id])
        await self.session.commit()
        return await self.product(product.id)

    async def update_product(
        self, *, product_id: int, data: ProductIn, actor: SessionUser
    ) -> AdminProductOut:
        product = await self._locked_product(product_id)
        before = await snapshot(self.session, product)
        await self._check(data, product_id=product.id)
        units_now = {u.unit: u for u in product.units}
        await self._refuse_dropping_bundled_units(product, data, units_now)
        await write_product(self.session, product, data, units_now=units_now)
        self._audit(
            "product.update", "product", product.id, actor, before=before, after=product_data(product, data)
        )
        await self._announce("products", [product.id])
        await self.session.commit()
        return await self.product(product.id)

    async def delete_product(
        self, *, product_id: int, open_states: Collection[str], actor: SessionUser
    ) -> None:
        """Refused, with the reason, while the product is on an open order, in stock, part of a combo or in
        any past order (their lines point at it); deactivating it is the way then."""
        product = await self._locked_product(product_id)
        open_orders = await count_rows(
            self.session,
            select(Order.id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.product_id == product.id, Order.state.in_(list(open_states)))
            .distinct(),
        )
        if open_orders:
            raise _refused(
                _(
                    "%(name)s is on %(n)s open orders; deactivate it instead",
                    name=product.name,
                    n=open_orders,
                ),
                "open_orders",
            )
        on_hand = await self.session.scalar(
            select(func.sum(ProductStock.qty)).where(
                ProductStock.product_id == product.id, ProductStock.qty > 0
            )
        )
        if on_hand:
            raise _refused(
                _(
                    "%(name)s has %(qty)s %(unit)s in stock; deactivate it instead",
                    name=product.name,
                    qty=plain(on_hand),
                    unit=product.base_unit,
                ),
                "in_stock",
            )
        combo = await self.session.scalar(
            select(Product.name)
            .join(BundleGroup, BundleGroup.bundle_id == Product.id)
            .join(BundleItem, BundleItem.group_id == BundleGroup.id)
            .where(BundleItem.product_id == product.id)
            .limit(1)
        )
        if combo is not None:
            raise _refused(
                _(
                    "%(name)s is part of the combo %(combo)s; take it out of the combo first",
                    name=product.name,
                    combo=combo,
                ),
                "in_combo",
            )
        sold = await count_rows(self.session, select(OrderLine.id).where(OrderLine.product_id == product.id))
        if sold:
            raise _refused(
                _(
                    "%(name)s was sold on %(n)s past order lines that keep pointing at it; deactivate it instead",
                    name=product.name,
                    n=sold,
                ),
                "sold_before",
            )
        before = await snapshot(self.session, product)
        self._audit("product.delete", "product", product.id, actor, before=before, after=None)
        await self.session.delete(product)
        await self._announce("products", [product.id])
        await self.session.commit()

    async def set_image(self, *, product_id: int, raw: bytes, actor: SessionUser) -> AdminProductOut:
        product = await self._locked_product(product_id)
        stored = prepare_image(raw)
        current = await self.session.get(ProductImage, product.id)
        before = None if current is None else current.digest
        if current is None:
            current = ProductImage(product_id=product.id)
            self.session.add(current)
        current.content_type = CONTENT_TYPE
        current.data = stored.data
        current.digest = stored.digest
        current.width = stored.width
        current.height = stored.height
        current.updated_at = dt.datetime.now(dt.UTC)
        self._audit(
            "product.image_set",
            "product",
            product.id,
            actor,
            before={"image": before},
            after={
                "image": stored.digest,
                "width": stored.width,
                "height": stored.height,
                "bytes": len(stored.data),
            },
        )
        await self._announce("products", [product.id])
        await self.session.commit()
        return await self.product(product.id)

    async def delete_image(self, *, product_id: int, actor: SessionUser) -> AdminProductOut:
        product = await self._locked_product(product_id)
        current = await self.session.get(ProductImage, product.id)
        if current is not None:
            self._audit(
                "product.image_delete",
                "product",
                product.id,
                actor,
                before={"image": current.digest},
                after=None,
            )
            await self.session.delete(current)
            await self._announce("products", [product.id])
            await self.session.commit()
        return await self.product(product.id)

    async def image(self, product_id: int, digest: str) -> ProductImage:
        row = await self.session.get(ProductImage, product_id)
        if row is None or row.digest != digest:
            raise NotFoundException(detail=_("Picture not found"))
        return row

    # ------------------------------------------------------------------ bulk prices

    async def bulk_prices(self, *, data: BulkPriceIn, actor: SessionUser) -> BulkPriceOut:
        """The all-branch and branch prices the selection covers, before and after; written with `apply`."""
        if data.product_ids is None and data.category_id is None:
            raise unprocessable("product_ids", _("choose products or a category"))
        if data.price_list is not None and data.price_list not in PRICE_LISTS:
            raise unprocessable(
                "price_list", _("unknown price list; use one of %(lists)s", lists=", ".join(PRICE_LISTS))
            )
        value = data.value
        if not value.is_finite() or abs(value) >= (
            Decimal(1000) if data.mode == "percent" else Decimal(10) ** 9
        ):
            raise unprocessable("value", _("is not a plausible change"))
        money = await money_rules(self.session)
        filters: list[ColumnElement[bool]] = []
        if data.product_ids is not None:
            filters.append(ProductPrice.product_id.in_(data.product_ids))
        if data.category_id is not None:
            filters.append(Product.category_id == data.category_id)
        if data.price_list is not None:
            filters.append(ProductPrice.price_list == data.price_list)
        if data.unit is not None:
            filters.append(ProductPrice.unit == data.unit)
        stmt = (
            select(ProductPrice, Product.sku, Product.name)
            .join(Product, Product.id == ProductPrice.product_id)
            .where(*filters)
            .order_by(
                Product.sku, ProductPrice.price_list, ProductPrice.unit, ProductPrice.branch_id.nulls_first()
            )
        )
        if data.apply:
            stmt = stmt.with_for_update(of=ProductPrice)
        rows: list[BulkPriceRow] = []
        changed: list[tuple[ProductPrice, Decimal]] = []
        for price, sku, name in await self.session.execute(stmt):
            allowed = (
                money.all_branches if price.branch_id is None else money.by_branch.get(price.branch_id, 2)
            )
            after = price.price * (100 + value) / 100 if data.mode == "percent" else price.price + value
            after = after.quantize(quantum(allowed), rounding=ROUND_HALF_UP)
            problem = price_problem(after, allowed)
            if problem is not None:
                raise unprocessable(
                    "value",
                    _(
                        "the %(list)s price of %(sku)s (%(unit)s) would be %(after)s: %(problem)s",
                        list=price.price_list,
                        sku=sku,
                        unit=price.unit,
                        after=after,
                        problem=problem,
                    ),
                )
            before = _trim(price.price, allowed)
            rows.append(
                BulkPriceRow(
                    product_id=price.product_id,
                    sku=sku,
                    name=name,
                    price_list=price.price_list,
                    unit=price.unit,
                    branch_id=price.branch_id,
                    before=before,
                    after=after,
                )
            )
            changed.append((price, after))
        if not data.apply:
            return BulkPriceOut(applied=False, rows=rows)
        for price, after in changed:
            price.price = after
        self._audit(
            "price.bulk_edit",
            "product_price",
            None,
            actor,
            before={
                "mode": data.mode,
                "value": str(value),
                "rows": [[r.sku, r.price_list, r.unit, r.branch_id, str(r.before)] for r in rows],
            },
            after={"rows": [[r.sku, r.price_list, r.unit, r.branch_id, str(r.after)] for r in rows]},
        )
        await self._announce("prices", {r.product_id for r in rows})
        await self.session.commit()
        return BulkPriceOut(applied=True, rows=rows)

    # ------------------------------------------------------------------ helpers

    async def _locked_product(self, product_id: int) -> Product:
        product = await self.session.scalar(
            select(Product)
            .where(Product.id == product_id)
            .options(selectinload(Product.units))
            .with_for_update()
        )
        if product is None:
            raise NotFoundException(detail=_("Product not found"))
        return product

    async def _check(self, data: ProductIn, *, product_id: int | None) -> None:
        problems = product_problems(data, await money_rules(self.session))
        if problems:
            raise unprocessable(problems[0].field, problems[0].message)
        if await self.session.get(Category, data.category_id) is None:
            raise unprocessable("category_id", _("no category %(id)s", id=data.category_id))
        owner = await self.session.scalar(
            select(Product).where(Product.sku == data.sku, Product.id != product_id)
        )
        if owner is not None:
            raise conflict(
                _(
                    "sku: %(sku)s is already the SKU of %(name)s (product %(id)s)",
                    sku=data.sku,
                    name=owner.name,
                    id=owner.id,
                ),
                field="sku",
                product_id=owner.id,
                product_name=owner.name,
            )
        for field, code in product_barcodes(data):
            holder = await barcode_owner(self.session, code, exclude=product_id)
            if holder is not None:
                raise conflict(
                    _(
                        "%(field)s: barcode %(code)s already belongs to %(name)s (product %(id)s)",
                        field=field,
                        code=code,
                        name=holder.name,
                        id=holder.id,
                    ),
                    field=field,
                    product_id=holder.id,
                    product_name=holder.name,
                )

    async def _refuse_dropping_bundled_units(
        self, product: Product, data: ProductIn, units_now: dict[str, ProductUnit]
    ) -> None:
        kept = {data.base_unit} | {u.unit for u in data.units}
        dropped = [u for u in units_now if u not in kept]
        if not dropped:
            return
        combo = await self.session.scalar(
            select(Product.name)
            .join(BundleGroup, BundleGroup.bundle_id == Product.id)
            .join(BundleItem, BundleItem.group_id == BundleGroup.id)
            .where(BundleItem.product_id == product.id, BundleItem.unit.in_(dropped))
            .limit(1)
        )
        if combo is not None:
            raise conflict(
                _(
                    "units: the combo %(combo)s uses %(name)s by the %(unit)s; keep that unit",
                    combo=combo,
                    name=product.name,
                    unit=dropped[0],
                ),
                field="units",
            )

    async def _outs(self, products: Sequence[Product]) -> list[AdminProductOut]:
        ids = [p.id for p in products]
        prices: dict[int, list[ProductPrice]] = {}
        images: dict[int, str] = {}
        if ids:
            for price in await self.session.scalars(
                select(ProductPrice)
                .where(ProductPrice.product_id.in_(ids))
                .order_by(ProductPrice.price_list, ProductPrice.branch_id.nulls_first(), ProductPrice.id)
            ):
                prices.setdefault(price.product_id, []).append(price)
            images = dict(
                (
                    await self.session.execute(
                        select(ProductImage.product_id, ProductImage.digest).where(
                            ProductImage.product_id.in_(ids)
                        )
                    )
                ).all()
            )
        money = await money_rules(self.session)
        return [_product_out(p, prices.get(p.id, []), images.get(p.id), money) for p in products]

    def _audit(
        self,
        action: str,
        entity_type: str,
        entity_id: int | None,
        actor: SessionUser,
        *,
        before: Any,
        after: Any,
    ) -> None:
        audit.change(
            self.session,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            actor_user_id=actor.user_id,
            before=before,
            after=after,
        )

    async def _announce(self, kind: str, product_ids: Collection[int] = ()) -> None:
        await announce_catalog_change(
            self.session, bus=self.bus, redis=self.redis, keys=self.keys, kind=kind, product_ids=product_ids
        )


# ---------------------------------------------------------------------- shared with the CSV import


async def money_rules(session: Any) -> Money:
    exponents = dict((await session.execute(select(Branch.id, Branch.currency_exponent))).all())
    active = list(exponents.values())
    return Money(all_branches=min(active) if active else 2, by_branch=exponents)


def product_barcodes(data: ProductIn) -> list[tuple[str, str]]:
    """(field, code) of every barcode the product would carry."""
    codes = [("barcode", data.barcode)] if data.barcode else []
    codes += [
        (f"units[{i}].barcode", u.barcode)
        for i, u in enumerate(data.units)
        if u.barcode and u.unit != data.base_unit
    ]
    return [(field, code) for field, code in codes if code is not None]


async def barcode_owner(session: Any, code: str, *, exclude: int | None) -> Product | None:
    product: Product | None = await session.scalar(
        select(Product)
        .where(
            or_(
                Product.barcode == code,
                Product.id.in_(select(ProductUnit.product_id).where(ProductUnit.barcode == code)),
            ),
            Product.id != exclude if exclude is not None else Product.id.is_not(None),
        )
        .limit(1)
    )
    return product


async def write_product(
    session: Any, product: Product, data: ProductIn, *, units_now: dict[str, ProductUnit]
) -> None:
    """Make `product` what `data` says: its fields, then its units (changed in place, so prices and combos
    that reference a kept unit stay valid), then all of its prices."""
    product.sku = data.sku
    product.name = data.name.strip()
    product.category_id = data.category_id
    product.base_unit = data.base_unit
    product.barcode = data.barcode
    product.tax_rate = data.tax_rate
    product.station_code = data.station_code
    product.active = data.active
    product.stock_tracked = data.stock_tracked
    product.description = data.description.strip()
    await session.flush()
    wanted: dict[str, tuple[Decimal, str | None]] = {data.base_unit: (Decimal(1), None)}
    for unit in data.units:
        if unit.unit != data.base_unit:
            wanted[unit.unit] = (unit.factor, unit.barcode)
    await session.execute(delete(ProductPrice).where(ProductPrice.product_id == product.id))
    for code, unit_row in units_now.items():
        if code not in wanted:
            await session.delete(unit_row)
    # Barcodes move between units of one product: clear them first so the unique index never sees two.
    for code, unit_row in units_now.items():
        if code in wanted and unit_row.barcode != wanted[code][1]:
            unit_row.barcode = None
    await session.flush()
    for code, (factor, barcode) in wanted.items():
        kept = units_now.get(code)
        if kept is None:
            session.add(ProductUnit(product_id=product.id, unit=code, factor=factor, barcode=barcode))
        else:
            kept.factor = factor
            kept.barcode = barcode
    await session.flush()
    session.add_all(
        ProductPrice(
            product_id=product.id, price_list=p.price_list, unit=p.unit, price=p.price, branch_id=p.branch_id
        )
        for p in data.prices
    )
    await session.flush()


def product_data(product: Product, data: ProductIn) -> dict[str, Any]:
    """What the audit keeps of a product: every field, units and prices, money as strings."""
    return {
        "id": product.id,
        "sku": data.sku,
        "name": data.name.strip(),
        "category_id": data.category_id,
        "base_unit": data.base_unit,
        "barcode": data.barcode,
        "tax_rate": str(data.tax_rate),
        "station_code": data.station_code,
        "active": data.active,
        "stock_tracked": data.stock_tracked,
        "description": data.description.strip(),
        "units": sorted(
            [[u.unit, str(u.factor), u.barcode] for u in data.units if u.unit != data.base_unit],
            key=lambda u: str(u[0]),
        ),
        "prices": sorted([[p.price_list, p.unit, p.branch_id, str(p.price)] for p in data.prices], key=str),
    }


async def snapshot(session: Any, product: Product) -> dict[str, Any]:
    prices = (await session.scalars(select(ProductPrice).where(ProductPrice.product_id == product.id))).all()
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "category_id": product.category_id,
        "base_unit": product.base_unit,
        "barcode": product.barcode,
        "tax_rate": str(product.tax_rate),
        "station_code": product.station_code,
        "active": product.active,
        "stock_tracked": product.stock_tracked,
        "description": product.description,
        "units": sorted(
            [[u.unit, str(plain(u.factor)), u.barcode] for u in product.units if u.unit != product.base_unit],
            key=lambda u: str(u[0]),
        ),
        "prices": sorted([[p.price_list, p.unit, p.branch_id, str(plain(p.price))] for p in prices], key=str),
    }


# ---------------------------------------------------------------------- answers


def plain(value: Decimal) -> Decimal:
    """`value` without trailing zeros and never in exponent form ("6.000" → 6, "10" stays 10, not 1E+1)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def _refused(reason_text: str, reason: str) -> Exception:
    return conflict(reason_text, reason=reason)


def _one_line(value: str, field: str) -> str:
    text = value.strip()
    if not text or any(ord(c) < 32 for c in text):
        raise unprocessable(field, _("must be text on one line"))
    return text


def _trim(value: Decimal, exponent: int) -> Decimal:
    quantized = value.quantize(quantum(exponent))
    return quantized if quantized == value else value


def _category_data(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name,
        "color": category.color,
        "sort_order": category.sort_order,
    }


def _category_out(category: Category, products: int) -> AdminCategoryOut:
    return AdminCategoryOut(
        id=category.id,
        code=category.code,
        name=category.name,
        color=category.color,
        sort_order=category.sort_order,
        products=products,
    )


def _product_out(
    product: Product, prices: list[ProductPrice], digest: str | None, money: Money
) -> AdminProductOut:
    units = sorted(product.units, key=lambda u: (u.factor, u.unit))
    return AdminProductOut(
        id=product.id,
        sku=product.sku,
        name=product.name,
        category_id=product.category_id,
        base_unit=product.base_unit,
        barcode=product.barcode,
        tax_rate=product.tax_rate,
        station_code=product.station_code,
        active=product.active,
        stock_tracked=product.stock_tracked,
        kind=product.kind,
        description=product.description,
        units=[AdminUnitOut(unit=u.unit, factor=plain(u.factor), barcode=u.barcode) for u in units],
        prices=[
            AdminPriceOut(
                price_list=p.price_list,
                unit=p.unit,
                price=_trim(
                    p.price,
                    money.all_branches if p.branch_id is None else money.by_branch.get(p.branch_id, 2),
                ),
                branch_id=p.branch_id,
            )
            for p in prices
        ],
        image_url=image_url(product.id, digest),
    )


__all__ = ["MenuEditor", "Problem"]

"""A branch's stock: what is on hand (with its value at moving average cost), each product's ledger, a
manager's adjustments and waste, reorder points and par levels, and the ledger's proof."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import or_, select

from app.auth.guards import ensure_branch_visible
from app.catalog.cache import bump_catalog_epoch
from app.db.models import Category, Product, ProductStock, ProductUnit, RecipeLine, StockMove
from app.inventory import low_stock
from app.inventory.ledger import (
    COST_STEP,
    Movement,
    branch_exists,
    check_qty,
    mismatches,
    post_moves,
    stock_products,
)
from app.inventory.schemas import (
    CheckOut,
    LedgerPage,
    LevelsIn,
    LevelsOut,
    MismatchOut,
    MoveIn,
    MoveOut,
    ProductPick,
    StockPage,
    StockRow,
    UnitOut,
)
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import unprocessable
from app.lib.i18n import _

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

LEDGER_PAGE = 100
PICK_LIMIT = 50
MAX_COST = Decimal(10) ** 9


def move_out(move: StockMove, name: str) -> MoveOut:
    return MoveOut(
        id=move.id,
        branch_id=move.branch_id,
        product_id=move.product_id,
        name=name,
        kind=move.kind,
        qty=move.qty,
        unit_cost=move.unit_cost,
        on_hand_after=move.on_hand_after,
        reason=move.reason,
        order_id=None if move.order_id is None else str(move.order_id),
        ref=move.ref,
        created_by=move.created_by,
        created_at=move.created_at,
    )


def check_cost(value: Decimal | None, *, field: str) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value >= MAX_COST or value != value.quantize(COST_STEP):
        raise unprocessable(field, _("must be a cost of zero or more with at most 4 decimals"))
    return value


class StockService(ScopedService):
    async def stock(
        self,
        *,
        branch_id: int,
        actor: SessionUser,
        search: str | None = None,
        category_id: int | None = None,
        low_only: bool = False,
    ) -> StockPage:
        ensure_branch_visible(actor, branch_id, what="Branch")
        await branch_exists(self.session, branch_id)
        stmt = (
            select(ProductStock, Product, Category.name)
            .join(Product, Product.id == ProductStock.product_id)
            .join(Category, Category.id == Product.category_id)
            .where(ProductStock.branch_id == branch_id)
            .order_by(Category.sort_order, Product.name, Product.id)
        )
        if search:
            escaped = search.replace("%", r"\%").replace("_", r"\_")
            like = f"%{escaped}%"
            stmt = stmt.where(
                or_(Product.name.ilike(like), Product.sku.ilike(like), Product.barcode == search.strip())
            )
        if category_id is not None:
            stmt = stmt.where(Product.category_id == category_id)
        if low_only:
            stmt = stmt.where(ProductStock.qty < ProductStock.reorder_point)
        items = []
        total = Decimal(0)
        for row, product, category in await self.session.execute(stmt):
            value = (row.qty * row.avg_cost).quantize(COST_STEP)
            total += value
            items.append(
                StockRow(
                    product_id=product.id,
                    sku=product.sku,
                    name=product.name,
                    barcode=product.barcode,
                    category=category,
                    base_unit=product.base_unit,
                    qty=row.qty,
                    avg_cost=row.avg_cost,
                    value=value,
                    reorder_point=row.reorder_point,
                    par_level=row.par_level,
                    low=row.reorder_point is not None and row.qty < row.reorder_point,
                )
            )
        return StockPage(branch_id=branch_id, items=items, total_value=total)

    async def products(self, *, search: str | None = None, barcode: str | None = None) -> list[ProductPick]:
        """Active non-bundle products by name, sku or barcode (a unit's barcode finds its product)."""
        stmt = (
            select(Product)
            .where(Product.active, Product.kind == "item")
            .order_by(Product.name)
            .limit(PICK_LIMIT)
        )
        if barcode:
            code = barcode.strip()
            stmt = stmt.where(
                or_(
                    Product.barcode == code,
                    Product.id.in_(select(ProductUnit.product_id).where(ProductUnit.barcode == code)),
                )
            )
        elif search:
            escaped = search.replace("%", r"\%").replace("_", r"\_")
            stmt = stmt.where(or_(Product.name.ilike(f"%{escaped}%"), Product.sku.ilike(f"%{escaped}%")))
        found = list(await self.session.scalars(stmt))
        ids = [p.id for p in found]
        units: dict[int, list[UnitOut]] = {}
        for unit in await self.session.scalars(
            select(ProductUnit)
            .where(ProductUnit.product_id.in_(ids))
            .order_by(ProductUnit.factor, ProductUnit.unit)
        ):
            units.setdefault(unit.product_id, []).append(
                UnitOut(unit=unit.unit, factor=unit.factor, barcode=unit.barcode)
            )
        made = set(
            await self.session.scalars(select(RecipeLine.product_id).where(RecipeLine.product_id.in_(ids)))
        )
        return [
            ProductPick(
                id=p.id,
                sku=p.sku,
                name=p.name,
                base_unit=p.base_unit,
                barcode=p.barcode,
                units=units.get(p.id, []),
                made_to_order=p.id in made,
            )
            for p in found
        ]

    async def ledger(
        self, *, branch_id: int, product_id: int, actor: SessionUser, before: int | None = None
    ) -> LedgerPage:
        ensure_branch_visible(actor, branch_id, what="Branch")
        product = await self.session.get(Product, product_id)
        if product is None:
            raise NotFoundException(detail=_("Product not found"))
        row = await self.session.get(ProductStock, (branch_id, product_id))
        stmt = (
            select(StockMove)
            .where(StockMove.branch_id == branch_id, StockMove.product_id == product_id)
            .order_by(StockMove.id.desc())
            .limit(LEDGER_PAGE)
        )
        if before is not None:
            stmt = stmt.where(StockMove.id < before)
        moves = list(await self.session.scalars(stmt))
        return LedgerPage(
            branch_id=branch_id,
            product_id=product_id,
            name=product.name,
            base_unit=product.base_unit,
            on_hand=row.qty if row else Decimal(0),
            avg_cost=row.avg_cost if row else Decimal(0),
            items=[move_out(m, product.name) for m in moves],
            next_before=moves[-1].id if len(moves) == LEDGER_PAGE else None,
        )

    async def move(self, *, data: MoveIn, actor: SessionUser) -> MoveOut:
        ensure_branch_visible(actor, data.branch_id, what="Branch")
        await branch_exists(self.session, data.branch_id)
        reason = data.reason.strip()
        if not reason:
            raise unprocessable("reason", _("say why: a write-off or an adjustment needs a reason"))
        product = (await stock_products(self.session, {data.product_id}))[data.product_id]
        qty = check_qty(data.qty, product, field="qty", positive=data.kind == "waste")
        if qty == 0:
            raise unprocessable("qty", _("must not be zero"))
        cost = check_cost(data.unit_cost, field="unit_cost")
        if cost is not None and (data.kind != "adjustment" or qty < 0):
            raise unprocessable("unit_cost", _("only stock added by an adjustment has a cost of its own"))
        signed = -qty if data.kind == "waste" else qty
        posted, started = await post_moves(
            self.session,
            branch_id=data.branch_id,
            moves=[
                Movement(product_id=product.id, qty=signed, kind=data.kind, unit_cost=cost, reason=reason)
            ],
            actor_id=actor.user_id,
        )
        move = posted[0].move
        audit.record(
            self.session,
            action=f"stock.{data.kind}",
            entity_type="stock_move",
            entity_id=move.id,
            actor_user_id=actor.user_id,
            branch_id=data.branch_id,
            data={
                "product_id": product.id,
                "qty": str(signed),
                "reason": reason,
                "after": str(move.on_hand_after),
            },
        )
        await self.session.refresh(move)
        out = move_out(move, product.name)
        await self.session.commit()
        await self.after_moves(data.branch_id, started=started, crossed=move.low_crossing)
        return out

    async def after_moves(self, branch_id: int, *, started: bool, crossed: bool) -> None:
        """After a commit: tills start checking a newly tracked product; a crossing raises its alert."""
        if started:
            await bump_catalog_epoch(self.redis, self.keys)
        if crossed:
            await low_stock.raise_for_branch(self.scope, branch_id)

    async def set_levels(self, *, product_id: int, data: LevelsIn, actor: SessionUser) -> LevelsOut:
        ensure_branch_visible(actor, data.branch_id, what="Branch")
        await branch_exists(self.session, data.branch_id)
        product = (await stock_products(self.session, {product_id}))[product_id]
        for field, value in (("reorder_point", data.reorder_point), ("par_level", data.par_level)):
            if value is not None:
                check_qty(value, product, field=field, positive=False)
                if value < 0:
                    raise unprocessable(field, _("cannot be negative"))
        if (
            data.reorder_point is not None
            and data.par_level is not None
            and data.par_level < data.reorder_point
        ):
            raise unprocessable(
                "par_level", _("the par level is what to fill up to: at least the reorder point")
            )
        row = await self.session.get(ProductStock, (data.branch_id, product_id), with_for_update=True)
        if row is None:
            row = ProductStock(branch_id=data.branch_id, product_id=product_id, qty=Decimal(0))
            self.session.add(row)
        row.reorder_point, row.par_level = data.reorder_point, data.par_level
        audit.record(
            self.session,
            action="stock.levels",
            entity_type="product_stock",
            entity_id=f"{data.branch_id}:{product_id}",
            actor_user_id=actor.user_id,
            branch_id=data.branch_id,
            data={"reorder_point": _text(data.reorder_point), "par_level": _text(data.par_level)},
        )
        await self.session.commit()
        return LevelsOut(
            branch_id=data.branch_id,
            product_id=product_id,
            reorder_point=data.reorder_point,
            par_level=data.par_level,
        )

    async def check(self) -> CheckOut:
        found = await mismatches(self.session)
        return CheckOut(
            ok=not found,
            mismatches=[
                MismatchOut(
                    branch_id=m.branch_id, product_id=m.product_id, on_hand=m.on_hand, ledger=m.ledger
                )
                for m in found
            ],
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)

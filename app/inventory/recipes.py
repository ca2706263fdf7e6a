"""Recipes (bills of materials): what one base unit of a menu item is made of.

A product is stocked directly (a can of cola: the sale takes the can) or made to order from its recipe (a
burger: the sale takes a bun, 150 g of patty, 20 g of sauce). An ingredient may itself be made from a recipe
(a house sauce); the tills' catalog cache flattens that down to what is stocked, so a recipe that contains
itself, directly or through another, is refused (422) before it can be saved. The trim is a yield: 90 %
means 100 g leave the shelf for 90 g on the plate, so the sale takes qty / yield (rounded to the gram).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import delete, select

from app.catalog.cache import bump_catalog_epoch
from app.db.models import Product, ProductStock, RecipeLine
from app.inventory.ledger import QTY_STEP
from app.inventory.schemas import RecipeIn, RecipeLineOut, RecipeOut
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import unprocessable
from app.lib.i18n import _

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

MAX_QTY = Decimal(1000)
HUNDRED = Decimal(100)


def gross(qty: Decimal, yield_pct: Decimal) -> Decimal:
    return (qty * HUNDRED / yield_pct).quantize(QTY_STEP, ROUND_HALF_UP)


class RecipeService(ScopedService):
    async def get(self, *, product_id: int) -> RecipeOut:
        product = await self.session.get(Product, product_id)
        if product is None:
            raise NotFoundException(detail=_("Product not found"))
        return await self._out(product)

    async def put(self, *, product_id: int, data: RecipeIn, actor: SessionUser) -> RecipeOut:
        product = await self.session.get(Product, product_id, with_for_update=True)
        if product is None:
            raise NotFoundException(detail=_("Product not found"))
        if data.lines and product.kind == "bundle":
            raise unprocessable(
                "lines", _("%(product)s is a bundle; give its items recipes", product=product.name)
            )
        if data.lines and product.stock_tracked:
            held = await self.session.scalar(
                select(ProductStock.qty)
                .where(ProductStock.product_id == product_id, ProductStock.qty != 0)
                .limit(1)
            )
            if held is not None:
                raise unprocessable(
                    "lines",
                    _(
                        "%(product)s is stocked directly (some is on hand); it cannot also be made",
                        product=product.name,
                    ),
                )
        ids = [line.ingredient_id for line in data.lines]
        ingredients = {
            p.id: p for p in await self.session.scalars(select(Product).where(Product.id.in_(ids)))
        }
        graph = await self._graph()
        graph[product_id] = set(ids)
        _check_lines(data, product, ingredients, graph)
        await self.session.execute(delete(RecipeLine).where(RecipeLine.product_id == product_id))
        for order, line in enumerate(data.lines):
            self.session.add(
                RecipeLine(
                    product_id=product_id,
                    ingredient_id=line.ingredient_id,
                    qty=line.qty,
                    yield_pct=line.yield_pct,
                    gross_qty=gross(line.qty, line.yield_pct),
                    sort_order=order,
                )
            )
            # An ingredient nobody made is stocked: tills refuse a sale when it runs out.
            if line.ingredient_id not in graph or not graph[line.ingredient_id]:
                ingredients[line.ingredient_id].stock_tracked = True
        if data.lines:
            # Made to order: the sale takes its ingredients, never a stock of its own.
            product.stock_tracked = False
        audit.record(
            self.session,
            action="recipe.set",
            entity_type="product",
            entity_id=product_id,
            actor_user_id=actor.user_id,
            data={
                "lines": [
                    {"ingredient_id": x.ingredient_id, "qty": str(x.qty), "yield_pct": str(x.yield_pct)}
                    for x in data.lines
                ]
            },
        )
        await self.session.commit()
        # Every till's catalog cache drops its copy: the next sale takes the new recipe.
        await bump_catalog_epoch(self.redis, self.keys)
        return await self._out(product)

    async def _graph(self) -> dict[int, set[int]]:
        graph: dict[int, set[int]] = {}
        for product_id, ingredient_id in await self.session.execute(
            select(RecipeLine.product_id, RecipeLine.ingredient_id)
        ):
            graph.setdefault(product_id, set()).add(ingredient_id)
        return graph

    async def _out(self, product: Product) -> RecipeOut:
        rows = await self.session.execute(
            select(RecipeLine, Product.name, Product.base_unit)
            .join(Product, Product.id == RecipeLine.ingredient_id)
            .where(RecipeLine.product_id == product.id)
            .order_by(RecipeLine.sort_order, RecipeLine.id)
        )
        return RecipeOut(
            product_id=product.id,
            name=product.name,
            lines=[
                RecipeLineOut(
                    ingredient_id=line.ingredient_id,
                    name=name,
                    base_unit=base_unit,
                    qty=line.qty,
                    yield_pct=line.yield_pct,
                    gross_qty=line.gross_qty,
                )
                for line, name, base_unit in rows
            ],
        )


def _reaches(graph: dict[int, set[int]], start: int, target: int) -> bool:
    """Whether `target` is among what `start` is made of, at any depth."""
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(graph.get(node, ()))
    return False


def _check_lines(
    data: RecipeIn, product: Product, ingredients: dict[int, Product], graph: dict[int, set[int]]
) -> None:
    product_id = product.id
    seen: set[int] = set()
    for i, line in enumerate(data.lines):
        at = f"lines[{i}]"
        ingredient = ingredients.get(line.ingredient_id)
        if ingredient is None:
            raise unprocessable(
                f"{at}.ingredient_id",
                _("unknown product %(ingredient_id)s", ingredient_id=line.ingredient_id),
            )
        if ingredient.kind == "bundle":
            raise unprocessable(
                f"{at}.ingredient_id",
                _("%(ingredient)s is a bundle, not an ingredient", ingredient=ingredient.name),
            )
        if line.ingredient_id in seen:
            raise unprocessable(
                f"{at}.ingredient_id", _("%(ingredient)s is listed twice", ingredient=ingredient.name)
            )
        seen.add(line.ingredient_id)
        if line.ingredient_id == product_id or _reaches(graph, line.ingredient_id, product_id):
            raise unprocessable(
                f"{at}.ingredient_id",
                _(
                    "the recipe of %(name)s would contain itself (via %(via)s)",
                    name=product.name,
                    via=ingredient.name,
                ),
            )
        if (
            not line.qty.is_finite()
            or line.qty <= 0
            or line.qty > MAX_QTY
            or line.qty != line.qty.quantize(QTY_STEP)
        ):
            raise unprocessable(f"{at}.qty", _("must be above zero with at most 3 decimals"))
        pct = line.yield_pct
        if not pct.is_finite() or pct <= 0 or pct > HUNDRED or pct != pct.quantize(Decimal("0.01")):
            raise unprocessable(f"{at}.yield_pct", _("must be a percentage above 0 and at most 100"))

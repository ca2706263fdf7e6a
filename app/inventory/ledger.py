"""The stock ledger: how every movement outside a sale changes the on-hand, and the proof that it adds up.

A sale and its cancel write their ledger rows in the orders' own statements (app/orders/_sql.py and the
door's give-back), under the same row lock as the on-hand. Everything else (receipts, adjustments, waste,
count variances, transfers) goes through `post_moves`: it locks the branch's stock rows in product order —
the order a sale locks them in, so the two cannot deadlock — applies each movement, keeps the moving average
cost, and writes one `stock_moves` row per movement with the on-hand it left. Nothing is committed here:
the caller's document (receipt, count, transfer) commits with its movements, or neither happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from app.db.models import Product, ProductStock, RecipeLine, StockMove
from app.lib.errors import unprocessable
from app.lib.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

QTY_STEP = Decimal("0.001")
COST_STEP = Decimal("0.0001")
MAX_STOCK = Decimal(100_000_000)
WHOLE_UNITS = frozenset({"piece", "package"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Movement:
    """One product's change, signed, in its base unit. `unit_cost` is what incoming stock cost (a receipt, a
    transfer in); None moves at the branch's current average cost. `field` names the request field a refusal
    points at."""

    product_id: int
    qty: Decimal
    kind: str
    unit_cost: Decimal | None = None
    reason: str | None = None
    ref: str | None = None
    field: str = "qty"


@dataclass(frozen=True, slots=True)
class Posted:
    move: StockMove
    name: str


async def stock_products(
    session: AsyncSession, ids: set[int], *, field: str = "product_id"
) -> dict[int, Product]:
    """The products, each one that can hold stock: not a bundle, not made to order from a recipe."""
    products = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(ids)))}
    for product_id in ids:
        if product_id not in products:
            raise unprocessable(field, _("unknown product %(id)s", id=product_id))
    made = set(
        await session.scalars(select(RecipeLine.product_id).where(RecipeLine.product_id.in_(ids)).distinct())
    )
    for product in products.values():
        if product.kind == "bundle":
            raise unprocessable(field, _("%(name)s is a bundle; its items hold the stock", name=product.name))
        if product.id in made:
            raise unprocessable(
                field, _("%(name)s is made from its recipe; stock its ingredients", name=product.name)
            )
    return products


def check_qty(value: Decimal, product: Product, *, field: str, positive: bool = True) -> Decimal:
    """A plausible base-unit quantity: 3 decimals at most, whole for piece and package products."""
    if not value.is_finite() or abs(value) > MAX_STOCK:
        raise unprocessable(field, _("must be a plausible quantity"))
    if positive and value <= 0:
        raise unprocessable(field, _("must be above zero"))
    if value != value.quantize(QTY_STEP):
        raise unprocessable(field, _("at most 3 decimal places"))
    if product.base_unit in WHOLE_UNITS and value != value.to_integral_value():
        raise unprocessable(
            field, _("%(name)s is counted in whole %(unit)ss", name=product.name, unit=product.base_unit)
        )
    return value


async def post_moves(
    session: AsyncSession, *, branch_id: int, moves: Sequence[Movement], actor_id: int | None
) -> tuple[list[Posted], bool]:
    """Apply the movements to the branch's stock and write their ledger rows (not committed). Returns the
    rows, and whether a product started being tracked (the caller bumps the catalog epoch after commit, so
    every till starts checking its stock). A movement that would leave less than nothing is a 422."""
    ids = {m.product_id for m in moves}
    products = await stock_products(session, ids)
    # Insert-or-lock in product order (see the module's docstring).
    await session.execute(
        insert(ProductStock)
        .values([{"branch_id": branch_id, "product_id": i, "qty": 0} for i in sorted(ids)])
        .on_conflict_do_nothing(index_elements=["branch_id", "product_id"])
    )
    rows = {
        row.product_id: row
        for row in await session.scalars(
            select(ProductStock)
            .where(ProductStock.branch_id == branch_id, ProductStock.product_id.in_(ids))
            .order_by(ProductStock.product_id)
            .with_for_update()
        )
    }
    started = False
    posted: list[Posted] = []
    for move in moves:
        product, row = products[move.product_id], rows[move.product_id]
        if not product.stock_tracked:
            product.stock_tracked = started = True
        before = row.qty
        after = before + move.qty
        if after < 0:
            raise unprocessable(
                move.field, _("only %(qty)s on hand of %(name)s", qty=qty_text(before), name=product.name)
            )
        if after > MAX_STOCK:
            raise unprocessable(
                move.field, _("stock above %(max_stock)s is not plausible", max_stock=MAX_STOCK)
            )
        if move.qty > 0 and move.unit_cost is not None:
            # Moving average: what is on hand plus what came in, at what each cost.
            row.avg_cost = ((before * row.avg_cost + move.qty * move.unit_cost) / after).quantize(
                COST_STEP, ROUND_HALF_UP
            )
            cost = move.unit_cost
        else:
            cost = row.avg_cost
        point = row.reorder_point
        row.qty = after
        ledger_row = StockMove(
            branch_id=branch_id,
            product_id=move.product_id,
            kind=move.kind,
            qty=move.qty,
            unit_cost=cost,
            on_hand_after=after,
            reason=move.reason,
            ref=move.ref,
            low_crossing=point is not None and after < point <= before,
            created_by=actor_id,
        )
        session.add(ledger_row)
        posted.append(Posted(ledger_row, product.name))
    await session.flush()
    return posted, started


def qty_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


async def branch_exists(session: AsyncSession, branch_id: int) -> None:
    found = await session.scalar(text("SELECT 1 FROM branches WHERE id = :id"), {"id": branch_id})
    if found is None:
        raise NotFoundException(detail=_("Branch not found"))


# ---------------------------------------------------------------------- the proof

_MISMATCHES = text(
    """
SELECT coalesce(s.branch_id, m.branch_id), coalesce(s.product_id, m.product_id),
       coalesce(s.qty, 0), coalesce(m.total, 0)
FROM product_stock AS s
FULL JOIN (
    SELECT branch_id, product_id, sum(qty) AS total FROM stock_moves GROUP BY branch_id, product_id
) AS m ON m.branch_id = s.branch_id AND m.product_id = s.product_id
WHERE coalesce(s.qty, 0) <> coalesce(m.total, 0)
ORDER BY 1, 2
"""
)


@dataclass(frozen=True, slots=True)
class Mismatch:
    branch_id: int
    product_id: int
    on_hand: Decimal
    ledger: Decimal


async def mismatches(session: AsyncSession) -> list[Mismatch]:
    """Every (branch, product) whose on-hand is not the sum of its ledger rows. Read in one snapshot, so
    sales running meanwhile are seen whole or not at all."""
    rows = await session.execute(_MISMATCHES)
    return [Mismatch(int(b), int(p), Decimal(q), Decimal(t)) for b, p, q, t in rows]

"""Stock counts: a branch's shelves counted on a tablet (scan or pick, type the count), optionally blind (the
counter does not see what the system expects), then a manager approves and the variances are posted to the
ledger as `count` movements.

The expected figure is the on-hand at approval, read under the stock rows' lock: sales between the count and
its approval are the shop's to avoid (count before opening or after closing), and approving writes exactly
the movement that makes the on-hand equal what was counted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert

from app.db.models import Product, ProductStock, ProductUnit, StockCount, StockCountLine
from app.inventory.ledger import COST_STEP, Movement, branch_exists, check_qty, post_moves, stock_products
from app.inventory.schemas import CountIn, CountLineOut, CountLinesIn, CountOut
from app.inventory.stock import StockService
from app.lib import audit
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

LIST_LIMIT = 50


class CountService(StockService):
    async def start(self, *, data: CountIn, actor: SessionUser) -> CountOut:
        if not actor.can_see_branch(data.branch_id):
            raise unprocessable("branch_id", _("unknown branch %(branch_id)s", branch_id=data.branch_id))
        await branch_exists(self.session, data.branch_id)
        count = StockCount(
            branch_id=data.branch_id,
            state="open",
            blind=data.blind,
            note=data.note.strip(),
            created_by=actor.user_id,
        )
        self.session.add(count)
        await self.session.flush()
        audit.record(
            self.session,
            action="count.start",
            entity_type="stock_count",
            entity_id=count.id,
            actor_user_id=actor.user_id,
            branch_id=data.branch_id,
            data={"blind": data.blind},
        )
        await self.session.commit()
        return await self.get(count_id=count.id, actor=actor)

    async def record(self, *, count_id: int, data: CountLinesIn, actor: SessionUser) -> CountOut:
        """Counted figures (a second figure for a product replaces the first: a recount)."""
        count = await self._count(count_id, actor, lock=True)
        if count.state != "open":
            raise conflict(_("This count is %(state)s", state=count.state), reason="not_open")
        resolved: list[tuple[int, Decimal]] = []
        for i, line in enumerate(data.lines):
            product_id, factor = await self._which(i, line.product_id, line.barcode)
            if not line.counted.is_finite() or line.counted < 0:
                raise unprocessable(f"lines[{i}].counted", _("a count cannot be negative"))
            product = (await stock_products(self.session, {product_id}, field=f"lines[{i}].product_id"))[
                product_id
            ]
            counted = check_qty(line.counted * factor, product, field=f"lines[{i}].counted", positive=False)
            resolved.append((product_id, counted))
        for product_id, counted in resolved:
            await self.session.execute(
                insert(StockCountLine)
                .values(count_id=count.id, product_id=product_id, counted=counted, counted_by=actor.user_id)
                .on_conflict_do_update(
                    index_elements=["count_id", "product_id"],
                    set_={
                        "counted": counted,
                        "counted_by": actor.user_id,
                        "counted_at": dt.datetime.now(dt.UTC),
                    },
                )
            )
        await self.session.commit()
        return await self.get(count_id=count.id, actor=actor)

    async def approve(self, *, count_id: int, actor: SessionUser) -> CountOut:
        count = await self._count(count_id, actor, lock=True)
        if count.state != "open":
            raise conflict(_("This count is %(state)s", state=count.state), reason="not_open")
        lines = list(
            await self.session.scalars(select(StockCountLine).where(StockCountLine.count_id == count.id))
        )
        if not lines:
            raise unprocessable("lines", _("nothing was counted"))
        # Lock (and create) the stock rows first, in product order, then read what they hold.
        await post_moves_lock(self, count.branch_id, [line.product_id for line in lines])
        on_hand = dict(
            (
                await self.session.execute(
                    select(ProductStock.product_id, ProductStock.qty).where(
                        ProductStock.branch_id == count.branch_id,
                        ProductStock.product_id.in_([line.product_id for line in lines]),
                    )
                )
            ).all()
        )
        moves = []
        for line in sorted(lines, key=lambda x: x.product_id):
            line.expected = on_hand.get(line.product_id, Decimal(0))
            variance = line.counted - line.expected
            if variance != 0:
                moves.append(
                    Movement(
                        product_id=line.product_id,
                        qty=variance,
                        kind="count",
                        reason="stock count",
                        ref=f"count:{count.id}",
                    )
                )
        started, crossed = False, False
        if moves:
            posted, started = await post_moves(
                self.session, branch_id=count.branch_id, moves=moves, actor_id=actor.user_id
            )
            crossed = any(p.move.low_crossing for p in posted)
        count.state = "approved"
        count.approved_by, count.approved_at = actor.user_id, dt.datetime.now(dt.UTC)
        audit.record(
            self.session,
            action="count.approve",
            entity_type="stock_count",
            entity_id=count.id,
            actor_user_id=actor.user_id,
            branch_id=count.branch_id,
            data={"variances": {str(m.product_id): str(m.qty) for m in moves}},
        )
        await self.session.commit()
        await self.after_moves(count.branch_id, started=started, crossed=crossed)
        return await self.get(count_id=count.id, actor=actor)

    async def cancel(self, *, count_id: int, actor: SessionUser) -> CountOut:
        count = await self._count(count_id, actor, lock=True)
        if count.state != "open":
            raise conflict(_("This count is %(state)s", state=count.state), reason="not_open")
        count.state = "cancelled"
        audit.record(
            self.session,
            action="count.cancel",
            entity_type="stock_count",
            entity_id=count.id,
            actor_user_id=actor.user_id,
            branch_id=count.branch_id,
        )
        await self.session.commit()
        return await self.get(count_id=count.id, actor=actor)

    async def get(self, *, count_id: int, actor: SessionUser) -> CountOut:
        count = await self._count(count_id, actor)
        rows = await self.session.execute(
            select(StockCountLine, Product.name, Product.base_unit, ProductStock.qty, ProductStock.avg_cost)
            .join(Product, Product.id == StockCountLine.product_id)
            .outerjoin(
                ProductStock,
                (ProductStock.product_id == StockCountLine.product_id)
                & (ProductStock.branch_id == count.branch_id),
            )
            .where(StockCountLine.count_id == count.id)
            .order_by(Product.name)
        )
        hidden = count.blind and count.state == "open"
        lines = []
        total = Decimal(0)
        for line, name, base_unit, qty, avg_cost in rows:
            expected = (
                line.expected if count.state == "approved" else (None if hidden else (qty or Decimal(0)))
            )
            variance = None if expected is None else line.counted - expected
            value = None if variance is None else (variance * (avg_cost or Decimal(0))).quantize(COST_STEP)
            total += value or Decimal(0)
            lines.append(
                CountLineOut(
                    product_id=line.product_id,
                    name=name,
                    base_unit=base_unit,
                    counted=line.counted,
                    expected=expected,
                    variance=variance,
                    variance_value=value,
                )
            )
        return CountOut(
            id=count.id,
            branch_id=count.branch_id,
            state=count.state,
            blind=count.blind,
            note=count.note,
            created_at=count.created_at,
            approved_at=count.approved_at,
            lines=lines,
            variance_value=None if hidden else total,
        )

    async def list_counts(self, *, branch_id: int, actor: SessionUser) -> list[CountOut]:
        if not actor.can_see_branch(branch_id):
            raise NotFoundException(detail=_("Branch not found"))
        ids = await self.session.scalars(
            select(StockCount.id)
            .where(StockCount.branch_id == branch_id)
            .order_by(StockCount.id.desc())
            .limit(LIST_LIMIT)
        )
        return [await self.get(count_id=i, actor=actor) for i in ids.all()]

    async def _count(self, count_id: int, actor: SessionUser, *, lock: bool = False) -> StockCount:
        count = await self.session.get(StockCount, count_id, with_for_update=lock)
        if count is None or not actor.can_see_branch(count.branch_id):
            raise NotFoundException(detail=_("Count not found"))
        return count

    async def _which(self, i: int, product_id: int | None, barcode: str | None) -> tuple[int, Decimal]:
        """The product a line names, and how many base units one counted piece is (a scanned case of 24)."""
        if product_id is not None:
            return product_id, Decimal(1)
        code = (barcode or "").strip()
        if not code:
            raise unprocessable(f"lines[{i}].product_id", _("name the product or scan its barcode"))
        found = (
            await self.session.execute(
                select(Product.id, Product.barcode, ProductUnit.factor)
                .outerjoin(
                    ProductUnit, (ProductUnit.product_id == Product.id) & (ProductUnit.barcode == code)
                )
                .where(or_(Product.barcode == code, ProductUnit.barcode == code))
                .limit(1)
            )
        ).first()
        if found is None:
            raise unprocessable(f"lines[{i}].barcode", _("no product has the barcode %(code)s", code=code))
        return int(found[0]), Decimal(1) if found[1] == code or found[2] is None else Decimal(found[2])


async def post_moves_lock(service: StockService, branch_id: int, product_ids: list[int]) -> None:
    """Create any missing stock rows and lock them all in product order, as post_moves does."""
    await service.session.execute(
        insert(ProductStock)
        .values([{"branch_id": branch_id, "product_id": i, "qty": 0} for i in sorted(set(product_ids))])
        .on_conflict_do_nothing(index_elements=["branch_id", "product_id"])
    )
    await service.session.execute(
        select(ProductStock.product_id)
        .where(ProductStock.branch_id == branch_id, ProductStock.product_id.in_(product_ids))
        .order_by(ProductStock.product_id)
        .with_for_update()
    )

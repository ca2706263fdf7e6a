"""Suppliers and purchase orders: draft -> sent (a printable order) -> partially received -> received, then
closed (or cancelled before anything came). Receiving is done at the back door, on a tablet, scanning the
boxes: each scan names an order line (its product's or purchase unit's barcode), with the quantity and the
cost on the delivery note; the differences against the order are kept on the receipt. Taking in more than is
still outstanding must be confirmed. Supplier invoices are recorded against a supplier (and an order) and
paid in part or whole; what is owed is what they add up to.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.db.models import (
    Branch,
    Product,
    ProductUnit,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    Supplier,
    SupplierInvoice,
    SupplierItem,
)
from app.inventory.ledger import COST_STEP, QTY_STEP, Movement, check_qty, post_moves, stock_products
from app.inventory.schemas import (
    InvoiceIn,
    InvoiceOut,
    InvoicePayIn,
    PayablesOut,
    PoIn,
    PoLineOut,
    PoOut,
    ReceiptLineOut,
    ReceiptOut,
    ReceiveIn,
    SupplierIn,
    SupplierItemOut,
    SupplierOut,
)
from app.inventory.stock import StockService, check_cost
from app.lib import audit
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.i18n import LazyText, _

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

MAX_MONEY = Decimal(10) ** 9
LIST_LIMIT = 100


def check_money(value: Decimal, *, field: str, allow_zero: bool = True) -> Decimal:
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero) or value >= MAX_MONEY:
        raise unprocessable(
            field, _("must be an amount above zero") if not allow_zero else _("must be zero or more")
        )
    if value != value.quantize(COST_STEP):
        raise unprocessable(field, _("at most 4 decimal places"))
    return value


class PurchasingService(StockService):
    # ------------------------------------------------------------------ suppliers

    async def save_supplier(
        self, *, supplier_id: int | None, data: SupplierIn, actor: SessionUser
    ) -> SupplierOut:
        name = data.name.strip()
        if not name:
            raise unprocessable("name", _("a supplier needs a name"))
        if supplier_id is None:
            supplier = Supplier(name=name)
            self.session.add(supplier)
        else:
            found = await self.session.get(Supplier, supplier_id, with_for_update=True)
            if found is None:
                raise NotFoundException(detail=_("Supplier not found"))
            supplier = found
        supplier.name = name
        supplier.contact_name, supplier.phone = data.contact_name.strip(), data.phone.strip()
        supplier.email, supplier.note = data.email.strip(), data.note.strip()
        supplier.lead_time_days, supplier.active = data.lead_time_days, data.active
        products = (
            await stock_products(
                self.session, {item.product_id for item in data.items}, field="items.product_id"
            )
            if data.items
            else {}
        )
        units = await self._units({item.product_id for item in data.items})
        seen: set[tuple[int, str]] = set()
        rows = []
        for i, item in enumerate(data.items):
            unit = item.unit or products[item.product_id].base_unit
            if unit not in units.get(item.product_id, {}):
                raise unprocessable(
                    f"items[{i}].unit",
                    _("%(product)s has no unit %(unit)r", product=products[item.product_id].name, unit=unit),
                )
            if (item.product_id, unit) in seen:
                raise unprocessable(
                    f"items[{i}].product_id",
                    _(
                        "%(product)s (%(unit)s) is listed twice",
                        product=products[item.product_id].name,
                        unit=unit,
                    ),
                )
            seen.add((item.product_id, unit))
            price = check_money(item.price, field=f"items[{i}].price")
            rows.append((item.product_id, unit, price, item.supplier_sku.strip()))
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            raise unprocessable("name", _("a supplier named %(name)r exists already", name=name)) from None
        await self.session.execute(delete(SupplierItem).where(SupplierItem.supplier_id == supplier.id))
        self.session.add_all(
            SupplierItem(supplier_id=supplier.id, product_id=p, unit=u, price=price, supplier_sku=sku)
            for p, u, price, sku in rows
        )
        audit.record(
            self.session,
            action="supplier.save",
            entity_type="supplier",
            entity_id=supplier.id,
            actor_user_id=actor.user_id,
            data={
                "name": name,
                "active": data.active,
                "items": len(rows),
                "lead_time_days": data.lead_time_days,
            },
        )
        await self.session.commit()
        return (await self.suppliers(ids=[supplier.id]))[0]

    async def suppliers(self, *, ids: list[int] | None = None) -> list[SupplierOut]:
        stmt = select(Supplier).order_by(Supplier.active.desc(), Supplier.name)
        if ids is not None:
            stmt = stmt.where(Supplier.id.in_(ids))
        found = list(await self.session.scalars(stmt))
        items: dict[int, list[SupplierItemOut]] = defaultdict(list)
        for item, name in await self.session.execute(
            select(SupplierItem, Product.name)
            .join(Product, Product.id == SupplierItem.product_id)
            .where(SupplierItem.supplier_id.in_([s.id for s in found]))
            .order_by(Product.name, SupplierItem.unit)
        ):
            items[item.supplier_id].append(
                SupplierItemOut(
                    product_id=item.product_id,
                    name=name,
                    unit=item.unit,
                    price=item.price,
                    supplier_sku=item.supplier_sku,
                )
            )
        owed = dict(
            (
                await self.session.execute(
                    select(
                        SupplierInvoice.supplier_id, func.sum(SupplierInvoice.amount - SupplierInvoice.paid)
                    )
                    .where(SupplierInvoice.state == "open")
                    .group_by(SupplierInvoice.supplier_id)
                )
            ).all()
        )
        return [
            SupplierOut(
                id=s.id,
                name=s.name,
                contact_name=s.contact_name,
                phone=s.phone,
                email=s.email,
                lead_time_days=s.lead_time_days,
                active=s.active,
                note=s.note,
                items=items.get(s.id, []),
                owed=owed.get(s.id) or Decimal(0),
            )
            for s in found
        ]

    # ------------------------------------------------------------------ purchase orders

    async def create_po(self, *, data: PoIn, actor: SessionUser) -> PoOut:
        if not actor.can_see_branch(data.branch_id) or await self.session.get(Branch, data.branch_id) is None:
            raise unprocessable("branch_id", _("unknown branch %(branch_id)s", branch_id=data.branch_id))
        supplier = await self.session.get(Supplier, data.supplier_id)
        if supplier is None:
            raise unprocessable(
                "supplier_id", _("unknown supplier %(supplier_id)s", supplier_id=data.supplier_id)
            )
        if not supplier.active:
            raise unprocessable(
                "supplier_id",
                _("%(name)s is inactive: reactivate it or pick another supplier", name=supplier.name),
            )
        products = await stock_products(
            self.session, {line.product_id for line in data.lines}, field="lines.product_id"
        )
        units = await self._units(set(products))
        prices = {
            (i.product_id, i.unit): i.price
            for i in await self.session.scalars(
                select(SupplierItem).where(SupplierItem.supplier_id == supplier.id)
            )
        }
        po = PurchaseOrder(
            branch_id=data.branch_id,
            supplier_id=supplier.id,
            state="draft",
            note=data.note.strip(),
            expected_on=data.expected_on,
            created_by=actor.user_id,
        )
        self.session.add(po)
        await self.session.flush()
        total = Decimal(0)
        seen: set[tuple[int, str]] = set()
        for i, line in enumerate(data.lines):
            product = products[line.product_id]
            unit = line.unit or product.base_unit
            factor = units.get(line.product_id, {}).get(unit)
            if factor is None:
                raise unprocessable(
                    f"lines[{i}].unit", _("%(product)s has no unit %(unit)r", product=product.name, unit=unit)
                )
            if (line.product_id, unit) in seen:
                raise unprocessable(
                    f"lines[{i}].product_id",
                    _("%(product)s (%(unit)s) is listed twice", product=product.name, unit=unit),
                )
            seen.add((line.product_id, unit))
            qty = _units_qty(line.qty, field=f"lines[{i}].qty")
            price = line.unit_price if line.unit_price is not None else prices.get((line.product_id, unit))
            if price is None:
                raise unprocessable(
                    f"lines[{i}].unit_price",
                    _(
                        "%(supplier)s has no price for %(product)s (%(unit)s): give one",
                        supplier=supplier.name,
                        product=product.name,
                        unit=unit,
                    ),
                )
            price = check_money(price, field=f"lines[{i}].unit_price")
            total += (qty * price).quantize(COST_STEP, ROUND_HALF_UP)
            self.session.add(
                PurchaseOrderLine(
                    purchase_order_id=po.id,
                    product_id=line.product_id,
                    unit=unit,
                    factor=factor,
                    qty_ordered=qty,
                    unit_price=price,
                )
            )
        po.total = total
        audit.record(
            self.session,
            action="po.create",
            entity_type="purchase_order",
            entity_id=po.id,
            actor_user_id=actor.user_id,
            branch_id=po.branch_id,
            data={"supplier_id": supplier.id, "total": str(total), "lines": len(data.lines)},
        )
        await self.session.commit()
        return await self.get_po(po_id=po.id, actor=actor)

    async def move_po(self, *, po_id: int, to: str, actor: SessionUser) -> PoOut:
        """send (draft -> sent), close (partial/received -> closed), cancel (draft/sent, nothing received)."""
        po = await self._po(po_id, actor, lock=True)
        allowed = {
            "sent": ("draft",),
            "closed": ("partial", "received", "sent"),
            "cancelled": ("draft", "sent"),
        }
        if po.state not in allowed[to]:
            raise conflict(
                _("A %(state)s purchase order cannot be %(to)s", state=po.state, to=to), reason="state"
            )
        if to == "sent":
            supplier = await self.session.get(Supplier, po.supplier_id)
            if supplier is None or not supplier.active:
                raise unprocessable("supplier_id", _("the supplier is inactive: the order cannot be sent"))
            po.sent_at = dt.datetime.now(dt.UTC)
        if to == "closed" and po.state == "sent":
            raise conflict(_("Nothing was received: cancel the order instead"), reason="state")
        if to in ("closed", "cancelled"):
            po.closed_at = dt.datetime.now(dt.UTC)
        before, po.state = po.state, to
        audit.record(
            self.session,
            action=f"po.{to}",
            entity_type="purchase_order",
            entity_id=po.id,
            actor_user_id=actor.user_id,
            branch_id=po.branch_id,
            data={"from": before},
        )
        await self.session.commit()
        return await self.get_po(po_id=po.id, actor=actor)

    async def receive(self, *, po_id: int, data: ReceiveIn, actor: SessionUser) -> ReceiptOut:
        po = await self._po(po_id, actor, lock=True)
        if po.state not in ("sent", "partial"):
            raise conflict(_("A %(state)s purchase order cannot be received", state=po.state), reason="state")
        lines = {
            line.id: line
            for line in await self.session.scalars(
                select(PurchaseOrderLine)
                .where(PurchaseOrderLine.purchase_order_id == po.id)
                .with_for_update()
            )
        }
        codes = await self._barcodes(list(lines.values()))
        products = await stock_products(self.session, {line.product_id for line in lines.values()})
        taking: dict[int, Decimal] = defaultdict(Decimal)
        resolved = []
        for i, given in enumerate(data.lines):
            line = self._line_for(i, given.line_id, given.barcode, lines, codes)
            qty = _units_qty(given.qty, field=f"lines[{i}].qty")
            cost = check_cost(given.unit_cost, field=f"lines[{i}].unit_cost")
            taking[line.id] += qty
            outstanding = line.qty_ordered - line.qty_received
            if taking[line.id] > outstanding and not data.confirm_over:
                name = products[line.product_id].name
                at = f"lines[{i}].qty"
                # `code` lets the tablet ask "receive the extra?" and send the confirmation.
                message = _(
                    "%(qty)s %(unit)s of %(name)s is more than the %(left)s still ordered: confirm to receive the extra",
                    qty=_text(taking[line.id]),
                    unit=line.unit,
                    name=name,
                    left=_text(outstanding),
                )
                raise ApiError(
                    422,
                    LazyText("%(field)s: %(message)s", {"field": at, "message": message}),
                    field=at,
                    code="confirm_over",
                )
            resolved.append((line, qty, line.unit_price if cost is None else cost))
        receipt = PurchaseReceipt(
            purchase_order_id=po.id, branch_id=po.branch_id, note=data.note.strip(), received_by=actor.user_id
        )
        self.session.add(receipt)
        await self.session.flush()
        moves = []
        total = Decimal(0)
        for line, qty, cost in resolved:
            outstanding = line.qty_ordered - line.qty_received
            line.qty_received += qty
            total += (qty * cost).quantize(COST_STEP, ROUND_HALF_UP)
            self.session.add(
                PurchaseReceiptLine(
                    receipt_id=receipt.id,
                    line_id=line.id,
                    qty=qty,
                    unit_cost=cost,
                    qty_difference=qty - outstanding,
                    cost_difference=cost - line.unit_price,
                )
            )
            base_qty = (qty * line.factor).quantize(QTY_STEP, ROUND_HALF_UP)
            moves.append(
                Movement(
                    product_id=line.product_id,
                    qty=check_qty(base_qty, products[line.product_id], field="lines.qty"),
                    kind="receipt",
                    unit_cost=(cost / line.factor).quantize(COST_STEP, ROUND_HALF_UP),
                    ref=f"receipt:{receipt.id}",
                )
            )
        _posted, started = await post_moves(
            self.session, branch_id=po.branch_id, moves=moves, actor_id=actor.user_id
        )
        receipt.total = total
        before = po.state
        po.state = "received" if all(x.qty_received >= x.qty_ordered for x in lines.values()) else "partial"
        audit.record(
            self.session,
            action="po.receive",
            entity_type="purchase_order",
            entity_id=po.id,
            actor_user_id=actor.user_id,
            branch_id=po.branch_id,
            data={
                "receipt_id": receipt.id,
                "from": before,
                "to": po.state,
                "total": str(total),
                "over_confirmed": data.confirm_over,
                "lines": [{"line_id": x.id, "qty": str(q), "unit_cost": str(c)} for x, q, c in resolved],
            },
        )
        await self.session.commit()
        await self.after_moves(po.branch_id, started=started, crossed=False)
        return await self._receipt_out(receipt.id)

    async def get_po(self, *, po_id: int, actor: SessionUser) -> PoOut:
        po = await self._po(po_id, actor)
        return (await self._po_outs([po]))[0]

    async def list_pos(self, *, branch_id: int, actor: SessionUser) -> list[PoOut]:
        if not actor.can_see_branch(branch_id):
            raise NotFoundException(detail=_("Branch not found"))
        pos = list(
            await self.session.scalars(
                select(PurchaseOrder)
                .where(PurchaseOrder.branch_id == branch_id)
                .order_by(PurchaseOrder.id.desc())
                .limit(LIST_LIMIT)
            )
        )
        return await self._po_outs(pos)

    async def print_context(self, order: PoOut) -> dict[str, object]:
        """What the printable order shows: the order, its supplier, the branch it is delivered to."""
        supplier = await self.session.get(Supplier, order.supplier_id)
        branch = await self.session.get(Branch, order.branch_id)
        return {"order": order, "supplier": supplier, "branch": branch}

    # ------------------------------------------------------------------ supplier invoices

    async def add_invoice(self, *, data: InvoiceIn, actor: SessionUser) -> InvoiceOut:
        if not actor.can_see_branch(data.branch_id) or await self.session.get(Branch, data.branch_id) is None:
            raise unprocessable("branch_id", _("unknown branch %(branch_id)s", branch_id=data.branch_id))
        supplier = await self.session.get(Supplier, data.supplier_id)
        if supplier is None:
            raise unprocessable(
                "supplier_id", _("unknown supplier %(supplier_id)s", supplier_id=data.supplier_id)
            )
        if data.purchase_order_id is not None:
            po = await self.session.get(PurchaseOrder, data.purchase_order_id)
            if po is None or po.supplier_id != supplier.id or po.branch_id != data.branch_id:
                raise unprocessable("purchase_order_id", _("not an order of this supplier and branch"))
        amount = check_money(data.amount, field="amount", allow_zero=False)
        if data.due_date is not None and data.due_date < data.invoice_date:
            raise unprocessable("due_date", _("due before the invoice's own date"))
        number = data.number.strip()
        if not number:
            raise unprocessable("number", _("the supplier's invoice number is needed"))
        exists = await self.session.scalar(
            select(SupplierInvoice.id).where(
                SupplierInvoice.supplier_id == supplier.id, SupplierInvoice.number == number
            )
        )
        if exists is not None:
            raise unprocessable(
                "number",
                _(
                    "invoice %(number)s of %(supplier)s is recorded already",
                    number=number,
                    supplier=supplier.name,
                ),
            )
        invoice = SupplierInvoice(
            supplier_id=supplier.id,
            branch_id=data.branch_id,
            purchase_order_id=data.purchase_order_id,
            number=number,
            invoice_date=data.invoice_date,
            due_date=data.due_date,
            amount=amount,
            created_by=actor.user_id,
        )
        self.session.add(invoice)
        await self.session.flush()
        audit.record(
            self.session,
            action="supplier_invoice.add",
            entity_type="supplier_invoice",
            entity_id=invoice.id,
            actor_user_id=actor.user_id,
            branch_id=data.branch_id,
            data={"supplier_id": supplier.id, "number": number, "amount": str(amount)},
        )
        await self.session.commit()
        return (await self._invoice_outs([invoice.id]))[0]

    async def pay_invoice(self, *, invoice_id: int, data: InvoicePayIn, actor: SessionUser) -> InvoiceOut:
        invoice = await self.session.get(SupplierInvoice, invoice_id, with_for_update=True)
        if invoice is None or not actor.can_see_branch(invoice.branch_id):
            raise NotFoundException(detail=_("Invoice not found"))
        if invoice.state != "open":
            raise conflict(_("This invoice is %(state)s", state=invoice.state), reason="state")
        amount = check_money(data.amount, field="amount", allow_zero=False)
        owed = invoice.amount - invoice.paid
        if amount > owed:
            raise unprocessable("amount", _("only %(owed)s is owed on this invoice", owed=_text(owed)))
        invoice.paid += amount
        if invoice.paid == invoice.amount:
            invoice.state = "paid"
        audit.record(
            self.session,
            action="supplier_invoice.pay",
            entity_type="supplier_invoice",
            entity_id=invoice.id,
            actor_user_id=actor.user_id,
            branch_id=invoice.branch_id,
            data={"amount": str(amount), "paid": str(invoice.paid), "state": invoice.state},
        )
        await self.session.commit()
        return (await self._invoice_outs([invoice.id]))[0]

    async def payables(self, *, branch_id: int | None, actor: SessionUser) -> PayablesOut:
        stmt = select(SupplierInvoice.id).order_by(
            SupplierInvoice.state, SupplierInvoice.due_date, SupplierInvoice.id
        )
        if branch_id is not None:
            if not actor.can_see_branch(branch_id):
                raise NotFoundException(detail=_("Branch not found"))
            stmt = stmt.where(SupplierInvoice.branch_id == branch_id)
        elif not actor.all_branches:
            stmt = stmt.where(SupplierInvoice.branch_id.in_(actor.branch_ids))
        invoices = await self._invoice_outs(list(await self.session.scalars(stmt.limit(500))))
        return PayablesOut(
            invoices=invoices, owed=sum((i.owed for i in invoices if i.state == "open"), Decimal(0))
        )

    # ------------------------------------------------------------------ helpers

    async def _po(self, po_id: int, actor: SessionUser, *, lock: bool = False) -> PurchaseOrder:
        po = await self.session.get(PurchaseOrder, po_id, with_for_update=lock)
        if po is None or not actor.can_see_branch(po.branch_id):
            raise NotFoundException(detail=_("Purchase order not found"))
        return po

    async def _units(self, ids: set[int]) -> dict[int, dict[str, Decimal]]:
        units: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for product_id, unit, factor in await self.session.execute(
            select(ProductUnit.product_id, ProductUnit.unit, ProductUnit.factor).where(
                ProductUnit.product_id.in_(ids)
            )
        ):
            units[product_id][unit] = factor
        return units

    async def _barcodes(self, lines: list[PurchaseOrderLine]) -> dict[str, int]:
        """Barcode -> order line: a unit's own barcode names that unit's line; the product's barcode names its
        base-unit line, else the product's only line."""
        by_unit = {(line.product_id, line.unit): line.id for line in lines}
        per_product: dict[int, list[int]] = defaultdict(list)
        for line in lines:
            per_product[line.product_id].append(line.id)
        codes: dict[str, int] = {}
        for product_id, unit, code in await self.session.execute(
            select(ProductUnit.product_id, ProductUnit.unit, ProductUnit.barcode).where(
                ProductUnit.product_id.in_(per_product), ProductUnit.barcode.is_not(None)
            )
        ):
            if code and (product_id, unit) in by_unit:
                codes[code] = by_unit[(product_id, unit)]
        for product_id, base_unit, code in await self.session.execute(
            select(Product.id, Product.base_unit, Product.barcode).where(
                Product.id.in_(per_product), Product.barcode.is_not(None)
            )
        ):
            line_id = by_unit.get((product_id, base_unit))
            if line_id is None and len(per_product[product_id]) == 1:
                line_id = per_product[product_id][0]
            if code and line_id is not None:
                codes.setdefault(code, line_id)
        return codes

    @staticmethod
    def _line_for(
        i: int,
        line_id: int | None,
        barcode: str | None,
        lines: dict[int, PurchaseOrderLine],
        codes: dict[str, int],
    ) -> PurchaseOrderLine:
        if line_id is not None:
            if line_id not in lines:
                raise unprocessable(f"lines[{i}].line_id", _("not a line of this purchase order"))
            return lines[line_id]
        code = (barcode or "").strip()
        if not code:
            raise unprocessable(f"lines[{i}].line_id", _("name the order line or scan the barcode"))
        if code not in codes:
            raise unprocessable(f"lines[{i}].barcode", _("%(code)s is not on this purchase order", code=code))
        return lines[codes[code]]

    async def _po_outs(self, pos: list[PurchaseOrder]) -> list[PoOut]:
        names = dict((await self.session.execute(select(Supplier.id, Supplier.name))).all())
        lines: dict[int, list[PoLineOut]] = defaultdict(list)
        rows = await self.session.execute(
            select(PurchaseOrderLine, Product.name, Product.barcode, ProductUnit.barcode)
            .join(Product, Product.id == PurchaseOrderLine.product_id)
            .outerjoin(
                ProductUnit,
                (ProductUnit.product_id == PurchaseOrderLine.product_id)
                & (ProductUnit.unit == PurchaseOrderLine.unit),
            )
            .where(PurchaseOrderLine.purchase_order_id.in_([p.id for p in pos]))
            .order_by(PurchaseOrderLine.id)
        )
        for line, name, barcode, unit_barcode in rows:
            lines[line.purchase_order_id].append(
                PoLineOut(
                    id=line.id,
                    product_id=line.product_id,
                    name=name,
                    barcode=barcode,
                    unit=line.unit,
                    unit_barcode=unit_barcode,
                    factor=line.factor,
                    qty_ordered=line.qty_ordered,
                    unit_price=line.unit_price,
                    qty_received=line.qty_received,
                )
            )
        return [
            PoOut(
                id=p.id,
                branch_id=p.branch_id,
                supplier_id=p.supplier_id,
                supplier_name=names.get(p.supplier_id, ""),
                state=p.state,
                note=p.note,
                expected_on=p.expected_on,
                total=p.total,
                created_at=p.created_at,
                sent_at=p.sent_at,
                closed_at=p.closed_at,
                lines=lines.get(p.id, []),
            )
            for p in pos
        ]

    async def _receipt_out(self, receipt_id: int) -> ReceiptOut:
        receipt = await self.session.get(PurchaseReceipt, receipt_id)
        assert receipt is not None
        po = await self.session.get(PurchaseOrder, receipt.purchase_order_id)
        assert po is not None
        rows = await self.session.execute(
            select(PurchaseReceiptLine, PurchaseOrderLine.product_id)
            .join(PurchaseOrderLine, PurchaseOrderLine.id == PurchaseReceiptLine.line_id)
            .where(PurchaseReceiptLine.receipt_id == receipt.id)
            .order_by(PurchaseReceiptLine.id)
        )
        return ReceiptOut(
            id=receipt.id,
            purchase_order_id=po.id,
            state=po.state,
            total=receipt.total,
            lines=[
                ReceiptLineOut(
                    line_id=r.line_id,
                    product_id=product_id,
                    qty=r.qty,
                    unit_cost=r.unit_cost,
                    qty_difference=r.qty_difference,
                    cost_difference=r.cost_difference,
                )
                for r, product_id in rows
            ],
        )

    async def _invoice_outs(self, ids: list[int]) -> list[InvoiceOut]:
        rows = await self.session.execute(
            select(SupplierInvoice, Supplier.name)
            .join(Supplier, Supplier.id == SupplierInvoice.supplier_id)
            .where(SupplierInvoice.id.in_(ids))
        )
        found = {inv.id: (inv, name) for inv, name in rows}
        return [
            InvoiceOut(
                id=inv.id,
                supplier_id=inv.supplier_id,
                supplier_name=name,
                branch_id=inv.branch_id,
                purchase_order_id=inv.purchase_order_id,
                number=inv.number,
                invoice_date=inv.invoice_date,
                due_date=inv.due_date,
                amount=inv.amount,
                paid=inv.paid,
                owed=inv.amount - inv.paid if inv.state == "open" else Decimal(0),
                state=inv.state,
            )
            for inv, name in (found[i] for i in ids if i in found)
        ]


def _units_qty(value: Decimal, *, field: str) -> Decimal:
    if not value.is_finite() or value <= 0 or value > Decimal(1_000_000):
        raise unprocessable(field, _("must be a quantity above zero"))
    if value != value.quantize(QTY_STEP):
        raise unprocessable(field, _("at most 3 decimal places"))
    return value


def _text(value: Decimal) -> str:
    return f"{value.normalize():f}"

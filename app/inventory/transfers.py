"""Transfers between branches: dispatched (the stock leaves the sending branch at its average cost and is in
transit), then received (it enters the receiving branch at that cost). What did not arrive stays written on
the transfer's lines as the difference between dispatched and received."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import or_, select

from app.db.models import Product, StockTransfer, StockTransferLine
from app.inventory.ledger import (
    QTY_STEP,
    Movement,
    branch_exists,
    check_qty,
    post_moves,
    qty_text,
    stock_products,
)
from app.inventory.schemas import TransferIn, TransferLineOut, TransferOut, TransferReceiveIn
from app.inventory.stock import StockService
from app.lib import audit
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import LazyText, _, _p

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

LIST_LIMIT = 100


# A transfer's state inside a sentence, in the asker's language.
_STATES: dict[str, LazyText] = {
    "received": _p("transfer", "received"),
    "in_transit": _p("transfer", "in transit"),
}


class TransferService(StockService):
    async def dispatch(self, *, data: TransferIn, actor: SessionUser) -> TransferOut:
        if data.to_branch_id == data.from_branch_id:
            raise unprocessable("to_branch_id", _("a transfer goes to another branch"))
        for field, branch_id in (
            ("from_branch_id", data.from_branch_id),
            ("to_branch_id", data.to_branch_id),
        ):
            if not actor.can_see_branch(branch_id):
                raise unprocessable(field, _("unknown branch %(branch_id)s", branch_id=branch_id))
            await branch_exists(self.session, branch_id)
        products = await stock_products(
            self.session, {line.product_id for line in data.lines}, field="lines.product_id"
        )
        seen: set[int] = set()
        for i, line in enumerate(data.lines):
            if line.product_id in seen:
                raise unprocessable(
                    f"lines[{i}].product_id",
                    _("%(product)s is listed twice", product=products[line.product_id].name),
                )
            seen.add(line.product_id)
            check_qty(line.qty, products[line.product_id], field=f"lines[{i}].qty")
        transfer = StockTransfer(
            from_branch_id=data.from_branch_id,
            to_branch_id=data.to_branch_id,
            state="in_transit",
            note=data.note.strip(),
            dispatched_by=actor.user_id,
        )
        self.session.add(transfer)
        await self.session.flush()
        posted, started = await post_moves(
            self.session,
            branch_id=data.from_branch_id,
            moves=[
                Movement(
                    product_id=line.product_id,
                    qty=-line.qty,
                    kind="transfer_out",
                    ref=f"transfer:{transfer.id}",
                    field=f"lines[{i}].qty",
                )
                for i, line in enumerate(data.lines)
            ],
            actor_id=actor.user_id,
        )
        for line, p in zip(data.lines, posted, strict=True):
            self.session.add(
                StockTransferLine(
                    transfer_id=transfer.id,
                    product_id=line.product_id,
                    qty=line.qty,
                    unit_cost=p.move.unit_cost,
                )
            )
        audit.record(
            self.session,
            action="transfer.dispatch",
            entity_type="stock_transfer",
            entity_id=transfer.id,
            actor_user_id=actor.user_id,
            branch_id=data.from_branch_id,
            data={
                "to_branch_id": data.to_branch_id,
                "lines": [{"product_id": x.product_id, "qty": str(x.qty)} for x in data.lines],
            },
        )
        crossed = any(p.move.low_crossing for p in posted)
        await self.session.commit()
        await self.after_moves(data.from_branch_id, started=started, crossed=crossed)
        return await self.get(transfer_id=transfer.id, actor=actor)

    async def receive(self, *, transfer_id: int, data: TransferReceiveIn, actor: SessionUser) -> TransferOut:
        transfer = await self.session.get(StockTransfer, transfer_id, with_for_update=True)
        if transfer is None or not (
            actor.can_see_branch(transfer.to_branch_id) or actor.can_see_branch(transfer.from_branch_id)
        ):
            raise NotFoundException(detail=_("Transfer not found"))
        if not actor.can_see_branch(transfer.to_branch_id):
            raise unprocessable("transfer_id", _("only the receiving branch takes a transfer in"))
        if transfer.state != "in_transit":
            raise conflict(
                _("This transfer is already %(state)s", state=_STATES.get(transfer.state, transfer.state)),
                reason="not_in_transit",
            )
        lines = {
            line.product_id: line
            for line in await self.session.scalars(
                select(StockTransferLine).where(StockTransferLine.transfer_id == transfer.id)
            )
        }
        products = await stock_products(self.session, set(lines))
        received = {pid: line.qty for pid, line in lines.items()}
        if data.lines is not None:
            received = dict.fromkeys(lines, Decimal(0))
            for i, given in enumerate(data.lines):
                line = lines.get(given.product_id)
                if line is None:
                    raise unprocessable(f"lines[{i}].product_id", _("not on this transfer"))
                qty = check_qty(
                    given.qty, products[given.product_id], field=f"lines[{i}].qty", positive=False
                )
                if qty < 0:
                    raise unprocessable(f"lines[{i}].qty", _("cannot be negative"))
                if qty > line.qty:
                    raise unprocessable(
                        f"lines[{i}].qty",
                        _(
                            "only %(qty)s of %(name)s were sent",
                            qty=qty_text(line.qty),
                            name=products[line.product_id].name,
                        ),
                    )
                received[given.product_id] = qty
        moves = [
            Movement(
                product_id=pid,
                qty=qty,
                kind="transfer_in",
                unit_cost=lines[pid].unit_cost,
                ref=f"transfer:{transfer.id}",
            )
            for pid, qty in sorted(received.items())
            if qty > 0
        ]
        started = False
        if moves:
            _posted, started = await post_moves(
                self.session, branch_id=transfer.to_branch_id, moves=moves, actor_id=actor.user_id
            )
        for pid, line in lines.items():
            line.qty_received = received[pid].quantize(QTY_STEP)
        transfer.state = "received"
        transfer.received_by, transfer.received_at = actor.user_id, dt.datetime.now(dt.UTC)
        audit.record(
            self.session,
            action="transfer.receive",
            entity_type="stock_transfer",
            entity_id=transfer.id,
            actor_user_id=actor.user_id,
            branch_id=transfer.to_branch_id,
            data={"received": {str(k): str(v) for k, v in received.items()}},
        )
        await self.session.commit()
        await self.after_moves(transfer.to_branch_id, started=started, crossed=False)
        return await self.get(transfer_id=transfer.id, actor=actor)

    async def get(self, *, transfer_id: int, actor: SessionUser) -> TransferOut:
        transfer = await self.session.get(StockTransfer, transfer_id)
        if transfer is None or not (
            actor.can_see_branch(transfer.to_branch_id) or actor.can_see_branch(transfer.from_branch_id)
        ):
            raise NotFoundException(detail=_("Transfer not found"))
        return (await self._outs([transfer]))[0]

    async def list_transfers(self, *, branch_id: int, actor: SessionUser) -> list[TransferOut]:
        if not actor.can_see_branch(branch_id):
            raise NotFoundException(detail=_("Branch not found"))
        transfers = list(
            await self.session.scalars(
                select(StockTransfer)
                .where(
                    or_(StockTransfer.from_branch_id == branch_id, StockTransfer.to_branch_id == branch_id)
                )
                .order_by(StockTransfer.id.desc())
                .limit(LIST_LIMIT)
            )
        )
        return await self._outs(transfers)

    async def _outs(self, transfers: list[StockTransfer]) -> list[TransferOut]:
        ids = [t.id for t in transfers]
        by_transfer: dict[int, list[TransferLineOut]] = {}
        rows = await self.session.execute(
            select(StockTransferLine, Product.name)
            .join(Product, Product.id == StockTransferLine.product_id)
            .where(StockTransferLine.transfer_id.in_(ids))
            .order_by(StockTransferLine.transfer_id, Product.name)
        )
        for line, name in rows:
            by_transfer.setdefault(line.transfer_id, []).append(
                TransferLineOut(
                    product_id=line.product_id,
                    name=name,
                    qty=line.qty,
                    unit_cost=line.unit_cost,
                    qty_received=line.qty_received,
                )
            )
        return [
            TransferOut(
                id=t.id,
                from_branch_id=t.from_branch_id,
                to_branch_id=t.to_branch_id,
                state=t.state,
                note=t.note,
                dispatched_at=t.dispatched_at,
                received_at=t.received_at,
                lines=by_transfer.get(t.id, []),
            )
            for t in transfers
        ]

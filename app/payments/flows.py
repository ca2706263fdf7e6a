"""Money back on a cancelled order: the refunds a cancel with "Refund the payment" makes.

The orders' cancel declares what it needs (`MONEY_BACK`, app/orders/actions/service.py) and app/wiring.py
binds it here, so the orders package holds no money rules. The cancel asks `plan` before it moves anything
(a malformed amount, or more than was paid, is a 422 naming `refund_amount`) and `give_back` in its
follow-up transaction, after the move: the refunds commit with the cancel's audit row, or not at all.

Which payments go back: the last taken first (as at a till: the last tender is the first returned), each up
to what is left on it, until the amount is covered. Every refund is the payments part's own
(`PaymentService.write_refund`): cash from the open shift of the till that took it (that drawer pays it
out and its Z report shows it), card and wallet through their provider, on account back onto the
customer's balance; audited, and announced as `payment.refunded` once committed. A gateway refusing is
reported as a failed refund, never raised: the order is cancelled by then, and the manager repeats the
refund (`POST /payments/{id}/refund`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import select

from app.db.models import Order, Payment
from app.lib.deps import ScopedService
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.lib.money import money
from app.orders import CancelRefund
from app.payments import hot
from app.payments.money import ZERO, parse_amount
from app.payments.providers import ProviderError
from app.payments.services import REFUNDABLE, PaymentService

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

# Refund ids are derived from the cancel's event id and the payment, so the same cancel cannot refund twice.
_REFUND_NAMESPACE = uuid.UUID("7c1e4b2a-9d3f-4a5e-8b6c-0f1e2d3c4b5a")


def refund_id_for(key: str, payment_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_REFUND_NAMESPACE, f"{key}:{payment_id}")


class MoneyBackFlow(ScopedService):
    @property
    def payments(self) -> PaymentService:
        return self.scope.get(PaymentService)

    async def plan(self, *, order_id: uuid.UUID, amount: object | None, actor: SessionUser) -> Decimal:
        order = await self.session.get(Order, order_id, populate_existing=True)
        if order is None or not actor.can_see_branch(order.branch_id):
            raise NotFoundException(detail=_("Order not found"))
        exponent = (await self.payments.branch(order.branch_id)).currency_exponent
        taken = money(max(order.paid_total, ZERO), exponent)
        if amount is None:
            return taken
        wanted = parse_amount(amount, field="refund_amount", exponent=exponent)
        if wanted > taken:
            raise unprocessable(
                "refund_amount",
                _("is above what was paid on this order (%(taken)s)", taken=money(taken, exponent)),
            )
        return wanted

    async def give_back(
        self, *, order_id: uuid.UUID, amount: Decimal, reason: str, actor: SessionUser, key: str
    ) -> list[CancelRefund]:
        payments = self.payments
        order = await payments.lock_order(order_id, actor)
        branch = await payments.branch(order.branch_id)
        exponent = branch.currency_exponent
        taken = (
            await self.session.scalars(
                select(Payment)
                .where(Payment.order_id == order.id, Payment.status.in_(REFUNDABLE))
                .order_by(Payment.created_at.desc(), Payment.id.desc())
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).all()
        # What was paid may have shrunk since the plan (a refund meanwhile): never more than is held.
        left = min(amount, order.paid_total)
        out: list[CancelRefund] = []
        for payment in taken:
            if left <= 0:
                break
            share = money(min(left, payment.amount - payment.refunded_amount), exponent)
            if share <= 0:
                continue
            refund_id = refund_id_for(key, payment.id)
            shift_id = await payments.refund_shift(None, payment, order)
            try:
                await payments.write_refund(
                    order=order,
                    payment=payment,
                    branch=branch,
                    refund_id=refund_id,
                    amount=share,
                    reason=reason,
                    shift_id=shift_id,
                    actor=actor.user_id,
                    audit_data={"cancel": key},
                )
            except ProviderError as exc:
                # The provider is asked before anything is written: nothing of this refund exists.
                out.append(
                    CancelRefund(
                        payment_id=payment.id,
                        method=payment.method,
                        amount=share,
                        status="failed",
                        # Plain text in the caller's language: it is also kept in the audit row.
                        detail=str(_("the payment provider refused the refund: %(exc)s", exc=exc)),
                    )
                )
                continue
            left -= share
            payments.announce(
                hot.REFUNDED,
                order,
                payment,
                amount=share,
                exponent=exponent,
                actor=actor,
                refund_id=refund_id,
            )
            out.append(
                CancelRefund(
                    payment_id=payment.id,
                    method=payment.method,
                    amount=share,
                    status="refunded",
                    refund_id=refund_id,
                    shift_id=shift_id,
                )
            )
        await self.session.flush()
        return out

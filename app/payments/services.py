"""Taking, voiding and refunding payments against orders (DESIGN §7).

Every change runs the same way: lock the order row (`SELECT … FOR NO KEY UPDATE`), check, write the payment
(or refund), move the order's `paid_total` / `payment_status` / `payment_seq`, audit, commit. Only once
committed is the status copied into the hot state and the event appended (`hot.announce`, one Lua call,
registered with the session's `on_commit`), and the invoice job queued when the order has just become paid. The row lock is what keeps two tills from paying one order
past its total: the second sees the first's balance.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException
from redis.exceptions import RedisError
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from app.db.models import (
    AuditLog,
    Branch,
    Customer,
    Invoice,
    Order,
    Payment,
    PaymentRefund,
    PosProfile,
    Shift,
)
from app.events import EventType
from app.events.money import PaymentChanged
from app.lib import audit, jobs
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.i18n import _
from app.lib.labels import payment_record_word
from app.lib.money import money
from app.lib.redis import hget
from app.orders.payment_reads import payment_out, refund_out
from app.payments import hot
from app.payments.money import ZERO, parse_amount, payment_status, round_cash
from app.payments.providers import MANUAL, PROVIDERS, PaymentRequest, ProviderError, provider_for
from app.payments.schemas import (
    OrderMoney,
    PaymentIn,
    PaymentResult,
    RefundIn,
    RefundResult,
    VoidIn,
    WebhookOut,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.events import EventBus
    from app.lib.deps import Scope
    from app.lib.lua import LuaScripts
    from app.lib.redis import Keys

log = logging.getLogger(__name__)

# Voids outside the cashier's own shift, and every refund, are a manager's call.
MANAGER = "manager"
COUNTED = ("captured", "partially_refunded")
REFUNDABLE = ("captured", "partially_refunded")


def request_digest(request: msgspec.Struct, **path: object) -> str:
    """A digest of what the client asked for, path ids included; equal numbers hash equal ("1.50", "1.5"
    and 1.5)."""

    def normal(value: Any) -> Any:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int | float):
            return str(Decimal(str(value)).normalize())
        if isinstance(value, str):
            try:
                return str(Decimal(value.strip()).normalize())
            except ArithmeticError:
                return value
        return value

    plain = msgspec.to_builtins(request)
    canonical = {k: (normal(v) if k in ("amount", "tendered") else v) for k, v in plain.items()}
    canonical.update({k: str(v) for k, v in path.items()})
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


class PaymentService:
    def __init__(self, *, session: Session, redis: Redis, keys: Keys, lua: LuaScripts, bus: EventBus) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.lua = lua
        self.bus = bus

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(session=scope.session, redis=scope.redis, keys=scope.keys, lua=scope.lua, bus=scope.bus)

    # ------------------------------------------------------------------ collect

    async def collect(
        self, *, order_id: uuid.UUID, request: PaymentIn, actor: SessionUser
    ) -> tuple[PaymentResult, bool]:
        """Take one tender on an order. Returns (result, whether it was new); a replay is (same, False)."""
        digest = request_digest(request, order_id=order_id)
        existing = await self.session.get(Payment, request.id)
        if existing is not None:
            return await self._replayed_payment(existing, digest, actor), False

        order = await self.lock_order(order_id, actor)
        # A retry of the same tender may have committed while this request waited for the lock.
        existing = await self.session.get(Payment, request.id, populate_existing=True)
        if existing is not None:
            return await self._replayed_payment(existing, digest, actor), False

        branch = await self.branch(order.branch_id)
        exponent = branch.currency_exponent
        amount = parse_amount(request.amount, field="amount", exponent=exponent)
        tendered = None
        if request.tendered is not None:
            if request.method != "cash":
                raise unprocessable("tendered", _("only a cash payment is tendered"))
            tendered = parse_amount(request.tendered, field="tendered", exponent=exponent)
        if await self._live_state(order) == "cancelled":
            raise conflict(
                _("The order is cancelled: no payment can be taken"), state="cancelled", reason="cancelled"
            )
        shift_id, late = await self._payment_shift(request, order)

        balance = order.total - order.paid_total
        if balance <= 0:
            raise unprocessable("amount", _("nothing is left to pay on this order"))
        tender = _tender(
            method=request.method,
            amount=amount,
            tendered=tendered,
            balance=balance,
            step=branch.cash_rounding if request.method == "cash" else ZERO,
            exponent=exponent,
        )
        customer_id = (
            await self._charge_account(order, tender.amount, exponent)
            if request.method == "on_account"
            else None
        )

        provider = provider_for(request.method)
        try:
            started = await provider.start(
                PaymentRequest(
                    payment_id=request.id,
                    order_id=order.id,
                    branch_id=order.branch_id,
                    method=request.method,
                    amount=tender.amount,
                    currency=branch.currency,
                    reference=request.reference,
                )
            )
        except ProviderError as exc:
            raise ApiError(
                502, _("The payment provider refused: %(exc)s", exc=exc), reason="provider"
            ) from None
        payment = Payment(
            id=request.id,
            order_id=order.id,
            branch_id=order.branch_id,
            method=request.method,
            amount=tender.amount,
            tendered=tender.tendered,
            change_due=tender.change_due,
            rounding=tender.rounding,
            reference=request.reference,
            provider=provider.name,
            provider_ref=started.provider_ref,
            status="captured" if started.status == "captured" else "pending",
            refunded_amount=ZERO,
            customer_id=customer_id,
            shift_id=shift_id,
            created_by=actor.user_id,
        )
        self.session.add(payment)
        before = order.payment_status
        if payment.status == "captured":
            order.paid_total += tender.amount
        await self._restate(order)
        audit.record(
            self.session,
            action="payment.collect",
            entity_type="payment",
            entity_id=payment.id,
            actor_user_id=actor.user_id,
            branch_id=order.branch_id,
            data={
                "request": digest,
                "order_id": str(order.id),
                "method": payment.method,
                "amount": str(tender.amount),
                "rounding": str(tender.rounding),
                "tendered": None if tender.tendered is None else str(tender.tendered),
                "change_due": None if tender.change_due is None else str(tender.change_due),
                "customer_id": customer_id,
                "shift_id": None if shift_id is None else str(shift_id),
                "shift_closed": late,
                "paid_total": str(order.paid_total),
                "payment_status": order.payment_status,
                "payment_seq": order.payment_seq,
            },
        )
        try:
            await self.session.flush()
        except IntegrityError:
            # The same id under another order (a different body by definition), committed meanwhile.
            await self.session.rollback()
            again = await self.session.get(Payment, request.id)
            if again is None:
                raise
            return await self._replayed_payment(again, digest, actor), False
        await self.session.refresh(payment)
        result = PaymentResult(
            payment=payment_out(payment, [], exponent=exponent),
            order=self._money(order, exponent),
            redirect_url=started.redirect_url,
        )
        # A gateway's pending payment is announced when its webhook confirms it (docs/payments.md).
        if payment.status == "captured":
            self.announce(
                hot.COLLECTED,
                order,
                payment,
                amount=tender.amount,
                exponent=exponent,
                actor=actor,
                change_due=tender.change_due,
                rounding=tender.rounding,
            )
            if before != "paid" and order.payment_status == "paid":
                self._queue_invoice(order.id)
        await self.session.commit()
        return result, True

    async def _replayed_payment(self, payment: Payment, digest: str, actor: SessionUser) -> PaymentResult:
        if not actor.can_see_branch(payment.branch_id):
            raise NotFoundException(detail=_("Payment not found"))
        recorded = await self._recorded_digest("payment.collect", payment.id)
        if recorded != digest:
            raise conflict(
                _("Payment %(payment_id)s was already taken with a different body", payment_id=payment.id),
                reason="id_reused",
            )
        return await self._result(payment)

    # ------------------------------------------------------------------ void

    async def void(self, *, payment_id: uuid.UUID, request: VoidIn, actor: SessionUser) -> PaymentResult:
        """Undo a tender keyed in by mistake: its cashier during the shift, or a manager; never once the
        order is invoiced or the payment refunded (a refund is the way then). Voiding twice is a no-op."""
        reason = request.reason.strip()
        if not reason:
            raise unprocessable("reason", _("say why the payment is voided"))
        payment = await self._visible_payment(payment_id, actor)
        order = await self.lock_order(payment.order_id, actor)
        payment = await self._reload_payment(payment_id)
        if payment.status == "voided":
            return await self._result(payment)
        if payment.status != "captured":
            raise conflict(
                _(
                    "A %(status)s payment cannot be voided; refund it instead",
                    status=payment_record_word(payment.status),
                ),
                reason=payment.status,
            )
        if await self._invoiced(order.id):
            raise conflict(_("The order is invoiced: refund the payment instead"), reason="invoiced")
        if not actor.has_role(MANAGER):
            if payment.created_by != actor.user_id:
                raise PermissionDeniedException(
                    detail=_("Only the cashier who took it or a manager may void it")
                )
            if payment.shift_id is not None and await self._shift_status(payment.shift_id) != "open":
                raise PermissionDeniedException(detail=_("The shift is closed: a manager may void it"))

        exponent = (await self.branch(order.branch_id)).currency_exponent
        payment.status = "voided"
        payment.void_reason = reason
        payment.voided_by = actor.user_id
        payment.voided_at = dt.datetime.now(dt.UTC)
        order.paid_total -= payment.amount
        await self._restate(order)
        audit.record(
            self.session,
            action="payment.void",
            entity_type="payment",
            entity_id=payment.id,
            actor_user_id=actor.user_id,
            branch_id=order.branch_id,
            data={
                "order_id": str(order.id),
                "method": payment.method,
                "amount": str(payment.amount),
                "reason": reason,
                "paid_total": str(order.paid_total),
                "payment_status": order.payment_status,
                "payment_seq": order.payment_seq,
            },
        )
        await self.session.flush()
        result = PaymentResult(
            payment=payment_out(payment, [], exponent=exponent), order=self._money(order, exponent)
        )
        self.announce(hot.VOIDED, order, payment, amount=payment.amount, exponent=exponent, actor=actor)
        await self.session.commit()
        return result

    # ------------------------------------------------------------------ refund

    async def refund(
        self, *, payment_id: uuid.UUID, request: RefundIn, actor: SessionUser
    ) -> tuple[RefundResult, bool]:
        """Give money back on a payment (manager; the guard checks the role). Idempotent on the refund id."""
        digest = request_digest(request, payment_id=payment_id)
        existing = await self.session.get(PaymentRefund, request.id)
        if existing is not None:
            return await self._replayed_refund(existing, payment_id, digest, actor), False
        reason = request.reason.strip()
        if not reason:
            raise unprocessable("reason", _("say why the money is given back"))
        payment = await self._visible_payment(payment_id, actor)
        order = await self.lock_order(payment.order_id, actor)
        existing = await self.session.get(PaymentRefund, request.id, populate_existing=True)
        if existing is not None:
            return await self._replayed_refund(existing, payment_id, digest, actor), False
        payment = await self._reload_payment(payment_id)
        if payment.status not in REFUNDABLE:
            raise conflict(
                _("A %(status)s payment cannot be refunded", status=payment.status), reason=payment.status
            )
        branch = await self.branch(order.branch_id)
        exponent = branch.currency_exponent
        refundable = payment.amount - payment.refunded_amount
        amount = (
            refundable
            if request.amount is None
            else parse_amount(request.amount, field="amount", exponent=exponent)
        )
        if amount > refundable:
            raise unprocessable(
                "amount",
                _(
                    "only %(refundable)s is left to refund on this payment",
                    refundable=money(refundable, exponent),
                ),
            )
        shift_id = await self.refund_shift(request.shift_id, payment, order)
        try:
            refund = await self.write_refund(
                order=order,
                payment=payment,
                branch=branch,
                refund_id=request.id,
                amount=amount,
                reason=reason,
                shift_id=shift_id,
                actor=actor.user_id,
                audit_data={"request": digest},
            )
        except ProviderError as exc:
            raise ApiError(
                502, _("The payment provider refused the refund: %(exc)s", exc=exc), reason="provider"
            ) from None
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            again = await self.session.get(PaymentRefund, request.id)
            if again is None:
                raise
            return await self._replayed_refund(again, payment_id, digest, actor), False
        await self.session.refresh(refund)
        refunds = await self._refunds(payment.id)
        result = RefundResult(
            refund=refund_out(refund, exponent=exponent),
            payment=payment_out(payment, refunds, exponent=exponent),
            order=self._money(order, exponent),
        )
        self.announce(
            hot.REFUNDED, order, payment, amount=amount, exponent=exponent, actor=actor, refund_id=refund.id
        )
        await self.session.commit()
        return result, True

    async def write_refund(
        self,
        *,
        order: Order,
        payment: Payment,
        branch: Branch,
        refund_id: uuid.UUID,
        amount: Decimal,
        reason: str,
        shift_id: uuid.UUID | None,
        actor: int | None,
        audit_data: Mapping[str, Any],
    ) -> PaymentRefund:
        """Give `amount` back on `payment` in the caller's transaction (the order row locked by the caller):
        the provider first (a gateway's refund; `ProviderError` leaves nothing written), then the refund
        row, the payment's and the order's figures and the audit row. Not committed, not announced."""
        provider = PROVIDERS.get(payment.provider, MANUAL)
        given_back = await provider.refund(
            payment=PaymentRequest(
                payment_id=payment.id,
                order_id=order.id,
                branch_id=order.branch_id,
                method=payment.method,
                amount=payment.amount,
                currency=branch.currency,
                reference=payment.reference,
            ),
            provider_ref=payment.provider_ref,
            refund_id=refund_id,
            amount=amount,
        )
        refund = PaymentRefund(
            id=refund_id,
            payment_id=payment.id,
            order_id=order.id,
            branch_id=order.branch_id,
            amount=amount,
            reason=reason,
            provider_ref=given_back.provider_ref,
            shift_id=shift_id,
            created_by=actor,
        )
        self.session.add(refund)
        payment.refunded_amount += amount
        payment.status = "refunded" if payment.refunded_amount >= payment.amount else "partially_refunded"
        order.paid_total -= amount
        await self._restate(order, refunded_any=True)
        audit.record(
            self.session,
            action="payment.refund",
            entity_type="payment_refund",
            entity_id=refund.id,
            actor_user_id=actor,
            branch_id=order.branch_id,
            data={
                **audit_data,
                "payment_id": str(payment.id),
                "order_id": str(order.id),
                "method": payment.method,
                "amount": str(amount),
                "reason": reason,
                "shift_id": None if shift_id is None else str(shift_id),
                "paid_total": str(order.paid_total),
                "payment_status": order.payment_status,
                "payment_seq": order.payment_seq,
            },
        )
        return refund

    async def _replayed_refund(
        self, refund: PaymentRefund, payment_id: uuid.UUID, digest: str, actor: SessionUser
    ) -> RefundResult:
        if not actor.can_see_branch(refund.branch_id):
            raise NotFoundException(detail=_("Refund not found"))
        recorded = await self._recorded_digest("payment.refund", refund.id)
        if refund.payment_id != payment_id or recorded != digest:
            raise conflict(
                _("Refund %(refund_id)s was already made with a different body", refund_id=refund.id),
                reason="id_reused",
            )
        payment = await self._reload_payment(refund.payment_id)
        result = await self._result(payment)
        exponent = (await self.branch(refund.branch_id)).currency_exponent
        return RefundResult(
            refund=refund_out(refund, exponent=exponent), payment=result.payment, order=result.order
        )

    # ------------------------------------------------------------------ provider webhooks

    async def webhook(self, *, provider: str, body: bytes, headers: Mapping[str, str]) -> WebhookOut:
        """A gateway tells us what became of a pending payment (docs/payments.md). The provider verifies
        the notice; the change is then made under the order's row lock like any other. Gateways retry
        webhooks, so a notice that changes nothing answers 200 with `applied: false`."""
        gateway = PROVIDERS.get(provider)
        if gateway is None or gateway is MANUAL:
            raise NotFoundException(detail=_("Unknown payment provider"))
        try:
            event = await gateway.handle_webhook(body, headers)
        except ProviderError as exc:
            raise ApiError(400, _("webhook refused: %(exc)s", exc=exc)) from None
        payment = await self.session.get(Payment, event.payment_id)
        if payment is None or payment.provider != provider:
            raise NotFoundException(detail=_("Payment not found"))
        order = await self.session.scalar(
            select(Order)
            .where(Order.id == payment.order_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        assert order is not None  # payments.order_id is a RESTRICT foreign key
        payment = await self._reload_payment(payment.id)
        if payment.status != "pending" or event.kind == "refunded":
            # Captured and failed are final; a refund made on the gateway's side is not taken from
            # notices yet (a manager records it with POST /payments/{id}/refund).
            return WebhookOut(payment_id=payment.id, status=payment.status, applied=False)
        exponent = (await self.branch(order.branch_id)).currency_exponent
        before = order.payment_status
        if event.kind == "captured":
            payment.status = "captured"
            payment.provider_ref = event.provider_ref or payment.provider_ref
            order.paid_total += payment.amount
        else:
            payment.status = "voided"
            payment.void_reason = f"{provider}: payment failed"
            payment.voided_at = dt.datetime.now(dt.UTC)
        await self._restate(order)
        audit.record(
            self.session,
            action="payment.capture" if event.kind == "captured" else "payment.fail",
            entity_type="payment",
            entity_id=payment.id,
            branch_id=order.branch_id,
            data={
                "order_id": str(order.id),
                "provider": provider,
                "provider_ref": payment.provider_ref,
                "amount": str(payment.amount),
                # Two pending payments confirmed after each other can pay more than the total; the money
                # is taken, so it is recorded, and the manager refunds the difference.
                "overpaid": order.paid_total > order.total,
                "paid_total": str(order.paid_total),
                "payment_status": order.payment_status,
                "payment_seq": order.payment_seq,
            },
        )
        self.announce(
            hot.COLLECTED if event.kind == "captured" else hot.VOIDED,
            order,
            payment,
            amount=payment.amount,
            exponent=exponent,
            actor=None,
        )
        if before != "paid" and order.payment_status == "paid":
            self._queue_invoice(order.id)
        await self.session.commit()
        return WebhookOut(payment_id=payment.id, status=payment.status, applied=True)

    # ------------------------------------------------------------------ rules

    async def lock_order(self, order_id: uuid.UUID, actor: SessionUser) -> Order:
        order = await self.session.scalar(
            select(Order)
            .where(Order.id == order_id)
            # NO KEY UPDATE: the journal's event inserts reference the row (KEY SHARE) and must not wait
            # for a payment, which may be waiting on a gateway.
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        if order is None or not actor.can_see_branch(order.branch_id):
            raise NotFoundException(detail=_("Order not found"))
        return order

    async def _visible_payment(self, payment_id: uuid.UUID, actor: SessionUser) -> Payment:
        payment = await self.session.get(Payment, payment_id)
        if payment is None or not actor.can_see_branch(payment.branch_id):
            raise NotFoundException(detail=_("Payment not found"))
        return payment

    async def _reload_payment(self, payment_id: uuid.UUID) -> Payment:
        payment = await self.session.get(Payment, payment_id, populate_existing=True)
        assert payment is not None  # payments are never deleted
        return payment

    async def branch(self, branch_id: int) -> Branch:
        branch = await self.session.get(Branch, branch_id)
        assert branch is not None  # orders.branch_id is a RESTRICT foreign key
        return branch

    async def _live_state(self, order: Order) -> str:
        """The hot state leads PostgreSQL by the persister's lag; the row answers once the hash is gone."""
        try:
            state = await hget(self.redis, self.keys.order(order.branch_id, str(order.id)), "state")
        except RedisError:
            log.warning("hot state unreadable; using PostgreSQL's", extra={"order_id": str(order.id)})
            state = None
        return state.decode() if state is not None else order.state

    async def _payment_shift(self, request: PaymentIn, order: Order) -> tuple[uuid.UUID | None, bool]:
        """The shift a tender belongs to, and whether that shift is already closed.

        A named shift must be this branch's; a closed one is accepted (a sale made offline and replayed
        after the close is still that shift's money; the audit row flags it). Without one, a tender on an
        order rung up on a till goes to that till's open shift, so its card and wallet totals count there
        too; cash on a till that needs shifts is refused when none is open.
        """
        if request.shift_id is not None:
            shift = await self.session.get(Shift, request.shift_id)
            if shift is None or shift.branch_id != order.branch_id:
                raise unprocessable("shift_id", _("unknown shift for this branch"))
            return shift.id, shift.status != "open"
        if order.pos_profile_id is None:
            return None, False
        open_shift = await self.session.scalar(
            select(Shift.id).where(Shift.pos_profile_id == order.pos_profile_id, Shift.status == "open")
        )
        if open_shift is not None:
            return open_shift, False
        if request.method == "cash":
            profile = await self.session.get(PosProfile, order.pos_profile_id)
            if profile is not None and profile.require_shift:
                raise unprocessable("shift_id", _("this till needs an open shift to take cash"))
        return None, False

    async def refund_shift(
        self, shift_id: uuid.UUID | None, payment: Payment, order: Order
    ) -> uuid.UUID | None:
        """The drawer (or terminal) a refund is paid from: the named open shift, else the open shift of the
        till the payment was taken on, if any."""
        if shift_id is not None:
            shift = await self.session.get(Shift, shift_id)
            if shift is None or shift.branch_id != order.branch_id:
                raise unprocessable("shift_id", _("unknown shift for this branch"))
            if shift.status != "open":
                raise unprocessable("shift_id", _("the shift is closed"))
            return shift.id
        if payment.shift_id is None:
            return None
        till = await self.session.scalar(select(Shift.pos_profile_id).where(Shift.id == payment.shift_id))
        return await self.session.scalar(
            select(Shift.id).where(Shift.pos_profile_id == till, Shift.status == "open")
        )

    async def _shift_status(self, shift_id: uuid.UUID) -> str | None:
        return await self.session.scalar(select(Shift.status).where(Shift.id == shift_id))

    async def _charge_account(self, order: Order, amount: Decimal, exponent: int) -> int:
        """On account: the order's customer, within their credit limit. The customer row is locked so two
        orders charged at once cannot both fit under the limit."""
        if order.customer_id is None:
            raise unprocessable("method", _("on account needs the order's customer"))
        customer = await self.session.scalar(
            select(Customer).where(Customer.id == order.customer_id).with_for_update()
        )
        assert customer is not None  # orders.customer_id is a RESTRICT foreign key
        if customer.credit_limit <= 0:
            raise unprocessable("method", _("this customer has no account (credit limit 0)"))
        owed = await self.session.scalar(
            select(func.coalesce(func.sum(Payment.amount - Payment.refunded_amount), 0)).where(
                Payment.customer_id == customer.id,
                Payment.method == "on_account",
                Payment.status.in_(COUNTED),
            )
        )
        left = customer.credit_limit - Decimal(owed or 0)
        if amount > left:
            raise unprocessable(
                "amount",
                _(
                    "is over the customer's credit limit (%(left)s left)",
                    left=money(max(left, ZERO), exponent),
                ),
            )
        return customer.id

    async def _invoiced(self, order_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(
                select(exists().where(Invoice.order_id == order_id, Invoice.kind == "invoice"))
            )
        )

    async def _restate(self, order: Order, *, refunded_any: bool | None = None) -> None:
        if refunded_any is None:
            refunded_any = bool(
                await self.session.scalar(select(exists().where(PaymentRefund.order_id == order.id)))
            )
        order.payment_status = payment_status(
            paid_total=order.paid_total, total=order.total, refunded_any=refunded_any
        )
        order.payment_seq += 1

    async def _recorded_digest(self, action: str, entity_id: uuid.UUID) -> str | None:
        data = await self.session.scalar(
            select(AuditLog.data)
            .where(AuditLog.action == action, AuditLog.entity_id == str(entity_id))
            .order_by(AuditLog.id)
            .limit(1)
        )
        return None if data is None else data.get("request")

    async def _refunds(self, payment_id: uuid.UUID) -> list[PaymentRefund]:
        return list(
            (
                await self.session.scalars(
                    select(PaymentRefund)
                    .where(PaymentRefund.payment_id == payment_id)
                    .order_by(PaymentRefund.created_at, PaymentRefund.id)
                )
            ).all()
        )

    async def _result(self, payment: Payment) -> PaymentResult:
        order = await self.session.get(Order, payment.order_id, populate_existing=True)
        assert order is not None
        exponent = (await self.branch(order.branch_id)).currency_exponent
        refunds = await self._refunds(payment.id)
        return PaymentResult(
            payment=payment_out(payment, refunds, exponent=exponent), order=self._money(order, exponent)
        )

    @staticmethod
    def _money(order: Order, exponent: int) -> OrderMoney:
        return OrderMoney(
            id=order.id,
            payment_status=order.payment_status,
            total=money(order.total, exponent),
            paid_total=money(order.paid_total, exponent),
            balance=money(max(order.total - order.paid_total, ZERO), exponent),
            payment_seq=order.payment_seq,
        )

    # ------------------------------------------------------------------ after commit

    def announce(
        self,
        event: EventType[PaymentChanged],
        order: Order,
        payment: Payment,
        *,
        amount: Decimal,
        exponent: int,
        actor: SessionUser | None,
        change_due: Decimal | None = None,
        rounding: Decimal = ZERO,
        refund_id: uuid.UUID | None = None,
    ) -> None:
        """Once committed: the status into the hot hash (by sequence) and the event, in one script. A Redis
        failure then must not turn the change into an error the till retries as a new payment: the next
        change of the order carries a newer status, and the row is the truth."""
        change = PaymentChanged(
            order_id=str(order.id),
            payment_id=str(payment.id),
            method=payment.method,
            amount=str(money(amount, exponent)),
            payment_status=order.payment_status,
            paid_total=str(money(order.paid_total, exponent)),
            balance=str(money(max(order.total - order.paid_total, ZERO), exponent)),
            seq=order.payment_seq,
            token=order.token,
            rounding=str(money(rounding, exponent)),
            change_due=None if change_due is None else str(money(change_due, exponent)),
            refund_id=None if refund_id is None else str(refund_id),
            actor=None if actor is None else actor.user_id,
        )
        branch_id = order.branch_id

        async def announce() -> None:
            await hot.announce(self.keys, self.lua, self.bus, branch_id=branch_id, event=event, change=change)

        self.session.on_commit(announce)

    def _queue_invoice(self, order_id: uuid.UUID) -> None:
        job = jobs.invoice(self.keys, order_id)

        async def enqueue() -> None:
            await jobs.enqueue_quietly(self.redis, self.keys, job)

        self.session.on_commit(enqueue)


class Tender(msgspec.Struct, frozen=True, kw_only=True):
    amount: Decimal
    rounding: Decimal
    tendered: Decimal | None
    change_due: Decimal | None


def _tender(
    *, method: str, amount: Decimal, tendered: Decimal | None, balance: Decimal, step: Decimal, exponent: int
) -> Tender:
    """What a tender pays off, what the customer hands over, and the change.

    Non-cash: the amount itself, never above the balance. Cash settles the balance when it reaches it or
    the balance rounded to the branch's cash step; the customer then pays that rounded figure, `amount` is
    the balance and `rounding` the difference. A cash amount above what is due without `tendered` is read
    as the money handed over.
    """
    if method != "cash":
        if amount > balance:
            raise unprocessable(
                "amount", _("is above the balance %(balance)s", balance=money(balance, exponent))
            )
        return Tender(amount=amount, rounding=ZERO, tendered=None, change_due=None)
    due = round_cash(balance, step)
    if amount >= balance or amount >= due:
        paid, pay = balance, due
    else:
        paid, pay = amount, amount
    handed = tendered if tendered is not None else (amount if amount > pay else None)
    if handed is not None and handed < pay:
        raise unprocessable("tendered", _("must cover the %(pay)s due", pay=money(pay, exponent)))
    change = None if handed is None else handed - pay
    # payments.tendered >= amount holds in the table; exact cash for a balance rounded down (10.00 for
    # 10.02) is below `amount`, so it is recorded as no tender with no change (paid = amount + rounding).
    stored = handed if handed is None or handed >= paid else None
    return Tender(
        amount=paid,
        rounding=pay - paid,
        tendered=stored,
        change_due=change,
    )

"""Card actions on the board: cancel with the money decided, and transfer to another branch.

Cancelling is a move of the state machine like any other, through the door; what this adds is the rule the
table cannot hold — money already taken needs a decision (refund or keep) — and the audit entry. The
generic transitions endpoint sends a cancel here (the `CANCELS` port), so there is no back door around the
decision. A transfer is a cancel of the original plus a re-priced copy in the target branch, linked both ways.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from litestar.exceptions import NotFoundException, PermissionDeniedException, ServiceUnavailableException
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.cache import CATALOG
from app.db.models import Branch, Order
from app.events import Announcement, Outbox
from app.events import orders as order_events
from app.lib import audit
from app.lib.deps import Port, ScopedService
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _
from app.lib.labels import payment_code, state_code
from app.lib.redis import hmget
from app.orders import hot, pricing
from app.orders._announce import announce_new
from app.orders._create import OrderWriter, request_hash
from app.orders._reads import order_out
from app.orders.actions.schemas import CancelOut, CancelRefund, TransferOut
from app.orders.door import Door, Move, Moved, MoveRefusedError
from app.orders.lookups import (
    branch_of,
    check_own_delivery,
    customer_of,
    exponent_of,
    refusal,
    reply_refusal,
)
from app.orders.machine import TransitionReply
from app.orders.schemas import DeliveryIn, LineIn, OrderCreate, TransitionIn, TransitionOut
from app.orders.states import SYSTEM, TERMINAL, Channel, State, rule_for

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from app.db.session import Session
    from app.lib.deps import Scope

log = logging.getLogger(__name__)

# Payment statuses that mean the shop holds the customer's money: cancelling needs a decision about it.
MONEY_TAKEN = frozenset({"paid", "partially_paid"})
# Only an order the kitchen has not started moves between branches: nothing cooked is thrown away.
TRANSFERABLE = frozenset({State.RECEIVED.value, State.SCHEDULED.value})
# A cancel without an expected_version re-reads and retries when an unrelated move (a ticket started)
# made its read stale; each retry follows a real change of the order, so a handful is plenty.
MAX_CANCEL_TRIES = 5


def _text(value: bytes | None) -> str | None:
    return value.decode() if value is not None else None


class MoneyBack(Protocol):
    """Giving back the money taken on an order (app/payments/flows.py, bound in app/wiring.py): the orders
    package holds no money rules of its own."""

    async def plan(self, *, order_id: uuid.UUID, amount: object | None, actor: SessionUser) -> Decimal:
        """Before the cancel moves anything: what will go back — `amount`, or everything taken. Malformed
        or above what was paid: a 422 naming `refund_amount`."""
        ...

    async def give_back(
        self, *, order_id: uuid.UUID, amount: Decimal, reason: str, actor: SessionUser, key: str
    ) -> list[CancelRefund]:
        """Write the refunds in the session's open transaction (the cancel's follow-up, which the door
        commits with the cancel's audit row); `key` makes their ids. A gateway refusing is reported as a
        failed refund, never raised: the order is cancelled by then."""
        ...


MONEY_BACK: Port[MoneyBack] = Port("money back")


class OrderActions(ScopedService):
    def __init__(self, scope: Scope) -> None:
        super().__init__(scope)
        self.door = scope.get(Door)

    @property
    def writer(self) -> OrderWriter:
        return OrderWriter(self.session, self.redis, self.keys, self.scope.lua)

    # ------------------------------------------------------------------ cancel

    async def cancel_move(
        self, *, order_id: uuid.UUID, request: TransitionIn, actor: SessionUser
    ) -> TransitionOut:
        """A cancel asked for through the generic endpoint, which has no `refund` field: a paid order is
        refused there with a pointer to the cancel action, which asks for the decision."""
        out = await self.cancel(
            order_id=order_id,
            reason=request.reason,
            refund=None,
            refund_amount=None,
            expected_version=request.expected_version,
            actor=actor,
        )
        return TransitionOut(
            order_id=out.order_id,
            from_state=out.from_state,
            state=out.state,
            version=out.version,
            event_id=out.event_id,
        )

    async def cancel(
        self,
        *,
        order_id: uuid.UUID,
        reason: str | None,
        refund: bool | None,
        expected_version: int | None,
        actor: SessionUser,
        refund_amount: object | None = None,
        transferred_to: tuple[uuid.UUID, int] | None = None,
    ) -> CancelOut:
        """Cancel an open order (manager). Refused once it is out for delivery (the table), and while money
        taken on it has no decision (409 until the request says `refund`: true or false).

        The decision is checked against the order as read and the move is made with that read's version,
        so a change in between (a payment, a ticket started) makes the move stale instead of slipping past
        the check; without a caller's expected_version the read and the check are simply repeated.

        With refund: true the money goes back through the payments part (the `MONEY_BACK` port) in the
        cancel's follow-up transaction, after the move: checked before it (a 422 above what was paid), written
        once the order is cancelled. That order is deliberate: a refund made first could be followed by a
        refused move (the order changed meanwhile), leaving the customer refunded for an order still being
        made; made after, the worst case is a cancelled order still holding money, which the answer and the
        audit row say and a manager refunds again from the board.
        """
        if refund_amount is not None and refund is not True:
            raise unprocessable("refund_amount", _("only a cancel with refund: true gives money back"))
        branch_id = await branch_of(self.session, self.redis, self.keys, order_id, actor)
        if actor.roles == ("courier",):
            await check_own_delivery(
                self.session, self.redis, self.keys, order_id, branch_id=branch_id, actor=actor
            )
        # Give the connection back before Redis and the journal; the audit opens a fresh transaction.
        await self.scope.release()
        order_key = self.keys.order(branch_id, str(order_id))
        decided: list[Announcement] = []
        refunds: list[CancelRefund] = []
        after_status: list[str] = []
        for _unused in range(MAX_CANCEL_TRIES):
            raw_state, raw_version, raw_payment = await hmget(
                self.redis, order_key, "state", "version", "payment_status"
            )
            state, payment = _text(raw_state), _text(raw_payment) or "unpaid"
            if state is None or raw_version is None:
                raise await reply_refusal(
                    self.session, TransitionReply("notfound"), order_id=order_id, target="cancelled"
                )
            version = int(raw_version)
            # A caller's stale version is answered as such by the machine, before any other rule.
            if expected_version is None or expected_version == version:
                self._check_cancel(
                    state=state, version=version, payment=payment, reason=reason, refund=refund, actor=actor
                )
            decision = refund if payment in MONEY_TAKEN else None
            to_refund = None
            if decision:
                to_refund = await self.scope.port(MONEY_BACK).plan(
                    order_id=order_id, amount=refund_amount, actor=actor
                )
                await self.scope.release()
            try:
                [moved] = await self.door.move(
                    Move(
                        branch_id=branch_id,
                        order_ids=(order_id,),
                        to=State.CANCELLED,
                        roles=actor.roles,
                        actor=actor.user_id,
                        expected_version=version if expected_version is None else expected_version,
                        reason=reason,
                    ),
                    after=self._audit_cancel(
                        branch_id=branch_id,
                        reason=reason or "",
                        payment=payment,
                        refund=decision,
                        actor=actor,
                        transferred_to=transferred_to,
                        decided=decided,
                        to_refund=to_refund,
                        refunds=refunds,
                        after_status=after_status,
                    ),
                )
                break
            except MoveRefusedError as refused:
                reply = refused.reply
                if (
                    expected_version is None
                    and reply.outcome == "conflict"
                    and reply.detail == "stale_version"
                ):
                    continue
                raise await refusal(self.session, refused) from None
        else:
            raise conflict(
                _("The order kept changing while it was being cancelled; try again"),
                state=reply.state,
                version=reply.version,
                reason="stale_version",
            )
        return CancelOut(
            order_id=order_id,
            from_state=moved.from_state,
            state=State.CANCELLED.value,
            version=moved.version,
            event_id=moved.event_id,
            payment_status=after_status[-1] if after_status else payment,
            refund=decision,
            decision_event_id=decided[0].event_id if decided else None,
            refunded=None
            if to_refund is None
            # Zero at the planned amount's decimals (the currency's), so "0.00" rather than "0".
            else sum((r.amount for r in refunds if r.status == "refunded"), Decimal(0).quantize(to_refund)),
            refunds=refunds,
        )

    @staticmethod
    def _check_cancel(
        *,
        state: str,
        version: int,
        payment: str,
        reason: str | None,
        refund: bool | None,
        actor: SessionUser,
    ) -> None:
        rule = rule_for(State(state), State.CANCELLED)
        if rule is None:
            # Illegal from here (out for delivery, finished): the machine's own 409 says so, with the state.
            return
        if not actor.has_role(*(rule.roles - {SYSTEM})):
            raise PermissionDeniedException(
                detail=_(
                    "Your role may not move an order from %(state)s to cancelled", state=state_code(state)
                )
            )
        if not reason:
            raise unprocessable("reason", _("moving to cancelled needs reason"))
        if payment in MONEY_TAKEN and refund is None:
            raise conflict(
                _(
                    "%(payment)s: decide whether to refund (cancel with refund: true or false)",
                    payment=payment_code(payment),
                ),
                state=state,
                version=version,
                reason="refund_decision",
                payment_status=payment,
            )
        if payment not in MONEY_TAKEN and refund:
            raise unprocessable(
                "refund",
                _("the order is %(payment)s: there is no money to refund", payment=payment_code(payment)),
            )

    def _audit_cancel(
        self,
        *,
        branch_id: int,
        reason: str,
        payment: str,
        refund: bool | None,
        actor: SessionUser,
        transferred_to: tuple[uuid.UUID, int] | None,
        decided: list[Announcement],
        to_refund: Decimal | None = None,
        refunds: list[CancelRefund] | None = None,
        after_status: list[str] | None = None,
    ) -> Any:
        """The cancel's audit entry (with the money decision, the refunds and the stock that went back),
        and the decision itself announced when there is more to say than the state change."""

        async def step(session: Session, moved: Sequence[Moved], news: Outbox) -> None:
            for m in moved:
                made: list[CancelRefund] = []
                if to_refund is not None:
                    made = await self.scope.port(MONEY_BACK).give_back(
                        order_id=m.order_id,
                        amount=to_refund,
                        reason=f"order cancelled: {reason}",
                        actor=actor,
                        key=m.event_id,
                    )
                    if refunds is not None:
                        refunds.extend(made)
                # What the order holds now: the refunds moved it (the decision event must not say "paid"
                # after the money went back, or a board would undo what `payment.refunded` showed).
                now = payment
                if made:
                    now = (
                        await session.scalar(select(Order.payment_status).where(Order.id == m.order_id))
                    ) or payment
                    if after_status is not None:
                        after_status.append(now)
                data: dict[str, Any] = {
                    "reason": reason,
                    "from": m.from_state,
                    "version": m.version,
                    "event_id": m.event_id,
                    "payment_status": payment,
                }
                if refund is not None:
                    data["refund"] = refund
                if to_refund is not None:
                    data["refund_amount"] = str(to_refund)
                    data["payment_status_after"] = now
                    data["refunds"] = [
                        {
                            "payment_id": str(r.payment_id),
                            "refund_id": None if r.refund_id is None else str(r.refund_id),
                            "method": r.method,
                            "amount": str(r.amount),
                            "status": r.status,
                            "detail": r.detail,
                        }
                        for r in made
                    ]
                if transferred_to is not None:
                    data["transferred_to"] = str(transferred_to[0])
                    data["transferred_to_branch"] = transferred_to[1]
                if "stock_returned" in m.notes:
                    data["stock_returned"] = m.notes["stock_returned"]
                audit.record(
                    session,
                    action="order.cancel",
                    entity_type="order",
                    entity_id=m.order_id,
                    actor_user_id=actor.user_id,
                    branch_id=branch_id,
                    data=data,
                )
                if refund is not None or transferred_to is not None:
                    decided.append(
                        news.add(
                            branch_id,
                            order_events.CANCEL_DECIDED,
                            order_events.CancelDecided(
                                order_id=str(m.order_id),
                                state=State.CANCELLED.value,
                                reason=reason,
                                payment_status=now,
                                refund=refund,
                                transferred_to=str(transferred_to[0]) if transferred_to else None,
                                transferred_to_branch=transferred_to[1] if transferred_to else None,
                                actor=actor.user_id,
                            ),
                            order_id=str(m.order_id),
                        )
                    )

        return step

    # ------------------------------------------------------------------ transfer

    async def transfer(
        self, *, order_id: uuid.UUID, branch_id: int, expected_version: int | None, actor: SessionUser
    ) -> TransferOut:
        """Move an order the kitchen has not started to another branch (manager of both).

        Everything that can refuse is checked first — the target, the state, the money, pricing at the
        target — so the cancel of the original is the last thing that can say no. Then the copy is created
        (re-priced, tokened and ticketed in the target branch, as any new order) and announced with
        `transferred_from`; both orders' audit entries name each other.
        """
        original = await self.session.get(Order, order_id, options=[selectinload(Order.lines)])
        if original is None or not actor.can_see_branch(original.branch_id):
            raise NotFoundException(detail=_("Order not found"))
        if not actor.has_role("manager"):
            raise PermissionDeniedException(detail=_("Transferring an order needs the manager role"))
        source_branch = original.branch_id
        if branch_id == source_branch:
            raise unprocessable("branch_id", _("the order is already in this branch"))
        target = await self.session.get(Branch, branch_id)
        if target is None or not target.active or not actor.can_see_branch(target.id):
            # Same answer as creating an order in a branch you cannot see: it is no branch of yours.
            raise unprocessable("branch_id", _("unknown branch %(branch_id)s", branch_id=branch_id))
        # Read now: the cancel below rolls the session back, which expires every loaded row.
        target_name, target_exponent = target.name, target.currency_exponent
        total_before = hot.money_text(original.total, await exponent_of(self.session, source_branch))

        state, version = await self._transferable(original, expected_version)
        request = self._copy_request(original, target.id)
        await self._check_prices(request, target)
        new_id = request.id

        cancelled = await self.cancel(
            order_id=order_id,
            reason=f"transferred to {target_name}",
            refund=None,
            expected_version=version,
            actor=actor,
            transferred_to=(new_id, branch_id),
        )
        try:
            order, lines, tickets, customer = await self.writer.insert(request, request_hash(request), actor)
        except Exception:
            # The original is cancelled already; the audit entry of that cancel names the copy that failed
            # here, so the order can be re-entered at the target by hand.
            log.exception(
                "transfer: original cancelled, copy not created",
                extra={"order_id": str(order_id), "new_order_id": str(new_id), "branch_id": branch_id},
            )
            raise
        audit.record(
            self.session,
            action="order.transfer",
            entity_type="order",
            entity_id=order.id,
            actor_user_id=actor.user_id,
            branch_id=branch_id,
            data={
                "from_order": str(order_id),
                "from_branch": source_branch,
                "from_state": state,
                "total_before": total_before,
                "total": hot.money_text(order.total, target_exponent),
            },
        )
        audit.record(
            self.session,
            action="order.transfer",
            entity_type="order",
            entity_id=order_id,
            actor_user_id=actor.user_id,
            branch_id=source_branch,
            data={"to_order": str(order.id), "to_branch": branch_id, "cancel_event_id": cancelled.event_id},
        )
        await self.session.commit()
        await announce_new(
            self.door.machine,
            self.bus,
            order,
            lines,
            tickets,
            customer=customer,
            exponent=target_exponent,
            transferred_from=(order_id, source_branch),
        )
        return TransferOut(
            order_id=order_id,
            new_order_id=order.id,
            branch_id=branch_id,
            token=order.token,
            cancelled=cancelled,
            order=order_out(order, lines, tickets, exponent=target_exponent),
        )

    async def _transferable(self, original: Order, expected_version: int | None) -> tuple[str, int]:
        """The live (state, version) of an order that may move between branches, or the 409 saying why not."""
        raw_state, raw_version, raw_payment = await hmget(
            self.redis,
            self.keys.order(original.branch_id, str(original.id)),
            "state",
            "version",
            "payment_status",
        )
        if raw_state is None or raw_version is None:
            if original.state in TERMINAL:
                raise conflict(
                    _(
                        "The order is %(state)s; only an order not yet started can be transferred",
                        state=state_code(original.state),
                    ),
                    state=original.state,
                    version=original.version,
                    reason="illegal",
                )
            log.error("order missing from the hot state", extra={"order_id": str(original.id)})
            raise ServiceUnavailableException(
                detail=_("This order's live state is missing; run `passline rebuild`")
            )
        state, version = raw_state.decode(), int(raw_version)
        if expected_version is not None and expected_version != version:
            raise conflict(
                _(
                    "The order changed meanwhile: it is now %(state)s, version %(version)s",
                    state=state_code(state),
                    version=version,
                ),
                state=state,
                version=version,
                reason="stale_version",
            )
        if state not in TRANSFERABLE:
            raise conflict(
                _(
                    "The order is %(state)s; only an order the kitchen has not started can be transferred",
                    state=state_code(state),
                ),
                state=state,
                version=version,
                reason="started" if state not in TERMINAL else "illegal",
            )
        payment = _text(raw_payment) or "unpaid"
        if payment in MONEY_TAKEN:
            # The copy is re-priced and unpaid at the target; money taken here cannot follow it yet.
            raise conflict(
                _(
                    "%(payment)s: money was taken on this order in its branch; refund it before transferring",
                    payment=payment_code(payment),
                ),
                state=state,
                version=version,
                reason="paid",
                payment_status=payment,
            )
        return state, version

    @staticmethod
    def _copy_request(original: Order, target_branch: int) -> OrderCreate:
        """The original as a new order for the target branch: same lines (re-priced from the target's price
        lists; a manual rate does not travel), customer, delivery details, table and notes; a new id."""
        delivery = None
        if original.delivery_address is not None and original.territory_id is not None:
            delivery = DeliveryIn(
                address=original.delivery_address,
                territory_id=original.territory_id,
                slot_start=original.slot_start,
                slot_end=original.slot_end,
            )
        return OrderCreate(
            id=uuid.uuid4(),
            branch_id=target_branch,
            channel=Channel(original.channel),
            lines=[
                LineIn(
                    product_id=line.product_id,
                    qty=line.qty,
                    unit=line.unit,
                    price_list=line.price_list,  # type: ignore[arg-type]  # checked by the lines table
                    note=line.note,
                )
                for line in sorted(original.lines, key=lambda item: item.line_no)
            ],
            customer_id=original.customer_id,
            delivery=delivery,
            table_label=original.table_label,
            note=original.note,
        )

    async def _check_prices(self, request: OrderCreate, target: Branch) -> None:
        """Price the copy at the target without writing anything, so a product the target does not sell is a
        422 before the original is touched."""
        # The same catalog reads `_insert` prices from, so this check and the copy cannot disagree.
        await CATALOG.check(self.redis, self.keys)
        await self.writer.territory(request)
        await customer_of(self.session, request.customer_id)
        products = await CATALOG.products(
            self.session, target.id, {line.product_id for line in request.lines}
        )
        customer_prices = await self.writer.customer_prices(request)
        try:
            pricing.price_lines(
                [
                    pricing.LineRequest(
                        product_id=line.product_id,
                        qty=line.qty,
                        unit=line.unit,
                        price_list=line.price_list,
                        unit_price=None,
                        note=line.note,
                    )
                    for line in request.lines
                ],
                products,
                currency_exponent=target.currency_exponent,
                prices_include_tax=target.prices_include_tax,
                customer_prices=customer_prices,
            )
        except pricing.PricingError as exc:
            raise unprocessable(
                "branch_id",
                _("%(target)s cannot take this order: %(message)s", target=target.name, message=exc.message),
            ) from exc

"""Money events: tenders taken, voided and refunded; invoices issued; courier cash settled.

`payment.*` are written by app/payments/lua/payment_status.lua, which also copies the order's payment status
into its hot hash in the same atomic step; the payload is encoded here.
"""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType


class PaymentChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """Data of `payment.collected`, `payment.voided` and `payment.refunded` (kanban and POS only).

    `amount` is what moved: the tender (collected), the tender given back (voided), or the refund.
    `seq` is the order's payment sequence after the change: a page keeps the status of the highest seq.
    """

    order_id: str
    payment_id: str
    method: str
    amount: str
    payment_status: str
    paid_total: str
    balance: str
    seq: int
    token: int | None
    rounding: str = "0"
    change_due: str | None = None
    refund_id: str | None = None
    actor: int | None = None


class InvoiceIssued(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """`invoice.issued` (boards and tills): an original invoice, or an amendment (`amends` set)."""

    order_id: str
    invoice_id: str
    number: str
    total: str
    kind: str = "invoice"
    amends: str | None = None


class SettlementCompleted(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`settlement.completed`: cash squared between a courier and the branch. `net` > 0: the courier paid
    the branch; < 0: the branch paid the courier (`owed_by` says who paid). For an ordinary settlement
    `net` = collections - fees - shortfalls."""

    settlement_id: str
    courier_id: int
    branch_id: int
    kind: str  # dispatch / single / bulk
    net: str
    owed_by: str  # courier / branch / none
    collections: str
    fees: str
    transactions: int
    transaction_ids: list[int]
    note: str
    # Cash charged to the courier but not collected (short collections), owed back to them.
    shortfalls: str = "0"
    order_id: str | None = None  # a settlement made by a dispatch or a return names its order
    actor: int | None = None


# Money is staff business: never the kitchen, the TV or a courier's page — except a courier's own
# settlement, which is their cash (routed to their room only).
_STAFF = {Audience.BOARD: FULL, Audience.TILL: FULL}
PAYMENT_COLLECTED = EventType("payment.collected", PaymentChanged, views=_STAFF)
PAYMENT_VOIDED = EventType("payment.voided", PaymentChanged, views=_STAFF)
PAYMENT_REFUNDED = EventType("payment.refunded", PaymentChanged, views=_STAFF)
INVOICE_ISSUED = EventType("invoice.issued", InvoiceIssued, views=_STAFF)
SETTLEMENT_COMPLETED = EventType(
    "settlement.completed", SettlementCompleted, views={**_STAFF, Audience.COURIER: FULL}
)

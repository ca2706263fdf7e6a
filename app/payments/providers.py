"""Payment providers: who actually moves the money for a tender (docs/payments.md).

The till keys most tenders in itself (`manual`): the cash is in the drawer, the card terminal printed its
slip, the wallet app showed "paid". A gateway that sends the customer to a payment page and confirms by
webhook implements the same `PaymentProvider` protocol:

1. `start(payment)` is called inside the payment's transaction, before it commits. A provider that
   captures at once returns `ProviderStart(status="captured")`; a redirect gateway creates its session
   and returns `status="pending"` with the `redirect_url` the till shows (QR code or link). A pending
   payment does not count toward `paid_total` until confirmed.
2. `handle_webhook(body, headers)` verifies the gateway's signature and says what happened
   (`ProviderEvent`: captured / failed / refunded, with our payment id). The payments service then
   confirms or fails the pending payment under the order's row lock, as if the till had keyed it in.
3. `refund(...)` asks the gateway to give money back; it is called before the refund row commits, so a
   refused refund leaves nothing behind.

Only `manual` ships; a gateway is added with `register(...)` (its webhooks arrive at
`POST /api/v1/payments/webhooks/{name}`). Providers keep no per-payment state between calls; anything they
need to remember goes in `payments.provider_ref`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from app.lib.i18n import _


class ProviderError(Exception):
    """The provider refused or could not be reached; the payment or refund is not recorded."""


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What a provider is told about a tender being started."""

    payment_id: uuid.UUID
    order_id: uuid.UUID
    branch_id: int
    method: str
    amount: Decimal
    currency: str
    reference: str | None


@dataclass(frozen=True, slots=True)
class ProviderStart:
    status: Literal["captured", "pending"]
    provider_ref: str | None = None
    # Where to send the customer (pending only).
    redirect_url: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A verified webhook, translated: which of our payments, and what became of it."""

    payment_id: uuid.UUID
    kind: Literal["captured", "failed", "refunded"]
    provider_ref: str | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ProviderRefund:
    provider_ref: str | None = None


class PaymentProvider(Protocol):
    name: str

    async def start(self, payment: PaymentRequest) -> ProviderStart: ...

    async def handle_webhook(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent: ...

    async def refund(
        self, *, payment: PaymentRequest, provider_ref: str | None, refund_id: uuid.UUID, amount: Decimal
    ) -> ProviderRefund: ...


class ManualProvider:
    """Tenders the cashier keys in: captured the moment they are recorded; refunds are handed back by hand."""

    name = "manual"

    async def start(self, payment: PaymentRequest) -> ProviderStart:
        return ProviderStart(status="captured", provider_ref=None)

    async def handle_webhook(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        msg = _("the manual provider receives no webhooks")
        raise ProviderError(msg)

    async def refund(
        self, *, payment: PaymentRequest, provider_ref: str | None, refund_id: uuid.UUID, amount: Decimal
    ) -> ProviderRefund:
        return ProviderRefund(provider_ref=None)


MANUAL = ManualProvider()
# Registered providers by name (the webhook route's `{provider}`), and which one takes each method. With
# no gateway configured every method is keyed in at the till (`manual`).
PROVIDERS: dict[str, PaymentProvider] = {MANUAL.name: MANUAL}
METHOD_PROVIDERS: dict[str, str] = {}


def register(provider: PaymentProvider, *, methods: tuple[str, ...] = ()) -> None:
    """Make a gateway known (for its webhooks) and, for `methods`, the one that takes them."""
    PROVIDERS[provider.name] = provider
    for method in methods:
        METHOD_PROVIDERS[method] = provider.name


def provider_for(method: str) -> PaymentProvider:
    return PROVIDERS[METHOD_PROVIDERS.get(method, MANUAL.name)]

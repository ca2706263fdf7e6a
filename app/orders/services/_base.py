"""Shared state and helpers of the order service: catalog look-ups for pricing, tokens, the ticket split,
the Redis announcement, and the order's response shape.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.exceptions import NotFoundException
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.models import (
    Courier,
    Customer,
    CustomerPhone,
    CustomerPrice,
    KitchenTicket,
    Order,
    OrderLine,
)
from app.lib.errors import unprocessable
from app.lib.redis import hget, hmget
from app.orders import events as ev
from app.orders import hot, pricing
from app.orders.catalog_cache import CATALOG, TerritoryInfo
from app.orders.machine import OrderMachine, TicketSpec
from app.orders.schemas import (
    DeliveryOut,
    LineOut,
    OrderCreate,
    OrderOut,
    TicketOut,
    TotalsOut,
)
from app.orders.states import (
    TOKEN_CHANNELS,
    Channel,
    State,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.redis import Keys
    from app.orders.journal import EventJournal

log = logging.getLogger(__name__)

TICKET_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-4c1e-8a52-3d0f6b9e2c11")
MANUAL_PRICE_ROLES = ("manager",)
LIST_LIMIT = 100
_order_decoder = msgspec.json.Decoder(dict[str, Any])


def ticket_id_for(order_id: uuid.UUID, station_code: str) -> uuid.UUID:
    return uuid.uuid5(TICKET_NAMESPACE, f"{order_id}:{station_code}")


# Fields added after orders were first stored: left out of the digest while unset, so a replay of an
# order created before they existed still matches its stored hash.
_LATER_ORDER_FIELDS = ("discount", "discount_reason", "pos_profile_id", "shift_id")
_LATER_LINE_FIELDS = ("discount", "discount_reason", "choices")


def request_hash(request: OrderCreate) -> str:
    """A digest of what the client asked for; equal numbers hash equal ("1.50" and "1.5")."""
    plain = msgspec.to_builtins(request, builtin_types=(Decimal,))
    for key in _LATER_ORDER_FIELDS:
        if plain.get(key) is None:
            plain.pop(key, None)
    for line in plain["lines"]:
        for key in _LATER_LINE_FIELDS:
            if not line.get(key):
                line.pop(key, None)
    canonical = json.dumps(plain, sort_keys=True, separators=(",", ":"), default=lambda d: str(d.normalize()))
    return hashlib.sha256(canonical.encode()).hexdigest()


class OrderServiceBase:
    """State and helpers shared by the order service's parts."""

    def __init__(
        self,
        *,
        session: AsyncSession,
        redis: Redis,
        keys: Keys,
        machine: OrderMachine,
        journal: EventJournal | None = None,
    ) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.machine = machine
        # Without a journal (worker, CLI) transitions reach PostgreSQL through the persister only.
        self.journal = journal

    @property
    def engine(self) -> AsyncEngine:
        bind = self.session.bind
        assert isinstance(bind, AsyncEngine)
        return bind

    async def _customer(self, customer_id: int | None) -> tuple[Customer, str | None] | None:
        """The customer and their primary phone (the card and the kanban show both)."""
        if customer_id is None:
            return None
        customer = await self.session.get(Customer, customer_id)
        if customer is None:
            raise unprocessable("customer_id", f"unknown customer {customer_id}")
        phone = await self.session.scalar(
            select(CustomerPhone.phone)
            .where(CustomerPhone.customer_id == customer_id)
            .order_by(CustomerPhone.is_primary.desc(), CustomerPhone.id)
            .limit(1)
        )
        return customer, phone

    async def _territory(self, request: OrderCreate) -> TerritoryInfo | None:
        if request.delivery is None:
            return None
        territory = await CATALOG.territory(self.session, request.delivery.territory_id)
        if territory is None or not territory.active:
            raise unprocessable("delivery.territory_id", f"unknown territory {request.delivery.territory_id}")
        return territory

    async def _customer_prices(self, request: OrderCreate) -> dict[tuple[int, str], Decimal]:
        if request.customer_id is None or not any(line.price_list == "customer" for line in request.lines):
            if any(line.price_list == "customer" for line in request.lines):
                raise unprocessable("customer_id", "the customer price list needs a customer")
            return {}
        rows = await self.session.execute(
            select(CustomerPrice.product_id, CustomerPrice.unit, CustomerPrice.price).where(
                CustomerPrice.customer_id == request.customer_id
            )
        )
        return {(product_id, unit): price for product_id, unit, price in rows}

    async def _next_token(self, branch_id: int, business_date: dt.date, channel: Channel) -> int | None:
        if channel not in TOKEN_CHANNELS:
            return None
        token = await self.session.scalar(
            text(
                "INSERT INTO order_token_counters (branch_id, business_date, last_token) "
                "VALUES (:branch_id, :business_date, 1) "
                "ON CONFLICT (branch_id, business_date) "
                "DO UPDATE SET last_token = order_token_counters.last_token + 1 "
                "RETURNING last_token"
            ),
            {"branch_id": branch_id, "business_date": business_date},
        )
        return int(token) if token is not None else None

    @staticmethod
    def _split_tickets(order: Order, lines: Sequence[OrderLine]) -> list[KitchenTicket]:
        stations: list[str] = []
        for line in hot.kitchen_lines(lines):
            if line.station_code not in stations:
                stations.append(line.station_code)
        return [
            KitchenTicket(
                id=ticket_id_for(order.id, station),
                order_id=order.id,
                branch_id=order.branch_id,
                station_code=station,
                state="queued",
                rush=False,
            )
            for station in stations
        ]

    # ------------------------------------------------------------------ announce (Redis, after commit)

    async def _exponent(self, branch_id: int) -> int:
        """The branch currency's decimals."""
        branch = await CATALOG.branch(self.session, branch_id)
        return branch.currency_exponent if branch is not None else 2

    async def _announce(
        self,
        order: Order,
        lines: Sequence[OrderLine],
        tickets: Sequence[KitchenTicket],
        *,
        customer: tuple[Customer, str | None] | None = None,
    ) -> None:
        if customer is None and order.customer_id is not None:
            customer = await self._customer(order.customer_id)
        who, phone = customer if customer is not None else (None, None)
        exponent = await self._exponent(order.branch_id)
        created = hot.order_created(
            order,
            lines,
            customer=ev.CustomerRef(id=who.id, name=who.name, phone=phone) if who else None,
            exponent=exponent,
        )
        await self.machine.init_order(
            branch_id=order.branch_id,
            order_id=str(order.id),
            state=State(order.state),
            fields=hot.hash_fields(order, customer_name=who.name if who else None, exponent=exponent),
            created=ev.encoder.encode(created).decode(),
            tickets=self.ticket_specs(order, lines, tickets),
        )

    @staticmethod
    def ticket_specs(
        order: Order, lines: Sequence[OrderLine], tickets: Sequence[KitchenTicket]
    ) -> list[TicketSpec]:
        return [
            TicketSpec(
                str(ticket.id),
                ticket.station_code,
                ev.encoder.encode(hot.ticket_created(order, lines, ticket)).decode(),
            )
            for ticket in tickets
        ]

    async def _tickets(self, order_id: uuid.UUID) -> list[KitchenTicket]:
        return list(
            (
                await self.session.scalars(
                    select(KitchenTicket)
                    .where(KitchenTicket.order_id == order_id)
                    .order_by(KitchenTicket.station_code)
                )
            ).all()
        )

    async def _with_hot_state(self, out: OrderOut) -> OrderOut:
        """PostgreSQL's state trails Redis by the persister's lag; answer with the live one."""
        state, version = await hmget(
            self.redis, self.keys.order(out.branch_id, str(out.id)), "state", "version"
        )
        if state is not None and version is not None and int(version) >= out.version:
            out.state, out.version = state.decode(), int(version)
        return out

    def _out(
        self, order: Order, lines: Sequence[OrderLine], tickets: Sequence[KitchenTicket], *, exponent: int
    ) -> OrderOut:
        def cash(value: Decimal) -> Decimal:
            return pricing.money(value, exponent)

        return OrderOut(
            id=order.id,
            branch_id=order.branch_id,
            channel=order.channel,
            state=order.state,
            version=order.version,
            token=order.token,
            business_date=order.business_date,
            payment_status=order.payment_status,
            totals=TotalsOut(
                subtotal=cash(order.subtotal),
                tax=cash(order.tax_total),
                delivery_charge=cash(order.delivery_charge),
                total=cash(order.total),
            ),
            # A just-created order is a plain object whose server-default columns are unset (None).
            paid_total=cash(order.paid_total or Decimal(0)),
            balance=cash(max(order.total - (order.paid_total or Decimal(0)), Decimal(0))),
            customer_id=order.customer_id,
            table_label=order.table_label,
            note=order.note,
            delivery=(
                DeliveryOut(
                    address=order.delivery_address,
                    territory_id=order.territory_id,
                    slot_start=order.slot_start,
                    slot_end=order.slot_end,
                    courier_id=order.courier_id,
                )
                if order.delivery_address is not None
                else None
            ),
            lines=[
                LineOut(
                    line_no=line.line_no,
                    product_id=line.product_id,
                    name=line.name,
                    qty=line.qty,
                    unit=line.unit,
                    unit_factor=line.unit_factor,
                    price_list=line.price_list,
                    unit_price=cash(line.unit_price),
                    tax_rate=line.tax_rate,
                    discount=cash(line.discount),
                    line_subtotal=cash(line.line_subtotal),
                    line_tax=cash(line.line_tax),
                    line_total=cash(line.line_total),
                    station_code=line.station_code,
                    note=line.note,
                    parent_line_no=line.parent_line_no,
                    discount_reason=line.discount_reason,
                )
                for line in sorted(lines, key=lambda item: item.line_no)
            ],
            tickets=[TicketOut(id=t.id, station_code=t.station_code, state=t.state) for t in tickets],
            created_at=order.created_at,
            discount=cash(order.discount),
            discount_reason=order.discount_reason,
            pos_profile_id=order.pos_profile_id,
            shift_id=order.shift_id,
        )

    async def _check_own_delivery(self, order_id: uuid.UUID, branch_id: int, actor: SessionUser) -> None:
        """A courier sees and moves only their own deliveries; anyone else's is a 404."""
        mine = await self.session.scalar(select(Courier.id).where(Courier.user_id == actor.user_id))
        assigned = await hget(self.redis, self.keys.order(branch_id, str(order_id)), "courier_id")
        if mine is None or assigned is None or int(assigned) != mine:
            raise NotFoundException(detail="Order not found")

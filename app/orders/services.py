"""Order rules: create (priced, persisted, tokened, ticketed, announced), offline replay, transitions, reads.

Only this service changes orders and emits their events, and only after PostgreSQL has committed: the
order row exists before Redis announces it, so a persisted event never points at a missing order.
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
from zoneinfo import ZoneInfo

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException, ServiceUnavailableException
from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.auth.guards import ensure_branch_visible
from app.db.models import (
    Branch,
    Courier,
    Customer,
    CustomerPhone,
    CustomerPrice,
    KitchenTicket,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductPrice,
    Territory,
)
from app.lib import audit
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.redis import hget, hmget, hset
from app.orders import events as ev
from app.orders import pricing
from app.orders.machine import OrderMachine, TicketSpec, TransitionReply
from app.orders.schemas import (
    BoardCard,
    BoardOut,
    DeliveryOut,
    EventOut,
    LineOut,
    OrderCreate,
    OrderOut,
    OrderPage,
    OrderSummary,
    SyncOut,
    SyncResult,
    TicketOut,
    TotalsOut,
    TransitionIn,
    TransitionOut,
)
from app.orders.states import (
    DISPATCH_CHANNELS,
    SYSTEM,
    TERMINAL,
    TOKEN_CHANNELS,
    Channel,
    State,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.redis import Keys

log = logging.getLogger(__name__)

TICKET_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-4c1e-8a52-3d0f6b9e2c11")
MANUAL_PRICE_ROLES = ("manager",)
LIST_LIMIT = 100
_order_decoder = msgspec.json.Decoder(dict[str, Any])


def ticket_id_for(order_id: uuid.UUID, station_code: str) -> uuid.UUID:
    return uuid.uuid5(TICKET_NAMESPACE, f"{order_id}:{station_code}")


def request_hash(request: OrderCreate) -> str:
    """A digest of what the client asked for; equal numbers hash equal ("1.50" and "1.5")."""
    plain = msgspec.to_builtins(request, builtin_types=(Decimal,))
    canonical = json.dumps(plain, sort_keys=True, separators=(",", ":"), default=lambda d: str(d.normalize()))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class OrderService:
    def __init__(self, *, session: AsyncSession, redis: Redis, keys: Keys, machine: OrderMachine) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.machine = machine

    # ------------------------------------------------------------------ create

    async def create(self, *, request: OrderCreate, actor: SessionUser) -> tuple[OrderOut, bool]:
        """Returns (the order, whether this call created it)."""
        digest = request_hash(request)
        existing = await self._existing(request, digest, actor)
        if existing is not None:
            return existing, False
        try:
            order, lines, tickets, customer = await self._insert(request, digest, actor)
        except IntegrityError:
            # Two replays of one offline sale raced; the loser answers like a retry.
            await self.session.rollback()
            existing = await self._existing(request, digest, actor)
            if existing is None:
                raise
            return existing, False
        await self._announce(order, lines, tickets, customer=customer)
        return self._out(order, lines, tickets), True

    async def _existing(self, request: OrderCreate, digest: str, actor: SessionUser) -> OrderOut | None:
        order = await self.session.get(Order, request.id, options=[selectinload(Order.lines)])
        if order is None:
            return None
        if order.request_hash != digest or not actor.can_see_branch(order.branch_id):
            raise conflict(
                "An order with this id already exists with different content", order_id=str(order.id)
            )
        tickets = await self._tickets(order.id)
        if order.state not in TERMINAL:
            # The first attempt may have committed and then lost Redis or its connection: finish it now.
            await self._announce(order, list(order.lines), tickets)
        return await self._with_hot_state(self._out(order, list(order.lines), tickets))

    async def _insert(
        self, request: OrderCreate, digest: str, actor: SessionUser
    ) -> tuple[Order, list[OrderLine], list[KitchenTicket], tuple[Customer, str | None] | None]:
        branch = await self.session.get(Branch, request.branch_id)
        if branch is None or not branch.active or not actor.can_see_branch(branch.id):
            raise unprocessable("branch_id", f"unknown branch {request.branch_id}")
        self._check_channel_fields(request)
        if any(line.unit_price is not None for line in request.lines) and not actor.has_role(
            *MANUAL_PRICE_ROLES
        ):
            raise PermissionDeniedException(detail="A manual unit_price needs the manager role")

        customer = await self._customer(request.customer_id)
        territory = await self._territory(request)
        products = await self._products(request, branch.id)
        customer_prices = await self._customer_prices(request)
        try:
            priced = pricing.price_lines(
                [
                    pricing.LineRequest(
                        product_id=line.product_id,
                        qty=line.qty,
                        unit=line.unit,
                        price_list=line.price_list,
                        unit_price=line.unit_price,
                        note=line.note,
                    )
                    for line in request.lines
                ],
                products,
                currency_exponent=branch.currency_exponent,
                prices_include_tax=branch.prices_include_tax,
                customer_prices=customer_prices,
            )
        except pricing.PricingError as exc:
            raise unprocessable(exc.field, exc.message) from exc
        charge = (
            territory.delivery_charge
            if territory is not None and request.channel == Channel.DELIVERY
            else Decimal(0)
        )
        totals = pricing.totals(priced, delivery_charge=charge, currency_exponent=branch.currency_exponent)

        now = dt.datetime.now(dt.UTC)
        zone = ZoneInfo(branch.timezone)
        slot_start = request.delivery.slot_start if request.delivery else None
        scheduled = slot_start is not None and slot_start - now > dt.timedelta(
            minutes=branch.schedule_lead_minutes
        )
        business_date = (slot_start if scheduled and slot_start else now).astimezone(zone).date()
        state = State.SCHEDULED if scheduled else State.RECEIVED

        order = Order(
            id=request.id,
            branch_id=branch.id,
            channel=request.channel.value,
            state=state.value,
            version=1,
            token=None,
            business_date=business_date,
            customer_id=request.customer_id,
            payment_status="unpaid",
            subtotal=totals.subtotal,
            tax_total=totals.tax,
            delivery_charge=totals.delivery_charge,
            total=totals.total,
            table_label=request.table_label,
            note=request.note,
            delivery_address=request.delivery.address if request.delivery else None,
            territory_id=territory.id if territory else None,
            slot_start=slot_start,
            slot_end=request.delivery.slot_end if request.delivery else None,
            request_hash=digest,
            created_by=actor.user_id,
        )
        lines = [
            OrderLine(
                order_id=request.id,
                line_no=p.line_no,
                product_id=p.product_id,
                name=p.name,
                qty=p.qty,
                unit=p.unit,
                unit_factor=p.unit_factor,
                price_list=p.price_list,
                unit_price=p.unit_price,
                tax_rate=p.tax_rate,
                discount=p.discount,
                line_subtotal=p.line_subtotal,
                line_tax=p.line_tax,
                line_total=p.line_total,
                station_code=p.station_code,
                note=p.note,
            )
            for p in priced
        ]
        self.session.add(order)
        self.session.add_all(lines)
        tickets: list[KitchenTicket] = []
        if not scheduled:
            order.token = await self._next_token(branch.id, business_date, request.channel)
            tickets = self._split_tickets(order, lines)
        # Tickets have no ORM relationship to their order, so the order row must be written first.
        await self.session.flush()
        self.session.add_all(tickets)
        order.created_at = now
        audit.record(
            self.session,
            action="order.create",
            entity_type="order",
            entity_id=order.id,
            actor_user_id=actor.user_id,
            branch_id=branch.id,
            data={
                "total": str(totals.total),
                "state": state.value,
                "channel": order.channel,
                "token": order.token,
            },
        )
        await self.session.commit()
        return order, lines, tickets, customer

    def _check_channel_fields(self, request: OrderCreate) -> None:
        if request.channel == Channel.DELIVERY and request.delivery is None:
            raise unprocessable("delivery", "a delivery order needs an address and a territory")
        if request.delivery is not None and request.channel not in DISPATCH_CHANNELS:
            raise unprocessable("delivery", f"a {request.channel.value} order has no delivery details")
        if request.delivery is not None:
            start, end = request.delivery.slot_start, request.delivery.slot_end
            if (start is None) != (end is None):
                raise unprocessable("delivery.slot_end", "give both slot_start and slot_end, or neither")
            if start is not None and end is not None and end < start:
                raise unprocessable("delivery.slot_end", "the slot ends before it starts")
        if request.table_label is not None and request.channel != Channel.DINE_IN:
            raise unprocessable("table_label", "only dine-in orders have a table")

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

    async def _territory(self, request: OrderCreate) -> Territory | None:
        if request.delivery is None:
            return None
        territory = await self.session.get(Territory, request.delivery.territory_id)
        if territory is None or not territory.active:
            raise unprocessable("delivery.territory_id", f"unknown territory {request.delivery.territory_id}")
        return territory

    async def _products(self, request: OrderCreate, branch_id: int) -> dict[int, pricing.ProductInfo]:
        ids = {line.product_id for line in request.lines}
        rows = (
            await self.session.scalars(
                select(Product).where(Product.id.in_(ids)).options(selectinload(Product.units))
            )
        ).all()
        price_rows = (
            await self.session.scalars(
                select(ProductPrice).where(
                    ProductPrice.product_id.in_(ids),
                    or_(ProductPrice.branch_id == branch_id, ProductPrice.branch_id.is_(None)),
                )
            )
        ).all()
        prices: dict[int, dict[tuple[str, str], Decimal]] = {}
        # All-branch prices first, then this branch's own, which overwrite them.
        for row in sorted(price_rows, key=lambda r: r.branch_id is not None):
            prices.setdefault(row.product_id, {})[(row.price_list, row.unit)] = row.price
        return {
            p.id: pricing.ProductInfo(
                id=p.id,
                name=p.name,
                base_unit=p.base_unit,
                tax_rate=p.tax_rate,
                station_code=p.station_code,
                active=p.active,
                units={u.unit: u.factor for u in p.units},
                prices=prices.get(p.id, {}),
            )
            for p in rows
        }

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
        for line in lines:
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
        created_at = _iso(order.created_at) or dt.datetime.now(dt.UTC).isoformat()
        created = ev.OrderCreated(
            order_id=str(order.id),
            branch_id=order.branch_id,
            channel=order.channel,
            state=order.state,
            version=1,
            token=order.token,
            table_label=order.table_label,
            note=order.note,
            payment_status=order.payment_status,
            totals=ev.Totals(
                subtotal=str(order.subtotal),
                tax=str(order.tax_total),
                delivery_charge=str(order.delivery_charge),
                total=str(order.total),
            ),
            customer=ev.CustomerRef(id=who.id, name=who.name, phone=phone) if who else None,
            delivery=(
                ev.Delivery(
                    address=order.delivery_address or "",
                    territory_id=order.territory_id or 0,
                    slot_start=_iso(order.slot_start),
                    slot_end=_iso(order.slot_end),
                )
                if order.delivery_address is not None
                else None
            ),
            lines=[
                ev.Line(
                    line_no=line.line_no,
                    product_id=line.product_id,
                    name=line.name,
                    qty=str(line.qty),
                    unit=line.unit,
                    station_code=line.station_code,
                    note=line.note,
                    line_total=str(line.line_total),
                )
                for line in lines
            ],
            created_at=created_at,
        )
        card = ev.Card(
            token=order.token,
            channel=order.channel,
            total=str(order.total),
            payment_status=order.payment_status,
            created_at=created_at,
            customer_name=who.name if who else None,
            table_label=order.table_label,
            slot_start=_iso(order.slot_start),
            slot_end=_iso(order.slot_end),
            territory_id=order.territory_id,
        )
        fields = {
            "branch_id": str(order.branch_id),
            "channel": order.channel,
            "token": "" if order.token is None else str(order.token),
            "payment_status": order.payment_status,
            "card": ev.encoder.encode(card).decode(),
        }
        await self.machine.init_order(
            branch_id=order.branch_id,
            order_id=str(order.id),
            state=State(order.state),
            fields=fields,
            created=ev.encoder.encode(created).decode(),
            tickets=self.ticket_specs(order, lines, tickets),
        )

    @staticmethod
    def ticket_specs(
        order: Order, lines: Sequence[OrderLine], tickets: Sequence[KitchenTicket]
    ) -> list[TicketSpec]:
        specs = []
        for ticket in tickets:
            data = ev.TicketCreated(
                ticket_id=str(ticket.id),
                order_id=str(order.id),
                station_code=ticket.station_code,
                token=order.token,
                channel=order.channel,
                table_label=order.table_label,
                rush=ticket.rush,
                items=[
                    ev.TicketItem(
                        line_no=line.line_no,
                        name=line.name,
                        qty=str(line.qty),
                        unit=line.unit,
                        note=line.note,
                    )
                    for line in lines
                    if line.station_code == ticket.station_code
                ],
                note=order.note,
            )
            specs.append(TicketSpec(str(ticket.id), ticket.station_code, ev.encoder.encode(data).decode()))
        return specs

    # ------------------------------------------------------------------ offline replay

    async def sync(self, *, orders: list[dict[str, Any]], actor: SessionUser) -> SyncOut:
        results = []
        for index, raw in enumerate(orders):
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            try:
                request = msgspec.convert(raw, OrderCreate, strict=False)
                order, created = await self.create(request=request, actor=actor)
            except msgspec.ValidationError as exc:
                results.append(_rejected(index, raw_id, 422, str(exc)))
            except ApiError as exc:
                await self.session.rollback()
                results.append(_rejected(index, raw_id, exc.status_code, exc.detail))
            except (PermissionDeniedException, NotFoundException) as exc:
                await self.session.rollback()
                results.append(_rejected(index, raw_id, exc.status_code, exc.detail))
            else:
                results.append(
                    SyncResult(
                        index=index,
                        id=str(order.id),
                        result="created" if created else "existed",
                        status=201 if created else 200,
                        order=order,
                    )
                )
        return SyncOut(results=results)

    # ------------------------------------------------------------------ transitions

    async def transition(
        self, *, order_id: uuid.UUID, request: TransitionIn, actor: SessionUser
    ) -> TransitionOut:
        branch_id = await self._branch_of(order_id, actor)
        if request.courier_id is not None:
            await self._check_courier(request.courier_id, branch_id)
        if actor.roles == ("courier",):
            await self._check_own_delivery(order_id, branch_id, actor)
        guard = {
            "courier_id": request.courier_id,
            "settle_mode": request.settle_mode,
            "reason": request.reason,
            "actor": actor.user_id,
        }
        reply = await self.machine.transition(
            branch_id=branch_id,
            order_id=str(order_id),
            to=request.to,
            expected_version=request.expected_version,
            roles=actor.roles,
            guard=guard,
        )
        if reply.outcome == "ok":
            assert reply.state is not None
            assert reply.version is not None
            assert reply.stream_id is not None
            return TransitionOut(
                order_id=order_id,
                from_state=reply.state,
                state=request.to.value,
                version=reply.version,
                event_id=reply.stream_id,
            )
        raise await self._refusal(reply, order_id=order_id, target=request.to.value)

    async def _refusal(self, reply: TransitionReply, *, order_id: uuid.UUID, target: str) -> Exception:
        outcome, state, version, detail = reply.outcome, reply.state, reply.version, reply.detail
        if outcome == "forbidden":
            return PermissionDeniedException(
                detail=f"Your role may not move an order from {state} to {target}"
            )
        if outcome == "missing":
            return unprocessable(detail or "to", f"moving to {target} needs {detail}")
        if outcome == "invalid":
            return ApiError(
                422,
                f"to: orders on this channel cannot move to {target}",
                field="to",
                state=state,
                version=version,
            )
        if outcome == "conflict":
            message = {
                "stale_version": f"The order changed meanwhile: it is now {state}, version {version}",
                "illegal": f"An order cannot move from {state} to {target}",
                "unpaid": "The order is not fully paid yet",
            }.get(detail or "", "Conflict")
            return conflict(message, state=state, version=version, reason=detail)
        # The order is in PostgreSQL (we resolved its branch there) but not in Redis.
        row = await self.session.get(Order, order_id)
        if row is not None and row.state in TERMINAL:
            return conflict(
                f"An order cannot move from {row.state} to {target}",
                state=row.state,
                version=row.version,
                reason="illegal",
            )
        log.error("order missing from the hot state", extra={"order_id": str(order_id)})
        return ServiceUnavailableException(
            detail="This order's live state is missing; run `passline rebuild`"
        )

    async def _branch_of(self, order_id: uuid.UUID, actor: SessionUser) -> int:
        branch_id = await self.session.scalar(select(Order.branch_id).where(Order.id == order_id))
        if branch_id is None or not actor.can_see_branch(branch_id):
            raise NotFoundException(detail="Order not found")
        return int(branch_id)

    async def _check_courier(self, courier_id: int, branch_id: int) -> None:
        courier = await self.session.get(Courier, courier_id)
        if courier is None or not courier.active or courier.branch_id != branch_id:
            raise unprocessable("courier_id", f"courier {courier_id} does not work for this branch")

    async def _check_own_delivery(self, order_id: uuid.UUID, branch_id: int, actor: SessionUser) -> None:
        """A courier sees and moves only their own deliveries; anyone else's is a 404."""
        mine = await self.session.scalar(select(Courier.id).where(Courier.user_id == actor.user_id))
        assigned = await hget(self.redis, self.keys.order(branch_id, str(order_id)), "courier_id")
        if mine is None or assigned is None or int(assigned) != mine:
            raise NotFoundException(detail="Order not found")

    # ------------------------------------------------------------------ reads

    async def get(self, *, order_id: uuid.UUID, actor: SessionUser) -> OrderOut:
        order = await self.session.get(Order, order_id, options=[selectinload(Order.lines)])
        if order is None or not actor.can_see_branch(order.branch_id):
            raise NotFoundException(detail="Order not found")
        if actor.roles == ("courier",):
            await self._check_own_delivery(order_id, order.branch_id, actor)
        tickets = await self._tickets(order.id)
        events = (
            await self.session.scalars(
                select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
            )
        ).all()
        out = self._out(order, list(order.lines), tickets)
        out.events = [
            EventOut(id=e.stream_id, type=e.type, version=e.version, ts=e.ts, data=e.data) for e in events
        ]
        return await self._with_hot_state(out)

    async def list_orders(
        self,
        *,
        actor: SessionUser,
        branch_id: int | None,
        state: State | None,
        channel: Channel | None,
        since: dt.datetime | None,
        limit: int = LIST_LIMIT,
    ) -> OrderPage:
        stmt = select(Order).order_by(Order.created_at, Order.id).limit(limit)
        if branch_id is not None:
            ensure_branch_visible(actor, branch_id, what="Branch")
            stmt = stmt.where(Order.branch_id == branch_id)
        elif not actor.all_branches:
            stmt = stmt.where(Order.branch_id.in_(actor.branch_ids))
        if state is not None:
            stmt = stmt.where(Order.state == state.value)
        if channel is not None:
            stmt = stmt.where(Order.channel == channel.value)
        if since is not None:
            stmt = stmt.where(Order.created_at > since)
        rows = (await self.session.scalars(stmt)).all()
        items = [
            OrderSummary(
                id=o.id,
                branch_id=o.branch_id,
                channel=o.channel,
                state=o.state,
                version=o.version,
                token=o.token,
                payment_status=o.payment_status,
                total=o.total,
                customer_id=o.customer_id,
                created_at=o.created_at,
            )
            for o in rows
        ]
        return OrderPage(items=items, next_since=rows[-1].created_at if len(rows) == limit else None)

    async def board(self, *, branch_id: int, actor: SessionUser) -> BoardOut:
        ensure_branch_visible(actor, branch_id, what="Branch")
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail="Branch not found")
        stream_id, columns = await self.machine.board(branch_id)
        return BoardOut(
            branch_id=branch_id,
            stream_id=stream_id,
            columns={
                state: [
                    BoardCard(
                        order_id=row[0],
                        entered_ms=int(float(row[1])),
                        state=row[2],
                        version=int(row[3] or 0),
                        channel=row[4],
                        token=int(row[5]) if row[5] else None,
                        payment_status=row[6],
                        card=_order_decoder.decode(row[7]),
                    )
                    for row in rows
                ]
                for state, rows in columns.items()
            },
        )

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
        self,
        order: Order,
        lines: Sequence[OrderLine],
        tickets: Sequence[KitchenTicket],
    ) -> OrderOut:
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
                subtotal=order.subtotal,
                tax=order.tax_total,
                delivery_charge=order.delivery_charge,
                total=order.total,
            ),
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
                    unit_price=line.unit_price,
                    tax_rate=line.tax_rate,
                    discount=line.discount,
                    line_subtotal=line.line_subtotal,
                    line_tax=line.line_tax,
                    line_total=line.line_total,
                    station_code=line.station_code,
                    note=line.note,
                )
                for line in sorted(lines, key=lambda item: item.line_no)
            ],
            tickets=[TicketOut(id=t.id, station_code=t.station_code, state=t.state) for t in tickets],
            created_at=order.created_at,
        )

    # ------------------------------------------------------------------ scheduled orders

    async def release_due(self, *, now: dt.datetime | None = None, limit: int = 200) -> int:
        """Move scheduled orders whose slot is within the branch's lead time to `received` (worker cron)."""
        now = now or dt.datetime.now(dt.UTC)
        due = (
            await self.session.scalars(
                select(Order)
                .join(Branch, Branch.id == Order.branch_id)
                .where(
                    Order.state == State.SCHEDULED.value,
                    Order.slot_start - func.make_interval(0, 0, 0, 0, 0, Branch.schedule_lead_minutes) <= now,
                )
                .order_by(Order.slot_start)
                .limit(limit)
                .with_for_update(of=Order, skip_locked=True)
                .options(selectinload(Order.lines))
            )
        ).all()
        released = 0
        for order in due:
            tickets = await self._tickets(order.id)
            if not tickets:
                order.token = await self._next_token(
                    order.branch_id, order.business_date, Channel(order.channel)
                )
                tickets = self._split_tickets(order, order.lines)
                self.session.add_all(tickets)
            await self.session.flush()
            specs = self.ticket_specs(order, order.lines, tickets)
            await self.session.commit()
            # The token joins the hot state before the move, so the event carries it.
            await hset(
                self.redis,
                self.keys.order(order.branch_id, str(order.id)),
                {"token": "" if order.token is None else str(order.token)},
            )
            reply = await self.machine.transition(
                branch_id=order.branch_id,
                order_id=str(order.id),
                to=State.RECEIVED,
                expected_version=None,
                roles=(SYSTEM,),
                guard={"reason": "slot due"},
            )
            if reply.outcome == "ok" or reply.state == State.RECEIVED.value:
                await self.machine.add_tickets(
                    branch_id=order.branch_id, order_id=str(order.id), tickets=specs
                )
                released += reply.outcome == "ok"
            else:
                log.warning(
                    "scheduled order not released",
                    extra={"order_id": str(order.id), "outcome": reply.outcome},
                )
        return released


def _rejected(index: int, raw_id: Any, status: int, reason: str) -> SyncResult:
    return SyncResult(
        index=index,
        id=raw_id if isinstance(raw_id, str) else None,
        result="rejected",
        status=status,
        reason=reason,
    )

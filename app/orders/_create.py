"""Creating an order: the checks, pricing from the catalog, and the one statement that writes it.

The create path is the hottest write in the system: every read it needs comes from the process's catalog
cache (branches, products, prices, territories, tills) or from the request itself, and the order, its lines,
tickets, token and audit row are written by one statement (`_sql.py`). Orders are built as plain objects for
the answer and the announcement; the ORM never flushes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import msgspec
from litestar.exceptions import PermissionDeniedException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.catalog.cache import CATALOG, TerritoryInfo
from app.db.models import Customer, CustomerPrice, KitchenTicket, Order, OrderLine, Product, ProductStock
from app.lib import jobs
from app.lib.errors import ApiError, conflict, unprocessable
from app.lib.i18n import _
from app.menu import gate as menu_gate
from app.menu import pacing as menu_pacing
from app.menu import rules as menu_rules
from app.orders import hot, pricing
from app.orders._sql import GateRefusedError, insert_order
from app.orders.lookups import customer_of
from app.orders.schemas import OrderCreate, SyncResult
from app.orders.states import DISPATCH_CHANNELS, Channel, State

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser
    from app.lib.lua import LuaScripts
    from app.lib.redis import Keys

TICKET_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-4c1e-8a52-3d0f6b9e2c11")
MANUAL_PRICE_ROLES = ("manager",)
DISCOUNT_ROLES = ("manager",)
STOCK_STEP = Decimal("0.001")  # product_stock.qty's scale

Written = tuple[Order, list[OrderLine], list[KitchenTicket], tuple[Customer, str | None] | None]


def ticket_id_for(order_id: uuid.UUID, station_code: str) -> uuid.UUID:
    return uuid.uuid5(TICKET_NAMESPACE, f"{order_id}:{station_code}")


# Fields added after orders were first stored: left out of the digest while unset, so a replay of an
# order created before they existed still matches its stored hash.
_LATER_ORDER_FIELDS = ("discount", "discount_reason", "pos_profile_id", "shift_id")
_LATER_LINE_FIELDS = ("discount", "discount_reason", "choices", "modifiers", "allergy")


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


@dataclass(slots=True)
class OrderWriter:
    """Prices a request and writes it (nothing announced yet)."""

    session: AsyncSession
    redis: Redis
    keys: Keys
    lua: LuaScripts

    @property
    def engine(self) -> AsyncEngine:
        bind = self.session.bind
        assert isinstance(bind, AsyncEngine)
        return bind

    async def insert(
        self, request: OrderCreate, digest: str, actor: SessionUser
    ) -> tuple[Order, list[OrderLine], list[KitchenTicket], tuple[Customer, str | None] | None]:
        await CATALOG.check(self.redis, self.keys)
        branch = await CATALOG.branch(self.session, request.branch_id)
        if branch is None or not branch.active or not actor.can_see_branch(branch.id):
            raise unprocessable("branch_id", _("unknown branch %(branch_id)s", branch_id=request.branch_id))
        check_channel_fields(request)
        if any(line.unit_price is not None for line in request.lines) and not actor.has_role(
            *MANUAL_PRICE_ROLES
        ):
            raise PermissionDeniedException(detail=_("A manual unit_price needs the manager role"))
        _check_discounts(request, actor)
        await self.check_till(request, branch.id)

        customer = await customer_of(self.session, request.customer_id)
        territory = await self.territory(request)
        products = await CATALOG.products(
            self.session, branch.id, {line.product_id for line in request.lines}
        )
        customer_prices = await self.customer_prices(request)
        refused = menu_rules.refuse_unavailable(
            _wanted(request, products),
            products,
            await CATALOG.unavailable(self.session, branch.id),
            timezone=branch.timezone,
        )
        if refused is not None:
            raise refused
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
                        discount=line.discount,
                        discount_reason=line.discount_reason,
                        choices=tuple(
                            pricing.Choice(group=c.group, product_id=c.product_id, unit=c.unit)
                            for c in line.choices or ()
                        ),
                        modifiers=tuple(line.modifiers or ()),
                    )
                    for line in request.lines
                ],
                products,
                currency_exponent=branch.currency_exponent,
                prices_include_tax=branch.prices_include_tax,
                customer_prices=customer_prices,
                order_discount=request.discount,
                order_discount_reason=request.discount_reason,
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
        slot_start = request.delivery.slot_start if request.delivery else None
        scheduled = slot_start is not None and slot_start - now > dt.timedelta(
            minutes=branch.schedule_lead_minutes
        )
        business_date = (
            (slot_start if scheduled and slot_start else now).astimezone(ZoneInfo(branch.timezone)).date()
        )
        state = State.SCHEDULED if scheduled else State.RECEIVED

        # Plain objects for the response and the announcement; the rows are written by one statement.
        order = Order(
            id=request.id,
            branch_id=branch.id,
            channel=request.channel.value,
            state=state.value,
            version=1,
            token=None,
            business_date=business_date,
            customer_id=request.customer_id,
            # Nothing to pay (a fully discounted order, a free staff meal) is paid from the start: no
            # tender can be taken on it, and `completed` needs it paid.
            payment_status="paid" if totals.total == 0 else "unpaid",
            subtotal=totals.subtotal,
            tax_total=totals.tax,
            delivery_charge=totals.delivery_charge,
            total=totals.total,
            discount=request.discount or Decimal(0),
            discount_reason=request.discount_reason if request.discount else None,
            pos_profile_id=request.pos_profile_id,
            shift_id=request.shift_id,
            table_label=request.table_label,
            rush=False,
            note=request.note,
            delivery_address=request.delivery.address if request.delivery else None,
            territory_id=territory.id if territory else None,
            slot_start=slot_start,
            slot_end=request.delivery.slot_end if request.delivery else None,
            courier_id=None,
            request_hash=digest,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
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
                parent_line_no=p.parent_line_no,
                discount_reason=p.discount_reason,
                modifiers=[_modifier_snapshot(m) for m in p.modifiers],
                allergy=_allergy(request, p),
                allergens=list(products[p.product_id].allergens),
            )
            for p in priced
        ]
        stock = _stock_needs(priced, products)
        tickets = [] if scheduled else split_tickets(order, lines)
        for ticket in tickets:
            ticket.created_at = now
        admission = await menu_gate.admit(
            self.session,
            self.redis,
            self.keys,
            self.lua,
            branch_id=branch.id,
            timezone=branch.timezone,
            channel=request.channel.value,
            lines=[
                menu_pacing.LineWork(
                    product_id=line.product_id,
                    qty=line.qty,
                    station_code=line.station_code,
                    modifier_stations=tuple(hot.modifier_stations(line)),
                )
                for line in hot.kitchen_lines(lines)
            ],
            products=products,
            slot_start=slot_start,
            scheduled=scheduled,
        )
        order.quoted_ready_at = admission.quoted_ready_at
        # Hand the read transaction's connection back before taking one for the write (commit, not
        # rollback: a rollback would expire the customer row read above). Usually every read came from
        # the catalog cache and there is no transaction to end.
        if self.session.in_transaction():
            await self.session.commit()
        try:
            order.token, low_stock = await insert_order(
                self.engine,
                order=order,
                lines=lines,
                tickets=tickets,
                created_at=now,
                stock={product_id: need for product_id, (need, _unused) in stock.items()},
            )
        except GateRefusedError:
            raise await self.why_not_written(request, branch.id, stock, products) from None
        await menu_gate.record_work(
            self.redis,
            self.keys,
            self.lua,
            branch_id=branch.id,
            order_id=str(order.id),
            tickets={str(t.id): t.station_code for t in tickets},
            admission=admission,
        )
        if low_stock:
            # A product fell below its reorder point: inventory raises the alert (once per crossing).
            await jobs.enqueue_quietly(self.redis, self.keys, jobs.low_stock(self.keys, branch.id))
        return order, lines, tickets, customer

    async def with_local_slot(self, request: OrderCreate) -> OrderCreate:
        """A slot time without a zone ("13:00") is the branch's wall time, whatever the device's zone."""
        delivery = request.delivery
        if delivery is None or all(
            t is None or t.tzinfo is not None for t in (delivery.slot_start, delivery.slot_end)
        ):
            return request
        await CATALOG.check(self.redis, self.keys)
        branch = await CATALOG.branch(self.session, request.branch_id)
        if branch is None:
            return request  # the insert names the unknown branch
        zone = ZoneInfo(branch.timezone)

        def local(value: dt.datetime | None) -> dt.datetime | None:
            return value.replace(tzinfo=zone) if value is not None and value.tzinfo is None else value

        slot = msgspec.structs.replace(
            delivery, slot_start=local(delivery.slot_start), slot_end=local(delivery.slot_end)
        )
        return msgspec.structs.replace(request, delivery=slot)

    async def check_till(self, request: OrderCreate, branch_id: int) -> None:
        """The till must be this branch's; the shift, when the till needs one, must be given. Whether the
        shift is the till's is checked by the insert itself (no extra round trip)."""
        if request.pos_profile_id is None:
            if request.shift_id is not None:
                raise unprocessable("pos_profile_id", _("a shift belongs to a till: name the till"))
            return
        profile = await CATALOG.pos_profile(self.session, request.pos_profile_id)
        if profile is None or profile.branch_id != branch_id or not profile.active:
            raise unprocessable(
                "pos_profile_id",
                _("unknown till %(pos_profile_id)s for this branch", pos_profile_id=request.pos_profile_id),
            )
        if profile.require_shift and request.shift_id is None:
            raise unprocessable("shift_id", _("this till needs an open shift"))

    async def territory(self, request: OrderCreate) -> TerritoryInfo | None:
        if request.delivery is None:
            return None
        territory = await CATALOG.territory(self.session, request.delivery.territory_id)
        if territory is None or not territory.active:
            raise unprocessable(
                "delivery.territory_id",
                _("unknown territory %(territory_id)s", territory_id=request.delivery.territory_id),
            )
        return territory

    async def customer_prices(self, request: OrderCreate) -> dict[tuple[int, str], Decimal]:
        if request.customer_id is None or not any(line.price_list == "customer" for line in request.lines):
            if any(line.price_list == "customer" for line in request.lines):
                raise unprocessable("customer_id", _("the customer price list needs a customer"))
            return {}
        rows = await self.session.execute(
            select(CustomerPrice.product_id, CustomerPrice.unit, CustomerPrice.price).where(
                CustomerPrice.customer_id == request.customer_id
            )
        )
        return {(product_id, unit): price for product_id, unit, price in rows}

    async def why_not_written(
        self,
        request: OrderCreate,
        branch_id: int,
        stock: dict[int, tuple[Decimal, int]],
        products: dict[int, pricing.ProductInfo],
    ) -> ApiError:
        """Why the insert's gate said no: a product short of stock (named, with what is left), else a
        shift that is not this till's."""
        await self.session.rollback()
        if stock:
            rows = await self.session.execute(
                select(ProductStock.product_id, ProductStock.qty).where(
                    ProductStock.branch_id == branch_id, ProductStock.product_id.in_(stock)
                )
            )
            on_hand = dict(rows.all())
            for product_id, (need, index) in sorted(stock.items(), key=lambda kv: kv[1][1]):
                left = on_hand.get(product_id, Decimal(0))
                if left < need:
                    name, base_unit = await self._stock_name(product_id, products)
                    amount = hot.qty_text(left) + (" kg" if base_unit == "kg" else "")
                    return unprocessable(
                        f"lines[{index}].qty", _("only %(amount)s left of %(name)s", amount=amount, name=name)
                    )
        if request.shift_id is not None:
            return unprocessable("shift_id", _("not a shift of this till"))
        # Stock came back between the refusal and this read: the caller may simply try again.
        return conflict(_("stock changed while the order was written; try again"))

    async def _stock_name(self, product_id: int, products: dict[int, pricing.ProductInfo]) -> tuple[str, str]:
        """A product's name and base unit: a recipe's ingredient is not among the products sold."""
        if product_id in products:
            return products[product_id].name, products[product_id].base_unit
        row = (
            await self.session.execute(
                select(Product.name, Product.base_unit).where(Product.id == product_id)
            )
        ).one()
        return str(row[0]), str(row[1])


def check_channel_fields(request: OrderCreate) -> None:
    if request.channel == Channel.DELIVERY and request.delivery is None:
        raise unprocessable("delivery", _("a delivery order needs an address and a territory"))
    if request.delivery is not None and request.channel not in DISPATCH_CHANNELS:
        raise unprocessable(
            "delivery", _("a %(channel)s order has no delivery details", channel=request.channel.value)
        )
    if request.delivery is not None:
        start, end = request.delivery.slot_start, request.delivery.slot_end
        if (start is None) != (end is None):
            raise unprocessable("delivery.slot_end", _("give both slot_start and slot_end, or neither"))
        if start is not None and end is not None and end < start:
            raise unprocessable("delivery.slot_end", _("the slot ends before it starts"))
    if request.table_label is not None and request.channel != Channel.DINE_IN:
        raise unprocessable("table_label", _("only dine-in orders have a table"))


def check_slot_to_come(request: OrderCreate, now: dt.datetime) -> None:
    """A new order's delivery slot must not be over: a slot that ended is a typing mistake (or a tablet's
    wrong clock), never a delivery anyone can still make. A slot under way (started, not ended) is fine.
    Only new orders are checked: a transfer copies an order as it is."""
    end = request.delivery.slot_end if request.delivery else None
    if end is not None and end.tzinfo is not None and end <= now:
        minutes = int((now - end).total_seconds() // 60)
        ago = "just now" if minutes < 1 else f"{minutes} min ago"
        raise unprocessable(
            "delivery.slot_end", _("this slot is over (it ended %(ago)s); pick one still to come", ago=ago)
        )


def split_tickets(order: Order, lines: Sequence[OrderLine]) -> list[KitchenTicket]:
    stations: list[str] = []
    for line in hot.kitchen_lines(lines):
        for code in (line.station_code, *hot.modifier_stations(line)):
            if code not in stations:
                stations.append(code)
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


def _wanted(request: OrderCreate, products: dict[int, pricing.ProductInfo]) -> list[menu_rules.Wanted]:
    """What each line sells, for the 86 check: its product, its modifiers, a bundle's components."""
    out = []
    for index, line in enumerate(request.lines):
        product = products.get(line.product_id)
        fixed = [
            item.product_id
            for group in (product.bundle if product is not None else ())
            if group.kind == "fixed"
            for item in group.items
        ]
        chosen = [choice.product_id for choice in line.choices or ()]
        out.append(
            menu_rules.Wanted(
                index=index,
                product_id=line.product_id,
                modifiers=tuple(line.modifiers or ()),
                components=tuple(fixed + chosen),
            )
        )
    return out


def _modifier_snapshot(chosen: pricing.ChosenModifier) -> dict[str, Any]:
    return {
        "id": chosen.id,
        "group": chosen.group,
        "name": chosen.name,
        "kind": chosen.kind,
        "price": str(chosen.price),
        "station_code": chosen.station_code,
    }


def _allergy(request: OrderCreate, line: pricing.PricedLine) -> str | None:
    """The cashier's allergy flag, on the line the cashier flagged (not on a bundle's components)."""
    if line.parent_line_no is not None:
        return None
    text = request.lines[line.request_index].allergy
    return text.strip() or None if text is not None else None


def _check_discounts(request: OrderCreate, actor: SessionUser) -> None:
    """Any discount needs the manager role (403) and a reason (422)."""
    discounted = [
        (f"lines[{i}]", line.discount, line.discount_reason) for i, line in enumerate(request.lines)
    ]
    discounted.append(("", request.discount, request.discount_reason))
    given = [(where, reason) for where, amount, reason in discounted if amount is not None and amount != 0]
    if not given:
        return
    if not actor.has_role(*DISCOUNT_ROLES):
        raise PermissionDeniedException(detail=_("A discount needs the manager role"))
    for where, reason in given:
        if reason is None or not reason.strip():
            field = f"{where}.discount_reason" if where else "discount_reason"
            raise unprocessable(field, _("a discount needs a reason"))


def _stock_needs(
    priced: list[pricing.PricedLine], products: dict[int, pricing.ProductInfo]
) -> dict[int, tuple[Decimal, int]]:
    """Base units each stock-tracked product loses to this order, with the first request line selling it:
    the product itself, or the ingredients of its recipe (rounded to the stock's 3 places, so the stock row
    and its ledger row take exactly the same amount)."""
    needs: dict[int, tuple[Decimal, int]] = {}

    def take(product_id: int, qty: Decimal, index: int) -> None:
        need, first = needs.get(product_id, (Decimal(0), index))
        needs[product_id] = (need + qty, first)

    for line in priced:
        product = products[line.product_id]
        base_qty = line.qty * line.unit_factor
        if product.stock_tracked:
            take(line.product_id, base_qty, line.request_index)
        for ingredient_id, per_unit in product.recipe:
            take(ingredient_id, base_qty * per_unit, line.request_index)
    return {
        pid: (need.quantize(STOCK_STEP, ROUND_HALF_UP), i) for pid, (need, i) in needs.items() if need > 0
    }


def rejected(index: int, raw_id: Any, status: int, reason: str, field: str | None = None) -> SyncResult:
    return SyncResult(
        index=index,
        id=raw_id if isinstance(raw_id, str) else None,
        result="rejected",
        status=status,
        reason=reason,
        field=field,
    )

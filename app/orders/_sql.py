"""Writing a new order: its queue token, then one statement for the order, lines, tickets and audit row.

A sale is the hottest write in the system. Writing it as one statement (data-modifying CTEs) makes it one
round trip instead of a dozen ORM flushes. The token comes first, from the branch's daily counter row, in
a statement of its own whose commit does not wait for the disk: the row is locked for that one statement,
never across a client round trip nor the order's own commit (which does wait for the disk), so a branch's
sales do not queue behind each other's fsync. Durability is not weakened: the order's commit flushes the WAL up to and
including the counter's increment, so no durable order ever carries a token the counter forgot; a token
taken for a sale that then fails is simply skipped (tokens are counted, not audited).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import asyncpg

from app.db import raw
from app.db.raw import RawSQL
from app.lib.logging import request_id_var

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from app.db.models import KitchenTicket, Order, OrderLine

# No token for a sale that is already there (an offline queue replayed) or whose shift is not its till's:
# those are refused by the order's statement, and should not leave a gap in the day's numbers.
# `no_wait` makes this statement's own (implicit) transaction commit without waiting for the disk: a
# transaction-local setting applies to that transaction's commit, and the statement is the transaction.
_QUEUE_NUMBER = """
WITH no_wait AS (SELECT set_config('synchronous_commit', 'off', true))
INSERT INTO order_token_counters AS c (branch_id, business_date, last_token)
SELECT :branch_id, :business_date, 1 FROM no_wait
WHERE NOT EXISTS (SELECT 1 FROM orders WHERE id = CAST(:order_id AS uuid)) AND {gate}
ON CONFLICT (branch_id, business_date) DO UPDATE SET last_token = c.last_token + 1
RETURNING last_token
"""


async def take_token(
    conn: asyncpg.Connection,
    *,
    branch_id: int,
    business_date: dt.date,
    order_id: uuid.UUID | None = None,
    shift: tuple[uuid.UUID, int] | None = None,
) -> int | None:
    """The branch's next token of the day (see the module's docstring for why the commit does not wait);
    None when the sale `order_id` exists already or `shift` (shift, till) is not the till's."""
    statement, params = _TOKEN[shift is not None], {"branch_id": branch_id, "business_date": business_date}
    params["order_id"] = None if order_id is None else str(order_id)
    if shift is not None:
        params |= {"shift_id": str(shift[0]), "pos_profile_id": shift[1]}
    row = await statement.fetchrow(conn, params)
    return None if row is None else int(row[0])


# `{stock}` and `{gate}` are filled per variant below. A stock-tracked sale adds the guarded decrement `stk`
# and only writes the order when every product's row was taken down (`gate`); a till's shift must belong
# to the till and branch. When the gate says no, the statement refuses itself (`passline_refuse`, migration
# 0006), which undoes whatever `stk` took: every variant runs as one autocommit statement.
_INSERT_TEMPLATE = """
WITH {stock}ord AS (
    INSERT INTO orders (
        id, branch_id, channel, state, version, token, business_date, customer_id, payment_status,
        subtotal, tax_total, delivery_charge, total, discount, discount_reason, pos_profile_id, shift_id,
        table_label, note, delivery_address, territory_id, slot_start, slot_end, request_hash, created_by,
        created_at, updated_at, quoted_ready_at
    )
    SELECT
        :id, :branch_id, :channel, :state, 1, CAST(:token AS integer), :business_date, :customer_id,
        'unpaid', :subtotal, :tax_total, :delivery_charge, :total, :discount, :discount_reason,
        :pos_profile_id, CAST(:shift_id AS uuid), :table_label, :note, :delivery_address, :territory_id,
        :slot_start, :slot_end, :request_hash, :created_by, :created_at, :created_at, :quoted_ready_at
    WHERE {gate}
    RETURNING id, token
), lines AS (
    INSERT INTO order_lines (
        order_id, line_no, product_id, name, qty, unit, unit_factor, price_list, unit_price, tax_rate,
        discount, line_subtotal, line_tax, line_total, station_code, note, parent_line_no, discount_reason,
        modifiers, allergy, allergens
    )
    SELECT o.id, l.*
    FROM ord AS o CROSS JOIN unnest(
        CAST(:line_nos AS integer[]), CAST(:product_ids AS bigint[]), CAST(:names AS text[]),
        CAST(:qtys AS numeric[]), CAST(:units AS text[]), CAST(:factors AS numeric[]),
        CAST(:price_lists AS text[]), CAST(:unit_prices AS numeric[]), CAST(:tax_rates AS numeric[]),
        CAST(:discounts AS numeric[]), CAST(:subtotals AS numeric[]), CAST(:taxes AS numeric[]),
        CAST(:totals AS numeric[]), CAST(:stations AS text[]), CAST(:line_notes AS text[]),
        CAST(:parents AS integer[]), CAST(:reasons AS text[]), CAST(:line_modifiers AS jsonb[]),
        CAST(:allergies AS text[]), CAST(:line_allergens AS jsonb[])
    ) AS l
), tickets AS (
    INSERT INTO kitchen_tickets (id, order_id, branch_id, station_code, state, rush, created_at)
    SELECT t.id, o.id, :branch_id, t.station, 'queued', false, :created_at
    FROM ord AS o CROSS JOIN unnest(CAST(:ticket_ids AS uuid[]), CAST(:ticket_stations AS text[])) AS t(id, station)
), audited AS (
    INSERT INTO audit_log (action, entity_type, entity_id, actor_user_id, branch_id, request_id, data)
    SELECT 'order.create', 'order', CAST(:id AS text), :created_by, :branch_id, :request_id,
           CAST(:audit_data AS jsonb)
    FROM ord
)
SELECT CASE WHEN {gate} THEN (SELECT token FROM ord) ELSE passline_refuse('gate') END, {low}
"""
# Sorted product ids lock the stock rows in one order, so two sales of the same products cannot deadlock.
# Each row taken down writes its stock ledger row (app/inventory) in the same statement: the on-hand it
# left, the moving average cost it went at, and whether it crossed the reorder point (one alert).
# An UPDATE ... FROM locks rows in whatever order its join reads them, so `lk` takes the locks first, in
# product order (rows come out of ORDER BY before FOR UPDATE locks them), as a receipt or a count does.
_STOCK_CTE = """lk AS MATERIALIZED (
    SELECT product_id FROM product_stock
    WHERE branch_id = :branch_id AND product_id = ANY(CAST(:stock_ids AS bigint[]))
    ORDER BY product_id FOR UPDATE
), stk AS (
    UPDATE product_stock AS s SET qty = s.qty - n.need
    FROM unnest(CAST(:stock_ids AS bigint[]), CAST(:stock_needs AS numeric[])) AS n(product_id, need)
    WHERE s.branch_id = :branch_id AND s.product_id = n.product_id AND s.qty >= n.need
      AND s.product_id IN (SELECT product_id FROM lk)
    RETURNING s.product_id, n.need, s.qty, s.avg_cost,
        coalesce(s.qty < s.reorder_point AND s.qty + n.need >= s.reorder_point, false) AS crossed
), stk_moves AS (
    INSERT INTO stock_moves (
        branch_id, product_id, kind, qty, unit_cost, on_hand_after, order_id, low_crossing, created_by,
        created_at
    )
    SELECT :branch_id, product_id, 'sale', -need, avg_cost, qty, :id, crossed, :created_by, :created_at
    FROM stk
), """
_STOCK_LOW = "EXISTS (SELECT 1 FROM stk WHERE crossed)"
_STOCK_GATE = "(SELECT count(*) FROM stk) = :stock_count"
_SHIFT_GATE = (
    "EXISTS (SELECT 1 FROM shifts WHERE id = CAST(:shift_id AS uuid) "
    "AND pos_profile_id = :pos_profile_id AND branch_id = :branch_id)"
)


def _variant(*, stock: bool, shift: bool) -> RawSQL:
    gates = [g for g, on in ((_STOCK_GATE, stock), (_SHIFT_GATE, shift)) if on] or ["true"]
    return RawSQL(
        _INSERT_TEMPLATE.format(
            stock=_STOCK_CTE if stock else "", gate=" AND ".join(gates), low=_STOCK_LOW if stock else "false"
        )
    )


_TOKEN = {
    shift: RawSQL(_QUEUE_NUMBER.format(gate=_SHIFT_GATE if shift else "true")) for shift in (False, True)
}
_INSERT_ORDER = {
    (stock, shift): _variant(stock=stock, shift=shift) for stock in (False, True) for shift in (False, True)
}


class GateRefusedError(Exception):
    """The gate refused the order: a stock row short (or missing), or a shift that is not the till's."""


async def insert_order(
    engine: AsyncEngine,
    *,
    order: Order,
    lines: Sequence[OrderLine],
    tickets: Sequence[KitchenTicket],
    created_at: dt.datetime,
    stock: dict[int, Decimal] | None = None,
) -> tuple[int | None, bool]:
    """Write the order; returns its token, and whether a stock row fell below its reorder point. A
    duplicate id raises IntegrityError like any insert; a refused gate (see `GateRefusedError`) raises
    GateRefusedError with nothing written. `stock` is what the order takes off each stock-tracked product,
    in base units."""
    params: dict[str, Any] = {
        "id": order.id,
        "branch_id": order.branch_id,
        "channel": order.channel,
        "state": order.state,
        "business_date": order.business_date,
        "customer_id": order.customer_id,
        "subtotal": order.subtotal,
        "tax_total": order.tax_total,
        "delivery_charge": order.delivery_charge,
        "total": order.total,
        "discount": order.discount,
        "discount_reason": order.discount_reason,
        "pos_profile_id": order.pos_profile_id,
        "shift_id": str(order.shift_id) if order.shift_id is not None else None,
        "table_label": order.table_label,
        "note": order.note,
        "delivery_address": order.delivery_address,
        "territory_id": order.territory_id,
        "slot_start": order.slot_start,
        "slot_end": order.slot_end,
        "request_hash": order.request_hash,
        "created_by": order.created_by,
        "created_at": created_at,
        "quoted_ready_at": order.quoted_ready_at,
        "line_nos": [line.line_no for line in lines],
        "product_ids": [line.product_id for line in lines],
        "names": [line.name for line in lines],
        "qtys": [line.qty for line in lines],
        "units": [line.unit for line in lines],
        "factors": [line.unit_factor for line in lines],
        "price_lists": [line.price_list for line in lines],
        "unit_prices": [line.unit_price for line in lines],
        "tax_rates": [line.tax_rate for line in lines],
        "discounts": [line.discount for line in lines],
        "subtotals": [line.line_subtotal for line in lines],
        "taxes": [line.line_tax for line in lines],
        "totals": [line.line_total for line in lines],
        "stations": [line.station_code for line in lines],
        "line_notes": [line.note for line in lines],
        "parents": [line.parent_line_no for line in lines],
        "reasons": [line.discount_reason for line in lines],
        "line_modifiers": [json.dumps(line.modifiers or []) for line in lines],
        "allergies": [line.allergy for line in lines],
        "line_allergens": [json.dumps(line.allergens or []) for line in lines],
        "ticket_ids": [ticket.id for ticket in tickets],
        "ticket_stations": [ticket.station_code for ticket in tickets],
        "request_id": request_id_var.get(),
        "audit_data": json.dumps({"total": str(order.total), "state": order.state, "channel": order.channel}),
    }
    statement = _INSERT_ORDER[(bool(stock), order.shift_id is not None)]
    if stock:
        ids = sorted(stock)
        params |= {"stock_ids": ids, "stock_needs": [stock[i] for i in ids], "stock_count": len(ids)}
    # The order's statement is its own transaction: no BEGIN/COMMIT round trips.
    async with raw.connection(engine) as conn:
        # Every order's reference (app/orders/ref.py): a scheduled one's from its slot's day.
        params["token"] = await take_token(
            conn,
            branch_id=order.branch_id,
            business_date=order.business_date,
            order_id=order.id,
            shift=None if order.shift_id is None else (order.shift_id, order.pos_profile_id or 0),
        )
        try:
            row = await statement.fetchrow(conn, params)
        except asyncpg.RaiseError as exc:
            if "passline_refuse: gate" in str(exc):
                raise GateRefusedError from None
            raise
    assert row is not None
    token = row[0]
    return (int(token) if token is not None else None), bool(row[1])

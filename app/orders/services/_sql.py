"""The one statement that writes a new order: token, order, lines, tickets and the audit row together.

A sale is the hottest write in the system. Writing it as one statement (data-modifying CTEs) makes it one
round trip instead of a dozen ORM flushes, and holds the branch's token-counter row lock for the length
of that statement only, not of a whole request.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from app.lib.logging import request_id_var

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from app.db.models import KitchenTicket, Order, OrderLine

_INSERT_ORDER = text(
    """
WITH tok AS (
    INSERT INTO order_token_counters AS c (branch_id, business_date, last_token)
    SELECT :branch_id, :business_date, 1 WHERE :needs_token
    ON CONFLICT (branch_id, business_date) DO UPDATE SET last_token = c.last_token + 1
    RETURNING last_token
), ord AS (
    INSERT INTO orders (
        id, branch_id, channel, state, version, token, business_date, customer_id, payment_status,
        subtotal, tax_total, delivery_charge, total, table_label, note, delivery_address, territory_id,
        slot_start, slot_end, request_hash, created_by, created_at, updated_at
    ) VALUES (
        :id, :branch_id, :channel, :state, 1, (SELECT last_token FROM tok), :business_date, :customer_id,
        'unpaid', :subtotal, :tax_total, :delivery_charge, :total, :table_label, :note, :delivery_address,
        :territory_id, :slot_start, :slot_end, :request_hash, :created_by, :created_at, :created_at
    )
    RETURNING id, token
), lines AS (
    INSERT INTO order_lines (
        order_id, line_no, product_id, name, qty, unit, unit_factor, price_list, unit_price, tax_rate,
        discount, line_subtotal, line_tax, line_total, station_code, note
    )
    SELECT (SELECT id FROM ord), l.*
    FROM unnest(
        CAST(:line_nos AS integer[]), CAST(:product_ids AS bigint[]), CAST(:names AS text[]),
        CAST(:qtys AS numeric[]), CAST(:units AS text[]), CAST(:factors AS numeric[]),
        CAST(:price_lists AS text[]), CAST(:unit_prices AS numeric[]), CAST(:tax_rates AS numeric[]),
        CAST(:discounts AS numeric[]), CAST(:subtotals AS numeric[]), CAST(:taxes AS numeric[]),
        CAST(:totals AS numeric[]), CAST(:stations AS text[]), CAST(:line_notes AS text[])
    ) AS l
), tickets AS (
    INSERT INTO kitchen_tickets (id, order_id, branch_id, station_code, state, rush, created_at)
    SELECT t.id, (SELECT id FROM ord), :branch_id, t.station, 'queued', false, :created_at
    FROM unnest(CAST(:ticket_ids AS uuid[]), CAST(:ticket_stations AS text[])) AS t(id, station)
), audited AS (
    INSERT INTO audit_log (action, entity_type, entity_id, actor_user_id, branch_id, request_id, data)
    SELECT 'order.create', 'order', CAST(:id AS text), :created_by, :branch_id, :request_id,
           CAST(:audit_data AS jsonb)
    FROM ord
)
SELECT token FROM ord
"""
)


async def insert_order(
    engine: AsyncEngine,
    *,
    order: Order,
    lines: Sequence[OrderLine],
    tickets: Sequence[KitchenTicket],
    needs_token: bool,
    created_at: dt.datetime,
) -> int | None:
    """Write the order; returns its token. A duplicate id raises IntegrityError like any insert."""
    params: dict[str, Any] = {
        "needs_token": needs_token,
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
        "table_label": order.table_label,
        "note": order.note,
        "delivery_address": order.delivery_address,
        "territory_id": order.territory_id,
        "slot_start": order.slot_start,
        "slot_end": order.slot_end,
        "request_hash": order.request_hash,
        "created_by": order.created_by,
        "created_at": created_at,
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
        "ticket_ids": [ticket.id for ticket in tickets],
        "ticket_stations": [ticket.station_code for ticket in tickets],
        "request_id": request_id_var.get(),
        "audit_data": json.dumps({"total": str(order.total), "state": order.state, "channel": order.channel}),
    }
    # Autocommit: the statement is its own transaction, so the branch's token row is locked for exactly as
    # long as the statement runs, and BEGIN/COMMIT cost no extra round trips.
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        token = await autocommit.scalar(_INSERT_ORDER, params)
    return int(token) if token is not None else None

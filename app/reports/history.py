"""`passline seed-history`: months of realistic trading for the shop's branches, written set-based.

A live sale goes through the till, the door, Redis and the journal; history cannot take that road a million
times, so it is written directly into the same tables the live system writes (orders, lines, kitchen tickets,
payments, refunds, deliveries, courier transactions and settlements, walk-in tickets, the daily token and
walk-in counters), in a handful of INSERT … SELECT statements over generate_series inside one transaction.
The reports then read one truth. Not written: `order_events` and `audit_log` (synthetic history has no
events or actors to replay); invoices are written only for a branch whose series has never numbered one
(numbers are gapless per fiscal year, and history must not take numbers the live shop already printed).

The shape: 16 trading hours with a breakfast bump and lunch and dinner rushes; weekends busier; a yearly
season and slow growth; a channel mix that turns to delivery in the evening; popular items by a power law
(breakfast in the morning); discounts on some orders; about 2 % voided (cancelled, some with a voided tender)
and 1.5 % refunded in part or full; kitchen and delivery times that stretch with the rush; couriers settling
at dispatch or in a bulk settlement at the day's end (yesterday's and today's stay open); walk-ins waiting for a counter.
Days that already have orders in a branch are skipped, so the command is safe to run again.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.reports._rollups import live_from, roll_days

HOUR_WEIGHTS = (
    (8, 3),
    (9, 4),
    (10, 3),
    (11, 5),
    (12, 10),
    (13, 12),
    (14, 9),
    (15, 5),
    (16, 4),
    (17, 5),
    (18, 7),
    (19, 11),
    (20, 12),
    (21, 9),
    (22, 5),
    (23, 2),
)
# ISO weekday (1 = Monday) → how busy the day is.
WEEKDAY_FACTORS = (0.85, 0.9, 0.95, 1.0, 1.25, 1.3, 1.0)
HISTORY_HASH = "seed-history"


@dataclass(slots=True)
class HistoryReport:
    days: int = 0
    orders: int = 0
    lines: int = 0
    tickets: int = 0
    payments: int = 0
    refunds: int = 0
    deliveries: int = 0
    settlements: int = 0
    walk_ins: int = 0
    invoices: int = 0
    rollup_rows: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def lines_out(self) -> list[str]:
        return [
            f"{self.orders:,} orders over {self.days} branch-days ({self.lines:,} lines, "
            f"{self.tickets:,} kitchen tickets, {self.payments:,} payments, {self.refunds:,} refunds, "
            f"{self.deliveries:,} deliveries, {self.settlements:,} settlements, {self.walk_ins:,} walk-ins, "
            f"{self.invoices:,} invoices)",
            f"{self.rollup_rows:,} rollup rows; {self.seconds:.1f} s in all",
        ]


def _values(rows: tuple[tuple[float, float], ...] | tuple[tuple[int, int], ...]) -> str:
    return ", ".join(f"({a}, {b})" for a, b in rows)


_DAYS = """
CREATE TEMP TABLE hg_days ON COMMIT DROP AS
SELECT b.id AS branch_id, b.timezone, b.prices_include_tax AS incl, b.currency_exponent AS exp,
       b.cash_rounding, g.day::date AS day, row_number() OVER (PARTITION BY b.id ORDER BY g.day) AS day_no,
       g.day::date >= (now() AT TIME ZONE b.timezone)::date - 1 AS last_day,
       g.day::date = (now() AT TIME ZONE b.timezone)::date AS is_today,
       extract(hour FROM now() AT TIME ZONE b.timezone)::int AS now_hour
FROM branches AS b
CROSS JOIN LATERAL generate_series(
    (now() AT TIME ZONE b.timezone)::date - CAST(:days AS integer),
    (now() AT TIME ZONE b.timezone)::date - CASE WHEN CAST(:today AS boolean) THEN 0 ELSE 1 END,
    interval '1 day'
) AS g(day)
WHERE b.id = ANY(CAST(:branch_ids AS bigint[]))
  AND NOT EXISTS (SELECT 1 FROM orders AS o WHERE o.branch_id = b.id AND o.business_date = g.day::date)
"""

# Per branch: what an order can pick from. Products are ranked by a stable shuffle (the head sells most);
# the morning pool is the categories whose code speaks of breakfast or hot drinks.
_BRANCH = """
CREATE TEMP TABLE hg_products ON COMMIT DROP AS
SELECT b.id AS branch_id, p.id AS product_id, p.name, p.base_unit AS unit, p.tax_rate, p.station_code,
       pr.price, (c.code ILIKE '%breakfast%' OR c.code ILIKE '%hot%') AS morning,
       row_number() OVER (PARTITION BY b.id ORDER BY md5(p.sku)) AS rank
FROM branches AS b
JOIN products AS p ON p.active AND p.kind = 'item' AND p.base_unit = 'piece'
JOIN categories AS c ON c.id = p.category_id
JOIN LATERAL (
    SELECT x.price FROM product_prices AS x
    WHERE x.product_id = p.id AND x.price_list = 'counter' AND x.unit = p.base_unit
      AND (x.branch_id = b.id OR x.branch_id IS NULL) AND x.price > 0
    ORDER BY x.branch_id NULLS LAST LIMIT 1
) AS pr ON true
WHERE b.id = ANY(CAST(:branch_ids AS bigint[]))
"""
_POOLS = """
CREATE TEMP TABLE hg_branch ON COMMIT DROP AS
SELECT b.id AS branch_id,
       (SELECT array_agg(product_id ORDER BY rank) FROM hg_products p WHERE p.branch_id = b.id) AS all_ids,
       (SELECT array_agg(product_id ORDER BY rank) FROM hg_products p WHERE p.branch_id = b.id AND p.morning)
           AS morning_ids,
       (SELECT array_agg(id ORDER BY id) FROM couriers c WHERE c.branch_id = b.id AND c.active) AS couriers,
       (SELECT array_agg(id ORDER BY id) FROM territories t WHERE t.active) AS territories,
       (SELECT array_agg(id ORDER BY id) FROM customers) AS customers,
       (SELECT array_agg(id ORDER BY id) FROM customers WHERE credit_limit > 0) AS credit_customers,
       (SELECT array_agg(DISTINCT m.user_id ORDER BY m.user_id) FROM branch_memberships m
         JOIN user_roles r ON r.user_id = m.user_id AND r.role IN ('cashier', 'manager')
         WHERE m.branch_id = b.id) AS cashiers,
       (SELECT min(id) FROM pos_profiles pp WHERE pp.branch_id = b.id AND pp.active) AS till
FROM branches AS b WHERE b.id = ANY(CAST(:branch_ids AS bigint[]))
"""

_SLOTS = f"""
CREATE TEMP TABLE hg_slots ON COMMIT DROP AS
SELECT d.*, h.hour,
       greatest(0, round(
           CAST(:per_day AS numeric) * h.w / {sum(w for _, w in HOUR_WEIGHTS)}.0
           * wd.f
           * (1 + 0.12 * sin(2 * pi() * (extract(doy FROM d.day) - 80) / 365.0))
           * (1 + 0.0005 * d.day_no)
           * (0.85 + 0.3 * random())
       ))::int AS n
FROM hg_days AS d
CROSS JOIN (VALUES {_values(HOUR_WEIGHTS)}) AS h(hour, w)
JOIN (VALUES {_values(tuple((i + 1, f) for i, f in enumerate(WEEKDAY_FACTORS)))}) AS wd(dow, f)
  ON wd.dow = extract(isodow FROM d.day)
-- Today (the demo's): only the hours that ended over an hour ago, so nothing is dated in the future.
WHERE NOT d.is_today OR h.hour < d.now_hour - 1
"""  # noqa: S608 - composed from this module's constants only

# One row per order with every random draw it needs, then its derived facts.
_ORDERS = """
CREATE TEMP TABLE hg_orders ON COMMIT DROP AS
WITH raw AS (
    SELECT gen_random_uuid() AS id, s.branch_id, s.day, s.day_no, s.last_day, s.hour, s.incl, s.exp,
           s.cash_rounding, s.n AS slot_load,
           (s.day + make_interval(hours => s.hour, secs => floor(random() * 3600)::int))::timestamp
               AT TIME ZONE s.timezone AS created_at,
           random() AS r_channel, random() AS r_customer, random() AS r_has_customer, random() AS r_state,
           random() AS r_discount, random() AS r_method, random() AS r_refund, random() AS r_territory,
           random() AS r_courier, random() AS r_cashier, random() AS r_settle, random() AS r_lines
    FROM hg_slots AS s CROSS JOIN LATERAL generate_series(1, s.n) AS g(i)
), chan AS (
    SELECT r.*, hb.couriers, hb.territories, hb.customers, hb.credit_customers, hb.cashiers, hb.till,
           CASE
               WHEN hb.couriers IS NOT NULL AND hb.territories IS NOT NULL AND hb.customers IS NOT NULL
                    AND r.r_channel < CASE WHEN r.hour >= 18 THEN 0.30 ELSE 0.14 END THEN 'delivery'
               WHEN hb.couriers IS NOT NULL AND hb.territories IS NOT NULL
                    AND r.r_channel > 0.96 THEN 'partner'
               WHEN r.r_channel > 0.80 THEN 'dine_in'
               WHEN r.r_channel > 0.66 THEN 'pickup'
               ELSE 'counter'
           END AS channel
    FROM raw AS r JOIN hg_branch AS hb USING (branch_id)
)
SELECT c.id, c.branch_id, c.day, c.day_no, c.last_day, c.hour, c.incl, c.exp, c.cash_rounding, c.slot_load,
       c.created_at, c.channel, c.r_state, c.r_method, c.r_refund, c.r_settle, c.r_lines, c.till,
       CASE WHEN c.customers IS NOT NULL AND (c.channel = 'delivery' OR c.r_has_customer < 0.25)
            THEN c.customers[1 + floor(cardinality(c.customers) * power(c.r_customer, 2))::int] END
           AS customer_id,
       CASE WHEN c.cashiers IS NOT NULL AND c.channel IN ('counter', 'pickup', 'dine_in')
            THEN c.cashiers[1 + floor(cardinality(c.cashiers) * c.r_cashier)::int] END AS cashier_id,
       CASE WHEN c.channel IN ('delivery', 'partner')
            THEN c.territories[1 + floor(cardinality(c.territories) * c.r_territory)::int] END AS territory_id,
       CASE WHEN c.channel IN ('delivery', 'partner')
            THEN c.couriers[1 + floor(cardinality(c.couriers) * c.r_courier)::int] END AS courier_id,
       CASE WHEN c.r_discount < 0.05 THEN 0.10 WHEN c.r_discount < 0.08 THEN 0.15
            WHEN c.r_discount < 0.085 THEN 0.50 ELSE 0 END AS discount_pct,
       CASE WHEN c.r_discount < 0.05 THEN 'Happy hour' WHEN c.r_discount < 0.08 THEN 'Loyalty'
            WHEN c.r_discount < 0.085 THEN 'Staff meal' END AS discount_reason,
       c.credit_customers
FROM chan AS c
"""

_LINES = """
CREATE TEMP TABLE hg_lines ON COMMIT DROP AS
WITH picks AS (
    SELECT o.id AS order_id, o.branch_id, o.incl, o.exp, o.discount_pct, o.discount_reason, g.line_no,
           CASE WHEN o.hour < 11 AND hb.morning_ids IS NOT NULL AND random() < 0.6
                THEN hb.morning_ids[1 + floor(cardinality(hb.morning_ids) * power(random(), 2))::int]
                ELSE hb.all_ids[1 + floor(cardinality(hb.all_ids) * power(random(), 1.8))::int]
           END AS product_id,
           random() AS r_qty
    FROM hg_orders AS o
    JOIN hg_branch AS hb USING (branch_id)
    CROSS JOIN LATERAL generate_series(1, 1 + floor(3.2 * power(o.r_lines, 1.6))::int) AS g(line_no)
), priced AS (
    SELECT k.*, p.name, p.unit, p.tax_rate, p.station_code, p.price AS unit_price,
           CASE WHEN k.r_qty < 0.8 THEN 1 WHEN k.r_qty < 0.95 THEN 2 ELSE 3 END AS qty
    FROM picks AS k JOIN hg_products AS p USING (branch_id, product_id)
), amounts AS (
    SELECT q.*, round(q.qty * q.unit_price, q.exp) AS amount,
           round(round(q.qty * q.unit_price, q.exp) * q.discount_pct, q.exp) AS discount
    FROM priced AS q
), taxed AS (
    SELECT a.*, CASE WHEN a.incl THEN round((a.amount - a.discount) * a.tax_rate / (100 + a.tax_rate), a.exp)
                     ELSE round((a.amount - a.discount) * a.tax_rate / 100, a.exp) END AS tax
    FROM amounts AS a
)
SELECT t.order_id, t.branch_id, t.line_no, t.product_id, t.name, t.qty, t.unit, t.unit_price, t.tax_rate,
       t.discount, CASE WHEN t.discount > 0 THEN t.discount_reason END AS discount_reason, t.station_code,
       CASE WHEN t.incl THEN t.amount - t.discount - t.tax ELSE t.amount - t.discount END AS line_subtotal,
       t.tax AS line_tax,
       CASE WHEN t.incl THEN t.amount - t.discount ELSE t.amount - t.discount + t.tax END AS line_total
FROM taxed AS t
"""

# Ticket times stretch with the rush: `load` is the slot's orders over the branch's average slot.
_TICKETS = """
CREATE TEMP TABLE hg_tickets ON COMMIT DROP AS
WITH avg_load AS (
    SELECT branch_id, greatest(avg(n), 1) AS a FROM hg_slots WHERE n > 0 GROUP BY branch_id
), stations AS (
    SELECT DISTINCT l.order_id, l.station_code FROM hg_lines AS l
), timed AS (
    SELECT o.id AS order_id, o.branch_id, st.station_code, o.created_at,
           o.slot_load / al.a AS load,
           CASE st.station_code WHEN 'grill' THEN 420 WHEN 'fryer' THEN 300 WHEN 'drinks' THEN 90
                WHEN 'cold' THEN 200 ELSE 240 END AS base
    FROM hg_orders AS o JOIN stations AS st ON st.order_id = o.id JOIN avg_load AS al USING (branch_id)
)
SELECT md5(t.order_id::text || ':' || t.station_code)::uuid AS id, t.order_id, t.branch_id, t.station_code,
       t.created_at,
       t.created_at + make_interval(secs => 20 + random() * 80 * t.load) AS started_at,
       t.created_at + make_interval(secs => 20 + random() * 80 * t.load
                                            + t.base * (0.6 + 0.8 * random()) * (0.7 + 0.45 * t.load))
           AS bumped_at
FROM timed AS t
"""

_FINAL = """
CREATE TEMP TABLE hg_final ON COMMIT DROP AS
WITH sums AS (
    SELECT order_id, sum(line_subtotal) AS subtotal, sum(line_tax) AS tax, sum(line_total) AS lines_total,
           sum(discount) AS discount, count(*) AS lines
    FROM hg_lines GROUP BY order_id
), ready AS (
    SELECT order_id, max(bumped_at) AS ready_at FROM hg_tickets GROUP BY order_id
)
SELECT o.*, s.subtotal, s.tax, s.discount AS discount_total, coalesce(t.delivery_charge, 0) AS delivery_charge,
       t.courier_fee, s.lines_total + coalesce(t.delivery_charge, 0) AS total,
       r.ready_at, ca.address AS delivery_address,
       CASE WHEN o.r_state < 0.02 THEN 'cancelled'
            WHEN o.channel IN ('delivery', 'partner') THEN 'delivered' ELSE 'completed' END AS state,
       CASE
           WHEN o.channel = 'partner' THEN 'bank_transfer'
           WHEN o.channel = 'delivery' THEN
               CASE WHEN o.r_method < 0.55 THEN 'cash_on_delivery' WHEN o.r_method < 0.8 THEN 'card' ELSE 'wallet' END
           WHEN o.customer_id = ANY(o.credit_customers) AND o.r_method < 0.3 THEN 'on_account'
           WHEN o.r_method < 0.5 THEN 'cash'
           WHEN o.r_method < 0.86 THEN 'card'
           WHEN o.r_method < 0.97 THEN 'wallet'
           ELSE 'bank_transfer'
       END AS method,
       row_number() OVER (PARTITION BY o.branch_id, o.day ORDER BY o.created_at, o.id) AS token
FROM hg_orders AS o
JOIN sums AS s ON s.order_id = o.id
LEFT JOIN ready AS r ON r.order_id = o.id
LEFT JOIN territories AS t ON t.id = o.territory_id
LEFT JOIN LATERAL (
    SELECT a.address FROM customer_addresses AS a WHERE a.customer_id = o.customer_id
    ORDER BY a.is_default DESC, a.id LIMIT 1
) AS ca ON o.channel = 'delivery'
"""

# Deliveries: dispatched a few minutes after the food is ready, longer rides to further territories.
_DELIVERIES = """
CREATE TEMP TABLE hg_deliveries ON COMMIT DROP AS
WITH base AS (
    SELECT f.*, gen_random_uuid() AS delivery_id,
           coalesce(f.ready_at, f.created_at + interval '10 minutes')
               + make_interval(secs => 60 + random() * 420) AS dispatched_at,
           (SELECT count(*) FROM territories AS t2 WHERE t2.id < f.territory_id) AS far
    FROM hg_final AS f
    WHERE f.channel IN ('delivery', 'partner') AND f.state <> 'cancelled' AND f.courier_id IS NOT NULL
)
SELECT b.id AS order_id, b.branch_id, b.courier_id, b.delivery_id, b.day, b.last_day, b.exp, b.method,
       CASE WHEN b.r_settle < 0.25 THEN 'now' ELSE 'later' END AS settle_mode,
       CASE WHEN b.method = 'cash_on_delivery' THEN b.total ELSE 0 END AS amount_to_collect,
       coalesce(b.courier_fee, 0) AS courier_fee,
       b.dispatched_at,
       b.dispatched_at + make_interval(secs => 30 + random() * 90) AS accepted_at,
       least(
           b.dispatched_at + make_interval(
               secs => (720 + 600 * b.far) * (0.7 + 0.9 * random())
                       * CASE WHEN b.hour IN (12, 13, 19, 20) THEN 1.4 ELSE 1 END
           ),
           now() - interval '1 minute'
       ) AS delivered_at
FROM base AS b
"""

_INSERT_ORDERS = """
INSERT INTO orders (
    id, branch_id, channel, state, version, token, business_date, customer_id, payment_status, subtotal,
    tax_total, delivery_charge, total, discount, discount_reason, paid_total, payment_seq, pos_profile_id,
    table_label, note, delivery_address, territory_id, courier_id, request_hash, created_by, created_at,
    updated_at
)
SELECT f.id, f.branch_id, f.channel, f.state, CASE WHEN f.state = 'cancelled' THEN 2 ELSE 6 END, f.token,
       f.day, f.customer_id,
       CASE WHEN coalesce(x.paid, 0) <= 0 THEN CASE WHEN x.refunded THEN 'refunded' ELSE 'unpaid' END
            WHEN x.paid >= f.total THEN 'paid' ELSE 'partially_paid' END,
       f.subtotal, f.tax, f.delivery_charge, f.total, f.discount_total,
       CASE WHEN f.discount_total > 0 THEN f.discount_reason END, coalesce(x.paid, 0), coalesce(x.seq, 0),
       CASE WHEN f.channel IN ('counter', 'pickup', 'dine_in') THEN f.till END,
       CASE WHEN f.channel = 'dine_in' THEN 'T' || (1 + (f.token % 12)) END, '',
       f.delivery_address, f.territory_id, CASE WHEN f.state <> 'cancelled' THEN f.courier_id END,
       :hash, f.cashier_id, f.created_at,
       coalesce(d.delivered_at, f.ready_at, f.created_at) + interval '2 minutes'
FROM hg_final AS f LEFT JOIN hg_deliveries AS d ON d.order_id = f.id LEFT JOIN hg_paid AS x ON x.order_id = f.id
"""

_INSERT_LINES = """
INSERT INTO order_lines (
    order_id, line_no, product_id, name, qty, unit, unit_factor, price_list, unit_price, tax_rate, discount,
    line_subtotal, line_tax, line_total, station_code, note, discount_reason
)
SELECT order_id, line_no, product_id, name, qty, unit, 1, 'counter', unit_price, tax_rate, discount,
       line_subtotal, line_tax, line_total, station_code, '', discount_reason
FROM hg_lines
"""

_INSERT_TICKETS = """
INSERT INTO kitchen_tickets (id, order_id, branch_id, station_code, state, rush, created_at, started_at, bumped_at)
SELECT id, order_id, branch_id, station_code, 'bumped', false, created_at, started_at, bumped_at FROM hg_tickets
"""

# One tender per order. Cash is rounded to the branch's cash step and tendered in round notes; cash on
# delivery is taken at the door; a void's tender is voided five minutes in.
_PAYMENTS = """
CREATE TEMP TABLE hg_payments ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, f.id AS order_id, f.branch_id, f.method, f.total AS amount, f.state, f.exp,
       f.r_refund, f.customer_id, f.cashier_id,
       CASE WHEN f.method = 'cash' AND f.cash_rounding > 0
            THEN round(f.total / f.cash_rounding) * f.cash_rounding - f.total ELSE 0 END AS rounding,
       coalesce(
           CASE WHEN f.method = 'cash_on_delivery' THEN d.delivered_at END,
           f.created_at + make_interval(secs => 20 + random() * 60)
       ) AS created_at
FROM hg_final AS f LEFT JOIN hg_deliveries AS d ON d.order_id = f.id
WHERE f.total > 0 AND (f.state <> 'cancelled' OR f.r_state < 0.008)
"""
_INSERT_PAYMENTS = """
INSERT INTO payments (
    id, order_id, branch_id, method, amount, tendered, change_due, rounding, reference, provider, status,
    refunded_amount, customer_id, void_reason, voided_at, created_by, created_at
)
SELECT p.id, p.order_id, p.branch_id, p.method, p.amount,
       CASE WHEN p.method = 'cash' THEN ceil((p.amount + abs(p.rounding)) / 50) * 50 END,
       CASE WHEN p.method = 'cash' THEN ceil((p.amount + abs(p.rounding)) / 50) * 50 - p.amount - p.rounding END,
       p.rounding,
       CASE WHEN p.method IN ('card', 'wallet') THEN 'HX' || substr(md5(p.id::text), 1, 8) END, 'manual',
       CASE WHEN p.state = 'cancelled' THEN 'voided' WHEN r.amount >= p.amount THEN 'refunded'
            WHEN r.amount > 0 THEN 'partially_refunded' ELSE 'captured' END,
       coalesce(r.amount, 0),
       CASE WHEN p.method = 'on_account' THEN p.customer_id END,
       CASE WHEN p.state = 'cancelled' THEN 'Order cancelled' END,
       CASE WHEN p.state = 'cancelled' THEN p.created_at + interval '5 minutes' END,
       p.cashier_id, p.created_at
FROM hg_payments AS p LEFT JOIN hg_refunds AS r ON r.payment_id = p.id
"""
# About 1.5 % of paid orders get money back: 40 % of those in full, the rest a third, within two days
# (never in the future).
_REFUNDS = """
CREATE TEMP TABLE hg_refunds ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, p.id AS payment_id, p.order_id, p.branch_id, p.amount AS paid,
       CASE WHEN p.r_refund < 0.006 THEN p.amount ELSE round(p.amount / 3, p.exp) END AS amount,
       CASE WHEN p.r_refund < 0.006 THEN 'Order returned' ELSE 'Item missing' END AS reason,
       least(p.created_at + make_interval(secs => 600 + random() * 172800), now() - interval '1 minute')
           AS created_at,
       p.cashier_id
FROM hg_payments AS p
WHERE p.state <> 'cancelled' AND p.r_refund < 0.015 AND p.method <> 'on_account'
  AND round(p.amount / 3, p.exp) > 0
"""
_INSERT_REFUNDS = """
INSERT INTO payment_refunds (id, payment_id, order_id, branch_id, amount, reason, created_by, created_at)
SELECT id, payment_id, order_id, branch_id, amount, reason, cashier_id, created_at FROM hg_refunds
"""
# The order's paid total and payment status, as the payment service keeps them (app/payments/money.py).
_PAID = """
CREATE TEMP TABLE hg_paid ON COMMIT DROP AS
SELECT p.order_id,
       coalesce(sum(p.amount - coalesce(r.amount, 0)) FILTER (WHERE p.state <> 'cancelled'), 0) AS paid,
       (count(*) + count(r.id) + count(*) FILTER (WHERE p.state = 'cancelled'))::int AS seq,
       bool_or(r.id IS NOT NULL) AS refunded
FROM hg_payments AS p LEFT JOIN hg_refunds AS r ON r.payment_id = p.id
GROUP BY p.order_id
"""
_INSERT_DELIVERIES = """
INSERT INTO deliveries (
    id, order_id, branch_id, courier_id, settle_mode, state, amount_to_collect, courier_fee, cash_collected,
    tip, created_at, accepted_at, delivered_at
)
SELECT delivery_id, order_id, branch_id, courier_id, settle_mode, 'delivered', amount_to_collect, courier_fee,
       CASE WHEN amount_to_collect > 0 THEN amount_to_collect END, 0, dispatched_at, accepted_at, delivered_at
FROM hg_deliveries
"""
# Settle-now deliveries square up at dispatch (one settlement each); the rest in one bulk settlement per
# courier at the end of each day before yesterday; yesterday's and today's stay open.
_SETTLEMENTS = """
CREATE TEMP TABLE hg_settlements ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, d.courier_id, d.branch_id, 'dispatch' AS kind,
       d.amount_to_collect - d.courier_fee AS net,
       (d.amount_to_collect > 0)::int + (d.courier_fee > 0)::int AS transactions,
       d.dispatched_at AS created_at, ARRAY[d.delivery_id] AS deliveries
FROM hg_deliveries AS d WHERE d.settle_mode = 'now' AND (d.amount_to_collect > 0 OR d.courier_fee > 0)
UNION ALL
SELECT gen_random_uuid(), d.courier_id, d.branch_id, 'bulk',
       sum(d.amount_to_collect - d.courier_fee),
       sum((d.amount_to_collect > 0)::int + (d.courier_fee > 0)::int)::int,
       max(d.delivered_at) + interval '30 minutes', array_agg(d.delivery_id)
FROM hg_deliveries AS d WHERE d.settle_mode = 'later' AND NOT d.last_day
GROUP BY d.courier_id, d.branch_id, d.day
"""
_SETTLED = """
CREATE TEMP TABLE hg_settled ON COMMIT DROP AS
SELECT u.delivery_id, x.id, x.created_at FROM hg_settlements AS x CROSS JOIN unnest(x.deliveries) AS u(delivery_id)
"""
_INSERT_SETTLEMENTS = """
INSERT INTO settlements (id, courier_id, branch_id, kind, net, transactions, note, created_at)
SELECT id, courier_id, branch_id, kind, net, transactions, '', created_at FROM hg_settlements
"""
_INSERT_TRANSACTIONS = """
INSERT INTO courier_transactions (
    courier_id, branch_id, delivery_id, order_id, kind, amount, status, settlement_id, created_at, settled_at
)
SELECT d.courier_id, d.branch_id, d.delivery_id, d.order_id, k.kind, k.amount,
       CASE WHEN s.id IS NULL THEN 'open' ELSE 'settled' END, s.id, d.dispatched_at, s.created_at
FROM hg_deliveries AS d
CROSS JOIN LATERAL (VALUES ('collection', d.amount_to_collect), ('fee', d.courier_fee)) AS k(kind, amount)
LEFT JOIN hg_settled AS s ON s.delivery_id = d.delivery_id
WHERE k.amount > 0
"""
_INSERT_CASH = """
INSERT INTO branch_cash_movements (branch_id, amount, reason, settlement_id, created_at)
SELECT branch_id, net, 'courier_settlement', id, created_at FROM hg_settlements WHERE net <> 0
"""

# Walk-ins for the service counters: about one for every twenty orders, waits grow with the rush.
_WALK_INS = """
WITH made AS (
    SELECT s.branch_id, s.day, s.n, s.hour,
           (s.day + make_interval(hours => s.hour, secs => floor(random() * 3600)::int))::timestamp
               AT TIME ZONE s.timezone AS created_at,
           random() AS r
    FROM hg_slots AS s CROSS JOIN LATERAL generate_series(1, (s.n / 20.0 + random())::int) AS g(i)
), timed AS (
    SELECT m.*, m.created_at + make_interval(
               secs => 30 + random() * 240 * CASE WHEN m.hour IN (12, 13, 19, 20) THEN 2 ELSE 1 END
           ) AS called_at,
           row_number() OVER (PARTITION BY m.branch_id, m.day ORDER BY m.created_at) AS number
    FROM made AS m
)
INSERT INTO service_tickets (
    id, branch_id, business_date, number, service, state, counter, created_at, called_at, served_at, done_at
)
SELECT gen_random_uuid(), t.branch_id, t.day, t.number,
       CASE WHEN t.r < 0.5 THEN 'general' WHEN t.r < 0.8 THEN 'collection' ELSE 'returns' END,
       CASE WHEN t.r > 0.96 THEN 'no_show' ELSE 'done' END,
       CASE WHEN t.number % 2 = 0 THEN '2' ELSE '1' END,
       t.created_at, t.called_at,
       CASE WHEN t.r <= 0.96 THEN t.called_at + make_interval(secs => 15 + random() * 45) END,
       CASE WHEN t.r <= 0.96 THEN t.called_at + make_interval(secs => 120 + random() * 300) END
FROM timed AS t
"""
# Invoices, as the worker issues them (app/invoices/_issue.py): one for every order that is paid or over,
# numbered gapless per branch series and fiscal year in the order they were issued, everything printed on it
# a snapshot. Only for a branch whose series has never numbered an invoice: history must not take numbers
# the live shop already printed.
_INVOICES = """
CREATE TEMP TABLE hg_invoices ON COMMIT DROP AS
WITH due AS (
    SELECT f.id AS order_id, f.branch_id, f.customer_id, f.exp, f.subtotal, f.discount_total, f.tax,
           f.delivery_charge, f.total, f.incl, b.code AS series, b.name AS seller_name, b.address AS seller_address,
           b.timezone, b.currency, b.fiscal_year_start_month AS fy_month,
           coalesce(p.created_at, f.created_at) + interval '1 minute' AS issued_at
    FROM hg_final AS f
    JOIN branches AS b ON b.id = f.branch_id
    LEFT JOIN hg_payments AS p ON p.order_id = f.id
    WHERE f.state <> 'cancelled'
      AND NOT EXISTS (SELECT 1 FROM invoice_counters AS c WHERE c.branch_id = b.id AND c.series = b.code)
), dated AS (
    SELECT d.*, (d.issued_at AT TIME ZONE d.timezone)::date AS issue_date FROM due AS d
), numbered AS (
    SELECT d.*,
           CASE WHEN extract(month FROM d.issue_date) >= d.fy_month THEN extract(year FROM d.issue_date)
                ELSE extract(year FROM d.issue_date) - 1 END::int AS fiscal_year
    FROM dated AS d
)
SELECT gen_random_uuid() AS id, n.*,
       row_number() OVER (PARTITION BY n.branch_id, n.series, n.fiscal_year ORDER BY n.issued_at, n.order_id)::int
           AS number
FROM numbered AS n
"""
# Each invoice's printed lines and tax breakdown, built for all of them at once (grouped, never per invoice).
_INVOICE_LINES = """
CREATE TEMP TABLE hg_invoice_lines ON COMMIT DROP AS
SELECT l.order_id,
       jsonb_agg(jsonb_build_object(
           'line_no', l.line_no, 'parent_line_no', NULL, 'name', l.name, 'qty', trim_scale(l.qty)::text,
           'unit', l.unit, 'unit_price', round(l.unit_price, o.exp)::text, 'tax_rate', l.tax_rate::text,
           'discount', round(l.discount, o.exp)::text, 'discount_reason', l.discount_reason,
           'line_subtotal', round(l.line_subtotal, o.exp)::text, 'line_tax', round(l.line_tax, o.exp)::text,
           'line_total', round(l.line_total, o.exp)::text
       ) ORDER BY l.line_no) AS lines
FROM hg_lines AS l JOIN hg_invoices AS o USING (order_id)
GROUP BY l.order_id
"""
_INVOICE_TAXES = """
CREATE TEMP TABLE hg_invoice_taxes ON COMMIT DROP AS
SELECT r.order_id,
       jsonb_agg(jsonb_build_object(
           'rate', r.rate::text, 'taxable', round(r.taxable, r.exp)::text, 'tax', round(r.tax, r.exp)::text
       ) ORDER BY r.rate) AS breakdown
FROM (
    SELECT l.order_id, o.exp, l.tax_rate AS rate, sum(l.line_subtotal) AS taxable, sum(l.line_tax) AS tax
    FROM hg_lines AS l JOIN hg_invoices AS o USING (order_id)
    GROUP BY 1, 2, 3
) AS r
WHERE r.taxable <> 0 OR r.tax <> 0
GROUP BY r.order_id
"""
_INSERT_INVOICES = """
INSERT INTO invoices (
    id, branch_id, order_id, customer_id, kind, series, fiscal_year, number, number_text, issue_date, issued_at,
    seller_name, seller_address, seller_tax_number, buyer_name, buyer_company_name, buyer_tax_number,
    buyer_address, currency, currency_exponent, prices_include_tax, subtotal, discount, tax_total,
    delivery_charge, total, lines, tax_breakdown
)
SELECT i.id, i.branch_id, i.order_id, i.customer_id, 'invoice', i.series, i.fiscal_year, i.number,
       i.series || '-' || i.fiscal_year || '-' || lpad(i.number::text, 6, '0'), i.issue_date, i.issued_at,
       i.seller_name, i.seller_address,
       (SELECT t.tax_number FROM branch_tax_numbers AS t
         WHERE t.branch_id = i.branch_id AND t.valid_from <= i.issue_date ORDER BY t.valid_from DESC LIMIT 1),
       c.name, c.company_name, c.tax_number, ca.address,
       i.currency, i.exp, i.incl, round(i.subtotal, i.exp), round(i.discount_total, i.exp), round(i.tax, i.exp),
       round(i.delivery_charge, i.exp), round(i.total, i.exp),
       ls.lines, coalesce(tb.breakdown, '[]'::jsonb)
FROM hg_invoices AS i
LEFT JOIN customers AS c ON c.id = i.customer_id
LEFT JOIN LATERAL (
    SELECT a.address FROM customer_addresses AS a WHERE a.customer_id = i.customer_id
    ORDER BY a.is_default DESC, a.id LIMIT 1
) AS ca ON true
JOIN hg_invoice_lines AS ls ON ls.order_id = i.order_id
LEFT JOIN hg_invoice_taxes AS tb ON tb.order_id = i.order_id
"""
_INVOICE_COUNTERS = """
INSERT INTO invoice_counters (branch_id, series, fiscal_year, last_number)
SELECT branch_id, series, fiscal_year, max(number) FROM hg_invoices GROUP BY 1, 2, 3
ON CONFLICT (branch_id, series, fiscal_year) DO NOTHING
"""

_COUNTERS = """
INSERT INTO order_token_counters (branch_id, business_date, last_token)
SELECT branch_id, day, max(token) FROM hg_final GROUP BY branch_id, day
ON CONFLICT (branch_id, business_date) DO UPDATE
SET last_token = greatest(order_token_counters.last_token, EXCLUDED.last_token)
"""
_WALK_IN_COUNTERS = """
INSERT INTO service_ticket_counters (branch_id, business_date, last_number)
SELECT t.branch_id, t.business_date, max(t.number) FROM service_tickets AS t
JOIN hg_days AS d ON d.branch_id = t.branch_id AND d.day = t.business_date
GROUP BY t.branch_id, t.business_date
ON CONFLICT (branch_id, business_date) DO UPDATE
SET last_number = greatest(service_ticket_counters.last_number, EXCLUDED.last_number)
"""


async def seed_history(
    session: AsyncSession,
    *,
    days: int,
    orders_per_day: int,
    branch_ids: list[int] | None = None,
    seed: float | None = 0.42,
    today: bool = False,
) -> HistoryReport:
    """Write `days` days (ending yesterday, branch-local) of history for `branch_ids` (default: every
    active branch), `orders_per_day` orders a branch on an average day, then roll those days; commits.
    `today` adds today's hours that ended over an hour ago (when today has no orders yet), so a fresh demo
    dashboard has a morning to compare with last week."""
    report = HistoryReport()
    started = time.perf_counter()
    if branch_ids is None:
        branch_ids = list(
            (await session.scalars(text("SELECT id FROM branches WHERE active ORDER BY id"))).all()
        )
    # The triggers that mark old days dirty skip this transaction: it rolls the days it writes itself.
    await session.execute(text("SELECT set_config('passline.bulk_history', 'on', true)"))
    if seed is not None:
        await session.execute(text("SELECT setseed(:seed)"), {"seed": seed})
    params = {
        "branch_ids": branch_ids,
        "days": days,
        "per_day": orders_per_day,
        "hash": HISTORY_HASH,
        "today": today,
    }

    async def run(name: str, statement: str) -> int:
        began = time.perf_counter()
        result = await session.execute(text(statement), params)
        report.timings[name] = report.timings.get(name, 0.0) + time.perf_counter() - began
        count: int = result.rowcount  # type: ignore[attr-defined]
        return count

    report.days = await run("days", _DAYS)
    if report.days == 0:
        await session.rollback()
        report.seconds = time.perf_counter() - started
        return report
    # (step, statement, the report's count it sets): temp tables first, then the inserts in foreign-key order.
    steps: tuple[tuple[str, str, str | None], ...] = (
        ("products", _BRANCH, None),
        ("pools", _POOLS, None),
        ("slots", _SLOTS, None),
        ("orders", _ORDERS, None),
        ("lines", _LINES, None),
        ("tickets", _TICKETS, None),
        ("final", _FINAL, None),
        ("deliveries", _DELIVERIES, None),
        ("payments", _PAYMENTS, None),
        ("refunds", _REFUNDS, None),
        ("paid totals", _PAID, None),
        ("insert orders", _INSERT_ORDERS, "orders"),
        ("insert lines", _INSERT_LINES, "lines"),
        ("insert tickets", _INSERT_TICKETS, "tickets"),
        ("insert payments", _INSERT_PAYMENTS, "payments"),
        ("insert refunds", _INSERT_REFUNDS, "refunds"),
        ("insert deliveries", _INSERT_DELIVERIES, "deliveries"),
        ("settlements", _SETTLEMENTS, "settlements"),
        ("settlements", _SETTLED, None),
        ("insert settlements", _INSERT_SETTLEMENTS, None),
        ("insert transactions", _INSERT_TRANSACTIONS, None),
        ("cash movements", _INSERT_CASH, None),
        ("walk-ins", _WALK_INS, "walk_ins"),
        ("invoices", _INVOICES, None),
        ("invoices", _INVOICE_LINES, None),
        ("invoices", _INVOICE_TAXES, None),
        ("insert invoices", _INSERT_INVOICES, "invoices"),
        ("invoices", _INVOICE_COUNTERS, None),
        ("counters", _COUNTERS, None),
        ("counters", _WALK_IN_COUNTERS, None),
    )
    for name, statement, count in steps:
        rows = await run(name, statement)
        if count is not None:
            setattr(report, count, rows)

    began = time.perf_counter()
    first_live = await live_from(session)
    pairs = (
        await session.execute(
            text("SELECT branch_id, day FROM hg_days WHERE day < :live"), {"live": first_live}
        )
    ).all()
    by_branch: dict[int, list[dt.date]] = {}
    for branch_id, day in pairs:
        by_branch.setdefault(int(branch_id), []).append(day)
    for branch_id, branch_days in by_branch.items():
        report.rollup_rows += await roll_days(session, branch_id=branch_id, days=branch_days)
    report.timings["rollups"] = time.perf_counter() - began
    await session.commit()
    # Fresh statistics, so the first reports plan for the rows just written rather than for empty tables.
    began = time.perf_counter()
    for table in _ANALYZED:
        await session.execute(text(f"ANALYZE {table}"))
    await session.commit()
    report.timings["analyze"] = time.perf_counter() - began
    report.seconds = time.perf_counter() - started
    return report


_ANALYZED = (
    "orders",
    "order_lines",
    "kitchen_tickets",
    "payments",
    "payment_refunds",
    "deliveries",
    "courier_transactions",
    "service_tickets",
    "invoices",
    "report_days",
    "report_sales_hourly",
    "report_cashier_daily",
    "report_product_daily",
    "report_kitchen_hourly",
    "report_item_times_daily",
    "report_delivery_daily",
    "report_payments_daily",
    "report_customer_daily",
)


DEMO_DAYS = 90
DEMO_ORDERS_PER_DAY = 250


async def history_present(session: AsyncSession) -> bool:
    found = await session.scalar(
        text("SELECT EXISTS (SELECT 1 FROM orders WHERE request_hash = :hash)"), {"hash": HISTORY_HASH}
    )
    return bool(found)

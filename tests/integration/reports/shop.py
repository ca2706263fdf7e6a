"""A two-branch shop with generated history, and the independent computation of report figures: plain
Python over the rows the generator wrote, read back with plain SELECTs — no report SQL is reused."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from tests.support.factory import Factory

ZERO = Decimal(0)
COUNTED = ("captured", "partially_refunded", "refunded")


@dataclass(frozen=True)
class BranchInfo:
    id: int
    code: str
    timezone: str
    currency: str


@dataclass
class Shop:
    inclusive: BranchInfo  # tax-inclusive branch, EGP, Cairo
    exclusive: BranchInfo  # tax-exclusive branch, GBP, London
    days: int


async def make_shop(factory: Factory, session: Any, *, days: int = 12, per_day: int = 40) -> Shop:
    from app.db.models import Customer, CustomerAddress
    from app.reports.history import seed_history

    inclusive = await factory.branch(
        code="INC", timezone="Africa/Cairo", prices_include_tax=True, cash_rounding=Decimal("0.50")
    )
    exclusive = await factory.branch(
        code="EXC", timezone="Europe/London", currency="GBP", prices_include_tax=False
    )
    for branch in (inclusive, exclusive):
        await factory.station(branch, "grill")
        await factory.station(branch, "drinks")
        await factory.courier(branch, name=f"Rider {branch.code} 1")
        await factory.courier(branch, name=f"Rider {branch.code} 2")
    for name, price, rate, station in (
        ("Burger", "95.00", "14", "grill"),
        ("Kofta", "110.50", "14", "grill"),
        ("Taameya", "20.00", "5", "grill"),
        ("Cola", "15.00", "14", "drinks"),
        ("Tea", "25.25", "5", "drinks"),
        ("Water", "8.00", "0", "drinks"),
    ):
        await factory.product(name, price=price, tax_rate=rate, station=station)
    near = await factory.territory(delivery_charge="25.00", courier_fee="20.00")
    await factory.territory(delivery_charge="40.00", courier_fee="55.00")
    for i in range(8):
        customer = Customer(name=f"Customer {i}", credit_limit=Decimal("5000") if i < 2 else Decimal(0))
        session.add(customer)
        await session.flush()
        session.add(CustomerAddress(customer_id=customer.id, address=f"{i} Nile St", territory_id=near.id))
    await factory.user("boss", roles=("manager",), branches=(inclusive, exclusive))
    await factory.user("incboss", roles=("manager",), branches=(inclusive,))
    await factory.user("till", roles=("cashier",), branches=(inclusive, exclusive))
    await factory.user("till2", roles=("cashier",), branches=(inclusive,))
    infos = [BranchInfo(b.id, b.code, b.timezone, b.currency) for b in (inclusive, exclusive)]
    await session.commit()
    await seed_history(session, days=days, orders_per_day=per_day, branch_ids=[b.id for b in infos])
    return Shop(inclusive=infos[0], exclusive=infos[1], days=days)


def q(value: Decimal | int | float, places: int = 2) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def seconds(delta: dt.timedelta) -> Decimal:
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1_000_000)


class Rows:
    """Every row of the tables the reports read, as dicts."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {}

    async def load(self, session: Any) -> Rows:
        for table in (
            "branches",
            "stations",
            "orders",
            "order_lines",
            "payments",
            "payment_refunds",
            "kitchen_tickets",
            "deliveries",
            "courier_transactions",
            "service_tickets",
            "products",
            "customers",
            "invoices",
        ):
            result = await session.execute(text(f"SELECT * FROM {table}"))
            self.tables[table] = [dict(r._mapping) for r in result]
        await session.rollback()
        return self

    def __getitem__(self, table: str) -> list[dict[str, Any]]:
        return self.tables[table]

    def branch(self, branch_id: int) -> dict[str, Any]:
        return next(b for b in self["branches"] if b["id"] == branch_id)

    def local(self, branch_id: int, at: dt.datetime) -> dt.datetime:
        return at.astimezone(ZoneInfo(self.branch(branch_id)["timezone"]))

    # ------------------------------------------------------------- sales

    def orders(self, branch_id: int, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        return [
            o
            for o in self["orders"]
            if o["branch_id"] == branch_id
            and start <= o["business_date"] <= end
            and o["state"] != "scheduled"
        ]

    def sales(self, branch_id: int, start: dt.date, end: dt.date) -> dict[str, Any]:
        orders = self.orders(branch_id, start, end)
        valid = [o for o in orders if o["state"] != "cancelled"]
        ids = {o["id"] for o in valid}
        items = sum(
            (
                line["qty"]
                for line in self["order_lines"]
                if line["order_id"] in ids and line["parent_line_no"] is None
            ),
            ZERO,
        )
        gross = sum((o["total"] for o in valid), ZERO)
        refunds = sum(
            (
                r["amount"]
                for r in self["payment_refunds"]
                if r["branch_id"] == branch_id
                and start <= self.local(branch_id, r["created_at"]).date() <= end
            ),
            ZERO,
        )
        return {
            "orders": len(valid),
            "gross": q(gross),
            "net": q(sum((o["subtotal"] for o in valid), ZERO)),
            "tax": q(sum((o["tax_total"] for o in valid), ZERO)),
            "discount": q(sum((o["discount"] for o in valid), ZERO)),
            "items": q(items, 0),
            "avg_ticket": q(gross / len(valid)) if valid else None,
            "cancelled": len(orders) - len(valid),
            "refunded_amount": q(refunds),
        }

    def by(self, branch_id: int, start: dt.date, end: dt.date, key: str) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for o in self.orders(branch_id, start, end):
            if o["state"] != "cancelled":
                out[str(o[key])] += o["total"]
        return {k: q(v) for k, v in out.items()}

    def by_hour(self, branch_id: int, start: dt.date, end: dt.date) -> dict[int, Decimal]:
        out: dict[int, Decimal] = defaultdict(Decimal)
        for o in self.orders(branch_id, start, end):
            if o["state"] != "cancelled":
                out[self.local(branch_id, o["created_at"]).hour] += o["total"]
        return {k: q(v) for k, v in out.items()}

    def lines(self, branch_id: int, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        ids = {o["id"] for o in self.orders(branch_id, start, end) if o["state"] != "cancelled"}
        return [line for line in self["order_lines"] if line["order_id"] in ids]

    def by_product(self, branch_id: int, start: dt.date, end: dt.date) -> dict[str, tuple[Decimal, Decimal]]:
        out: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for line in self.lines(branch_id, start, end):
            out[str(line["product_id"])][0] += line["qty"]
            out[str(line["product_id"])][1] += line["line_total"]
        return {k: (q(v[0], 3), q(v[1])) for k, v in out.items()}

    def tax_by_rate(self, branch_id: int, start: dt.date, end: dt.date) -> dict[Decimal, Decimal]:
        out: dict[Decimal, Decimal] = defaultdict(Decimal)
        for line in self.lines(branch_id, start, end):
            out[q(line["tax_rate"])] += line["line_tax"]
        return {k: q(v) for k, v in out.items()}

    def payments_by_method(
        self, branch_id: int, start: dt.date, end: dt.date
    ) -> dict[str, dict[str, Decimal]]:
        out: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"amount": ZERO, "refunded_amount": ZERO})
        methods = {p["id"]: p["method"] for p in self["payments"]}
        for p in self["payments"]:
            day = self.local(branch_id, p["created_at"]).date()
            if p["branch_id"] == branch_id and start <= day <= end and p["status"] in COUNTED:
                out[p["method"]]["amount"] += p["amount"]
        for r in self["payment_refunds"]:
            day = self.local(branch_id, r["created_at"]).date()
            if r["branch_id"] == branch_id and start <= day <= end:
                out[methods[r["payment_id"]]]["refunded_amount"] += r["amount"]
        return {m: {k: q(v) for k, v in f.items()} for m, f in out.items()}

    # ------------------------------------------------------------- operations

    def kitchen(self, branch_id: int, start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
        ids = {o["id"] for o in self.orders(branch_id, start, end) if o["state"] != "cancelled"}
        late_after = {
            s["code"]: s["late_after_seconds"] for s in self["stations"] if s["branch_id"] == branch_id
        }
        grouped: dict[str, list[Decimal]] = defaultdict(list)
        for t in self["kitchen_tickets"]:
            if t["order_id"] in ids and t["bumped_at"] is not None:
                grouped[t["station_code"]].append(seconds(t["bumped_at"] - t["created_at"]))
        return {
            code: {
                "tickets": len(times),
                "avg_total": q(sum(times, ZERO) / len(times), 0),
                "late": sum(1 for s in times if s > late_after.get(code, 600)),
            }
            for code, times in grouped.items()
        }

    def delivery(self, branch_id: int, start: dt.date, end: dt.date) -> dict[int, dict[str, Any]]:
        orders = {o["id"]: o for o in self.orders(branch_id, start, end)}
        limit = dt.timedelta(seconds=int(self.branch(branch_id)["state_limits"]["out_for_delivery"]))
        out: dict[int, dict[str, Any]] = {}
        for d in self["deliveries"]:
            if d["order_id"] not in orders:
                continue
            row = out.setdefault(
                d["courier_id"], {"deliveries": 0, "ride": [], "late": 0, "collected": ZERO, "settled": ZERO}
            )
            row["deliveries"] += 1
            if d["delivered_at"] is not None:
                row["ride"].append(seconds(d["delivered_at"] - d["created_at"]))
                if d["delivered_at"] > d["created_at"] + limit:
                    row["late"] += 1
            row["collected"] += d["cash_collected"] or ZERO
            row["settled"] += sum(
                (
                    t["amount"]
                    for t in self["courier_transactions"]
                    if t["delivery_id"] == d["id"] and t["kind"] == "collection" and t["status"] == "settled"
                ),
                ZERO,
            )
        for row in out.values():
            row["avg_duration"] = q(sum(row.pop("ride"), ZERO) / row["deliveries"], 0)
            row["collected"], row["settled"] = q(row["collected"]), q(row["settled"])
        return out

    def queue(self, branch_id: int, start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for t in self["service_tickets"]:
            if t["branch_id"] == branch_id and start <= t["business_date"] <= end:
                grouped[t["counter"] or "—"].append(t)
        out = {}
        for counter, tickets in grouped.items():
            waits = [seconds(t["called_at"] - t["created_at"]) for t in tickets if t["called_at"] is not None]
            out[counter] = {
                "tickets": len(tickets),
                "avg_wait": int(q(sum(waits, ZERO) / len(waits), 0)),
                "no_shows": sum(1 for t in tickets if t["state"] == "no_show"),
            }
        return out

    def customers(self, branch_id: int, start: dt.date, end: dt.date) -> dict[int, tuple[Decimal, bool]]:
        firsts: dict[int, dt.date] = {}
        for o in self["orders"]:
            if (
                o["branch_id"] == branch_id
                and o["customer_id"]
                and o["state"] not in ("cancelled", "scheduled")
            ):
                firsts[o["customer_id"]] = min(
                    firsts.get(o["customer_id"], o["business_date"]), o["business_date"]
                )
        gross: dict[int, Decimal] = defaultdict(Decimal)
        for o in self.orders(branch_id, start, end):
            if o["customer_id"] and o["state"] != "cancelled":
                gross[o["customer_id"]] += o["total"]
        return {c: (q(v), firsts[c] >= start) for c, v in gross.items()}

    def invoices(self, branch_id: int, start: dt.date, end: dt.date) -> dict[str, int]:
        """Invoices issued in the range by status: overdue = an on-account charge still standing after 30 days."""
        on_account = {
            p["order_id"]
            for p in self["payments"]
            if p["method"] == "on_account" and p["status"] in ("captured", "partially_refunded")
        }
        orders = {o["id"]: o for o in self["orders"]}
        out: dict[str, int] = defaultdict(int)
        for i in self["invoices"]:
            if i["branch_id"] != branch_id or not start <= i["issue_date"] <= end or i["kind"] != "invoice":
                continue
            if i["order_id"] in on_account:
                status = "overdue" if i["issue_date"] < end - dt.timedelta(days=30) else "on_account"
            else:
                status = {"paid": "paid", "refunded": "refunded", "partially_paid": "partly_paid"}.get(
                    orders[i["order_id"]]["payment_status"], "unpaid"
                )
            out[status] += 1
        return dict(out)

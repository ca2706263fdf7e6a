"""Issuing invoices (issue 5 item 4): gapless numbers under many parallel issuers, fiscal years, the seller
tax number valid on the date, snapshots, the event, and the hook on delivered / completed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from arq.worker import Worker
from sqlalchemy import func, select, text

from app.db.models import AuditLog, Customer, CustomerAddress, Invoice, InvoiceCounter
from app.events.stream import read_after
from app.invoices import _issue
from app.invoices.services import issue_for_order
from app.lib import jobs
from tests.support.auth import login
from tests.support.factory import Factory
from tests.support.invoices import order_row, priced, tax_number
from tests.support.order_rows import make_order, move
from workers.settings import worker_options

D = Decimal
UTC = dt.UTC


async def issue(runtime: Any, order_id: uuid.UUID, *, now: dt.datetime | None = None) -> Any:
    async with runtime.sessionmaker() as session:
        return await issue_for_order(
            session, runtime.redis, runtime.keys, runtime.bus, order_id=order_id, now=now
        )


async def invoices_of(runtime: Any, branch_id: int) -> list[Any]:
    async with runtime.sessionmaker() as session:
        return list(
            (
                await session.scalars(
                    select(Invoice).where(Invoice.branch_id == branch_id).order_by(Invoice.number)
                )
            ).all()
        )


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(
        code="INV", name="Invoice Grill", address="1 Nile St", timezone="Asia/Dubai"
    )
    burger = await factory.product("Burger", price="100.00")
    cola = await factory.product("Cola", price="10.00", tax_rate="5", station="bar")
    await factory.commit()
    return {"branch": branch, "burger": burger, "cola": cola}


async def test_forty_parallel_issuers_and_repeats_number_without_gap_or_duplicate(
    runtime: Any, factory: Factory, shop: dict[str, Any]
) -> None:
    branch, burger = shop["branch"], shop["burger"]
    orders = [
        await order_row(
            factory.session, branch=branch, lines=[priced(burger, unit_price=f"{n}.00")], commit=False
        )
        for n in range(1, 41)
    ]
    await factory.session.commit()
    ids = [o.id for o in orders]
    # Every order once, and three of them again at the same moment (duplicate jobs racing themselves).
    results = await asyncio.gather(
        *(issue(runtime, order_id) for order_id in [*ids, ids[0], ids[7], ids[39]])
    )
    outcomes = sorted(r.outcome for r in results)
    assert outcomes.count("issued") == 40
    assert outcomes.count("exists") == 3

    invoices = await invoices_of(runtime, branch.id)
    assert [i.number for i in invoices] == list(range(1, 41))
    assert len({i.order_id for i in invoices}) == 40
    year = invoices[0].fiscal_year
    assert {i.number_text for i in invoices} == {f"INV-{year}-{n:06d}" for n in range(1, 41)}
    async with runtime.sessionmaker() as session:
        counter = await session.get(InvoiceCounter, (branch.id, "INV", year))
        assert counter is not None and counter.last_number == 40
        audits = await session.scalar(select(func.count()).where(AuditLog.action == "invoice.issued"))
        assert audits == 40
    # One invoice.issued per invoice, never for the no-op repeats.
    events = [
        e
        for e in await read_after(runtime.redis, runtime.keys, branch.id, "0-0")
        if e.type == "invoice.issued"
    ]
    assert len(events) == 40
    by_order = {i.order_id: i for i in invoices}
    for event in events:
        data = event.data()
        invoice = by_order[uuid.UUID(data["order_id"])]
        assert data == {
            "order_id": str(invoice.order_id),
            "invoice_id": str(invoice.id),
            "number": invoice.number_text,
            "total": str(invoice.total.quantize(D("0.01"))),
        }
        assert event.order_id == str(invoice.order_id)

    # A repeat later is a no-op too.
    again = await issue(runtime, ids[5])
    assert again.outcome == "exists"
    assert again.number_text == by_order[ids[5]].number_text


async def test_losing_the_race_at_the_unique_index_gives_the_number_back(
    runtime: Any, factory: Factory, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An issuer that checked before the winner committed hits uq_invoices_order_original: it answers
    "exists" and its rolled-back counter leaves no gap for the next order."""
    branch, burger = shop["branch"], shop["burger"]
    first = await order_row(factory.session, branch=branch, lines=[priced(burger, unit_price="5.00")])
    second = await order_row(factory.session, branch=branch, lines=[priced(burger, unit_price="6.00")])
    assert (await issue(runtime, first.id)).outcome == "issued"

    real = _issue._original_of
    calls = 0

    async def blind_first_look(session: Any, order_id: uuid.UUID) -> Any:
        nonlocal calls
        calls += 1
        return None if calls == 1 else await real(session, order_id)

    monkeypatch.setattr(_issue, "_original_of", blind_first_look)
    late = await issue(runtime, first.id)
    assert late.outcome == "exists"
    assert calls == 2
    monkeypatch.undo()

    assert (await issue(runtime, second.id)).outcome == "issued"
    assert [i.number for i in await invoices_of(runtime, branch.id)] == [1, 2]


async def test_fiscal_year_follows_the_start_month_in_the_branch_time_zone(
    runtime: Any, factory: Factory, shop: dict[str, Any]
) -> None:
    branch, burger = shop["branch"], shop["burger"]
    branch.fiscal_year_start_month = 7
    await factory.session.commit()
    orders = [
        await order_row(factory.session, branch=branch, lines=[priced(burger, unit_price="1.00")])
        for _ in range(4)
    ]
    # Dubai is UTC+4 all year: 19:00Z on 30 June is 23:00 there (fiscal 2025); 20:30Z is 00:30 on 1 July (2026).
    await issue(runtime, orders[0].id, now=dt.datetime(2026, 6, 30, 19, 0, tzinfo=UTC))
    await issue(runtime, orders[1].id, now=dt.datetime(2026, 6, 30, 20, 30, tzinfo=UTC))
    await issue(runtime, orders[2].id, now=dt.datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    await issue(runtime, orders[3].id, now=dt.datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    by_order = {i.order_id: i for i in await invoices_of(runtime, branch.id)}
    got = [(by_order[o.id].fiscal_year, by_order[o.id].number, by_order[o.id].issue_date) for o in orders]
    assert got == [
        (2025, 1, dt.date(2026, 6, 30)),
        (2026, 1, dt.date(2026, 7, 1)),
        (2025, 2, dt.date(2026, 1, 10)),
        (2026, 2, dt.date(2026, 12, 31)),
    ]
    assert by_order[orders[1].id].number_text == "INV-2026-000001"
    assert by_order[orders[2].id].number_text == "INV-2025-000002"


async def test_the_seller_tax_number_is_the_one_valid_on_the_local_issue_date(
    runtime: Any, factory: Factory, shop: dict[str, Any]
) -> None:
    branch, burger = shop["branch"], shop["burger"]
    await tax_number(factory.session, branch, "TAX-OLD", dt.date(2020, 1, 1))
    await tax_number(factory.session, branch, "TAX-NEW", dt.date(2026, 3, 15))
    await tax_number(factory.session, branch, "TAX-FUTURE", dt.date(2027, 1, 1))
    await factory.session.commit()
    orders = [
        await order_row(factory.session, branch=branch, lines=[priced(burger, unit_price="1.00")])
        for _ in range(3)
    ]
    await issue(runtime, orders[0].id, now=dt.datetime(2026, 3, 14, 12, 0, tzinfo=UTC))
    # 21:30Z on 14 March is already 15 March in Dubai: the new number.
    await issue(runtime, orders[1].id, now=dt.datetime(2026, 3, 14, 21, 30, tzinfo=UTC))
    await issue(runtime, orders[2].id, now=dt.datetime(2026, 8, 1, 12, 0, tzinfo=UTC))
    by_order = {i.order_id: i for i in await invoices_of(runtime, branch.id)}
    assert [by_order[o.id].seller_tax_number for o in orders] == ["TAX-OLD", "TAX-NEW", "TAX-NEW"]


async def test_a_branch_without_a_tax_number_yet_issues_without_one(
    runtime: Any, factory: Factory, shop: dict[str, Any]
) -> None:
    branch, burger = shop["branch"], shop["burger"]
    await tax_number(factory.session, branch, "TAX-LATER", dt.date(2030, 1, 1))
    order = await order_row(factory.session, branch=branch, lines=[priced(burger, unit_price="1.00")])
    await issue(runtime, order.id, now=dt.datetime(2026, 3, 14, 12, 0, tzinfo=UTC))
    (invoice,) = await invoices_of(runtime, branch.id)
    assert invoice.seller_tax_number is None


async def test_snapshots_lines_with_bundle_components_discounts_and_tax_per_rate(
    runtime: Any, factory: Factory, shop: dict[str, Any]
) -> None:
    branch, burger, cola = shop["branch"], shop["burger"], shop["cola"]
    meal = await factory.product("Burger meal", price="120.00")
    customer = Customer(name="Nadia Ali", company_name="Nile Trading", tax_number="EG-123")
    factory.session.add(customer)
    await factory.session.flush()
    factory.session.add_all(
        [
            CustomerAddress(customer_id=customer.id, address="9 Old Rd", is_default=False),
            CustomerAddress(customer_id=customer.id, address="3 Corniche, Flat 2", is_default=True),
        ]
    )
    await factory.session.flush()
    order = await order_row(
        factory.session,
        branch=branch,
        customer=customer,
        channel="delivery",
        state="delivered",
        delivery_charge="20.00",
        delivery_address="somewhere else",
        lines=[
            priced(burger, qty="2", unit_price="100.00", discount="15.00", discount_reason="loyalty"),
            priced(meal, unit_price="120.00"),
            priced(burger, unit_price="0.00", parent_line_no=2, name="Burger (meal)"),
            priced(cola, unit_price="1.50", tax_rate="5", parent_line_no=2, name="Cola (meal, large)"),
            priced(
                cola, qty="3", unit_price="10.00", tax_rate="5", discount="2.50", discount_reason="happy hour"
            ),
        ],
    )
    result = await issue(runtime, order.id)
    assert result.outcome == "issued"
    # Later edits elsewhere never reach an issued invoice.
    customer.company_name = "Renamed Ltd"
    branch.name = "New name"
    await factory.session.commit()

    (invoice,) = await invoices_of(runtime, branch.id)
    assert (invoice.seller_name, invoice.seller_address) == ("Invoice Grill", "1 Nile St")
    assert (
        invoice.buyer_name,
        invoice.buyer_company_name,
        invoice.buyer_tax_number,
        invoice.buyer_address,
    ) == (
        "Nadia Ali",
        "Nile Trading",
        "EG-123",
        "3 Corniche, Flat 2",
    )
    assert invoice.customer_id == customer.id
    assert [(line["line_no"], line["parent_line_no"], line["name"]) for line in invoice.lines] == [
        (1, None, "Burger"),
        (2, None, "Burger meal"),
        (3, 2, "Burger (meal)"),
        (4, 2, "Cola (meal, large)"),
        (5, None, "Cola"),
    ]
    first = invoice.lines[0]
    assert (first["qty"], first["unit_price"], first["discount"], first["discount_reason"]) == (
        "2",
        "100.00",
        "15.00",
        "loyalty",
    )
    # Prices exclude tax here: 185 + 120 + 0 at 14 %; 1.50 + 27.50 at 5 %.
    assert invoice.tax_breakdown == [
        {"rate": "5.00", "taxable": "29.00", "tax": "1.46"},  # 0.08 + 1.38, rounded per line
        {"rate": "14.00", "taxable": "305.00", "tax": "42.70"},
    ]
    assert sum(D(r["taxable"]) for r in invoice.tax_breakdown) == order.subtotal == invoice.subtotal
    assert sum(D(r["tax"]) for r in invoice.tax_breakdown) == order.tax_total == invoice.tax_total
    assert invoice.discount == D("17.50")
    assert invoice.delivery_charge == D("20.00")
    assert invoice.total == order.total == D("398.16")
    assert (invoice.currency, invoice.currency_exponent, invoice.prices_include_tax) == ("EGP", 2, False)


async def test_a_tax_inclusive_branch_breaks_the_gross_down_exactly(runtime: Any, factory: Factory) -> None:
    branch = await factory.branch(code="INC", prices_include_tax=True)
    a = await factory.product("Tea", price="7.00")
    await factory.commit()
    order = await order_row(
        factory.session,
        branch=branch,
        lines=[
            priced(a, qty="3", unit_price="7.00"),
            priced(a, qty="1", unit_price="9.99", tax_rate="5"),
            priced(a, unit_price="0.35", tax_rate="14"),
        ],
    )
    await issue(runtime, order.id)
    (invoice,) = await invoices_of(runtime, branch.id)
    assert sum(D(r["taxable"]) + D(r["tax"]) for r in invoice.tax_breakdown) == invoice.total == D("31.34")
    assert sum(D(r["tax"]) for r in invoice.tax_breakdown) == order.tax_total


@pytest.mark.parametrize(
    ("state", "payment_status", "outcome"),
    [
        ("received", "unpaid", "not_due"),
        ("ready", "partially_paid", "not_due"),
        ("received", "paid", "issued"),
        ("delivered", "unpaid", "issued"),
        ("completed", "unpaid", "issued"),
        ("cancelled", "paid", "not_due"),
    ],
)
async def test_only_paid_or_handed_over_orders_are_invoiced(
    runtime: Any, factory: Factory, shop: dict[str, Any], state: str, payment_status: str, outcome: str
) -> None:
    order = await order_row(
        factory.session,
        branch=shop["branch"],
        state=state,
        payment_status=payment_status,
        lines=[priced(shop["burger"], unit_price="3.00")],
    )
    assert (await issue(runtime, order.id)).outcome == outcome
    assert len(await invoices_of(runtime, shop["branch"].id)) == (outcome == "issued")


async def test_a_missing_order_is_a_no_op(runtime: Any, clean_state: None) -> None:
    assert (await issue(runtime, uuid.uuid4())).outcome == "missing"


async def test_the_live_state_counts_before_postgresql_catches_up(
    runtime: Any, factory: Factory, shop: dict[str, Any]
) -> None:
    """Delivered in Redis while the persister has not written it yet: the job already sees it."""
    order = await make_order(
        factory.session,
        runtime,
        branch=shop["branch"],
        products=[shop["burger"]],
        channel="delivery",
        token=None,
    )
    await move(runtime, order, "out_for_delivery", courier_id=1, settle_mode="later")
    assert (await issue(runtime, order.id)).outcome == "not_due"
    await move(runtime, order, "delivered")
    async with runtime.sessionmaker() as session:
        assert (
            await session.scalar(text("SELECT state FROM orders WHERE id = :id"), {"id": order.id})
        ) == "received"
    assert (await issue(runtime, order.id)).outcome == "issued"


async def test_completing_an_order_queues_the_job_and_the_worker_issues_it(
    client: Any, runtime: Any, settings: Any, factory: Factory, shop: dict[str, Any]
) -> None:
    branch = shop["branch"]
    await factory.user("cashier", roles=("cashier", "manager"), branches=(branch,))
    await factory.commit()
    await login(client, "cashier")
    created = await client.post(
        "/api/v1/orders",
        json={
            "id": str(uuid.uuid4()),
            "branch_id": branch.id,
            "channel": "counter",
            "lines": [{"product_id": shop["burger"].id, "qty": "1"}],
        },
    )
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    job_key = f"arq:job:{jobs.invoice(runtime.keys, order_id).job_id}"
    moved = await client.post(f"/api/v1/orders/{order_id}/transitions", json={"to": "ready"})
    assert moved.status_code == 200, moved.text
    assert not await runtime.redis.exists(job_key)  # ready is not a hand-over

    # Paid at the till (the payments part writes both the row and the live hash).
    async with runtime.sessionmaker() as session:
        await session.execute(
            text("UPDATE orders SET payment_status = 'paid', paid_total = total WHERE id = :id"),
            {"id": uuid.UUID(order_id)},
        )
        await session.commit()
    await runtime.redis.hset(runtime.keys.order(branch.id, order_id), "payment_status", "paid")
    done = await client.post(f"/api/v1/orders/{order_id}/transitions", json={"to": "completed"})
    assert done.status_code == 200, done.text
    assert await runtime.redis.exists(job_key)

    options = worker_options(settings) | {
        "burst": True,
        "handle_signals": False,
        "cron_jobs": [],
        "poll_delay": 0.05,
    }
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()
    (invoice,) = await invoices_of(runtime, branch.id)
    assert str(invoice.order_id) == order_id
    # No result is kept, so a later enqueue for the order runs again (and finds the invoice).
    assert not await runtime.redis.exists(f"arq:result:{jobs.invoice(runtime.keys, order_id).job_id}")

    listed = await client.get("/api/v1/invoices", params={"order_id": order_id})
    assert listed.status_code == 200
    assert [i["number_text"] for i in listed.json()["items"]] == [invoice.number_text]
    assert json.loads(json.dumps(listed.json()["items"][0]["total"])) == str(
        invoice.total.quantize(D("0.01"))
    )

"""End to end with the payments part: a split payment makes the order paid, the queued job (run by a real
arq worker) issues the invoice, the order shows it, and the receipt prints the tenders, change and rounding."""

from __future__ import annotations

from typing import Any

import httpx
from arq.worker import Worker

from tests.support.auth import login
from tests.support.escpos import decode_escpos
from tests.support.factory import Factory
from tests.support.payments import new_order, pay, payments_shop
from workers.settings import worker_options


async def test_a_paid_order_is_invoiced_by_the_worker_and_its_receipt_shows_the_tenders(
    client: httpx.AsyncClient, factory: Factory, settings: Any
) -> None:
    shop = await payments_shop(factory)
    await login(client, "cashier")
    order = await new_order(client, shop, product="meal")  # 30.09, tax included
    assert (
        await pay(client, order["id"], method="card", amount="20.00", reference="TERM-9")
    ).status_code == 201
    cash = await pay(client, order["id"], method="cash", amount="10.09", tendered="20.00")
    assert cash.status_code == 201, cash.text

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

    read = (await client.get(f"/api/v1/orders/{order['id']}")).json()
    assert read["invoice"] is not None
    invoice = (await client.get(f"/api/v1/invoices/{read['invoice']['id']}")).json()
    assert invoice["number_text"] == read["invoice"]["number"] == f"PY-{invoice['fiscal_year']}-000001"
    assert invoice["total"] == "30.09"

    receipt = await client.get(f"/api/v1/invoices/{invoice['id']}/receipt", params={"format": "escpos"})
    _, lines = decode_escpos(receipt.content)
    total = next(line for line in lines if line.startswith("TOTAL "))
    assert total.endswith(f" {invoice['total']}")
    assert any(line.startswith("Card TERM-9") and line.endswith("20.00") for line in lines)
    assert any(line.startswith("Cash") and line.endswith("10.09") for line in lines)
    assert any(line.startswith("  Cash rounding") and line.endswith("+0.01") for line in lines)
    assert any(line.startswith("  Change") and line.endswith("9.90") for line in lines)
    # Prices include tax here: the tax line says "incl." and the total is the lines' sum.
    assert any(line.startswith("incl. Tax 14.00% on ") for line in lines)
    html = (await client.get(f"/api/v1/invoices/{invoice['id']}/receipt")).text
    assert "data-rounding>+0.01<" in html and "data-change>9.90<" in html

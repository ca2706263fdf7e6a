"""Receipts (issue 5 item 4): the invoice as HTML for an 80 mm printer and as ESC/POS bytes, and the
pro-forma of an order not invoiced yet. The ESC/POS bytes are decoded command by command here."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.invoices.services import issue_for_order
from tests.support.auth import login
from tests.support.escpos import decode_escpos, raster_image
from tests.support.factory import Factory
from tests.support.invoices import order_row, payment, priced, tax_number

D = Decimal


def amount(line: str) -> D:
    return D(line.rsplit(" ", 1)[1])


@pytest.fixture
async def sale(factory: Factory, runtime: Any) -> dict[str, Any]:
    from app.db.models import Customer

    branch = await factory.branch(
        code="RCP", name="Receipt Grill", address="1 Nile St, Cairo", cash_rounding=D("0.05")
    )
    other = await factory.branch(code="FAR")
    await tax_number(factory.session, branch, "EG-TAX-777", dt.date(2020, 1, 1))
    burger = await factory.product("Burger", price="100.00")
    meal = await factory.product("Burger meal", price="120.00")
    cola = await factory.product("Cola", price="10.00", tax_rate="5", station="bar")
    customer = Customer(name="Nadia", company_name="Nile Trading", tax_number="B-55")
    factory.session.add(customer)
    await factory.user("till", roles=("cashier",), branches=(branch,))
    await factory.user("cook", roles=("kitchen",), branches=(branch,))
    await factory.user("elsewhere", roles=("manager",), branches=(other,))
    await factory.commit()
    order = await order_row(
        factory.session,
        branch=branch,
        customer=customer,
        delivery_charge="20.00",
        token=42,
        commit=False,
        lines=[
            priced(burger, qty="2", unit_price="100.00", discount="15.00", discount_reason="loyalty"),
            priced(meal, unit_price="120.00"),
            priced(burger, unit_price="0.00", parent_line_no=2, name="Burger (meal)"),
            priced(cola, unit_price="1.50", tax_rate="5", parent_line_no=2, name="Cola large"),
            priced(
                cola, qty="3", unit_price="10.00", tax_rate="5", discount="2.50", discount_reason="happy hour"
            ),
        ],
    )
    # 398.16 paid: 300.00 by card, 98.16 in cash rounded down to 98.15, from a 100 note.
    await payment(factory.session, order, method="card", amount="300.00", reference="T-4411")
    await payment(
        factory.session,
        order,
        method="cash",
        amount="98.16",
        tendered="100.00",
        change_due="1.85",
        rounding="-0.01",
    )
    await payment(factory.session, order, method="card", amount="5.00", status="voided")
    await factory.session.commit()
    unbilled = await order_row(
        factory.session,
        branch=branch,
        payment_status="unpaid",
        state="received",
        lines=[priced(cola, qty="2", unit_price="10.00", tax_rate="5")],
    )
    async with runtime.sessionmaker() as session:
        result = await issue_for_order(session, runtime.redis, runtime.keys, runtime.bus, order_id=order.id)
    return {
        "order": order,
        "invoice_id": result.invoice_id,
        "number": result.number_text,
        "unbilled": unbilled,
    }


async def test_the_html_receipt_prints_everything_and_loads_nothing(
    client: httpx.AsyncClient, sale: dict[str, Any]
) -> None:
    await login(client, "till")
    response = await client.get(f"/api/v1/invoices/{sale['invoice_id']}/receipt")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "@page { size: 80mm auto" in html
    assert not re.search(r"<(script|link|img)\b|url\(|@import", html)
    for expected in (
        "Receipt Grill",
        "EG-TAX-777",
        sale["number"],
        "Nile Trading",
        "B-55",
        "2 piece Burger",
        "Discount (loyalty)",
        "-15.00",
        "Discount (happy hour)",
        "Tax 14.00% on 305.00",
        "42.70",
        "Tax 5.00% on 29.00",
        "1.46",
        "Delivery",
        "data-total>398.16<",
        "T-4411",
        "Tendered",
        "data-rounding>-0.01<",
        "data-change>1.85<",
        # The order's one reference, as the screens and the TV show it.
        "data-order-ref>#42<",
    ):
        assert expected in html, expected
    assert html.count('class="component"') == 2
    assert "PRO-FORMA" not in html
    assert "5.00</td></tr>" not in html.split("payments")[-1]  # the voided tender is not shown


async def test_the_escpos_receipt_decodes_to_the_same_totals(
    client: httpx.AsyncClient, sale: dict[str, Any]
) -> None:
    await login(client, "till")
    response = await client.get(f"/api/v1/invoices/{sale['invoice_id']}/receipt", params={"format": "escpos"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    data = response.content
    assert data.startswith(b"\x1b@\x1bt\x13")  # initialise, code page 19 (PC858)
    assert data.endswith(b"\x1dV\x42\x03")  # feed 3 lines, partial cut
    commands, lines = decode_escpos(data)
    names = [c for c, _ in commands]
    assert names.count(b"\x1b@") == 1 and names.count(b"\x1dV") == 1
    assert (b"\x1ba", b"\x01") in commands and (b"\x1ba", b"\x00") in commands
    assert (b"\x1bE", b"\x01") in commands and (b"\x1bE", b"\x00") in commands
    assert all(len(line) <= 48 for line in lines)
    assert "Receipt Grill" in lines and "Tax no. EG-TAX-777" in lines
    assert f"Invoice {sale['number']}" in lines
    assert "Order #42" in lines

    item_lines = [line for line in lines if re.match(r"^\s*\d+ piece ", line)]
    assert [line.startswith("  ") for line in item_lines] == [False, False, True, True, False]
    # Prices exclude tax in this branch: the lines' amounts (after their discounts) add up to the subtotal;
    # a zero-priced bundle component prints no amount.
    priced_lines = [line for line in item_lines if line.rstrip()[-1].isdigit()]
    assert len(priced_lines) == 4
    assert sum(amount(line) for line in priced_lines) == D("334.00")
    subtotal = amount(next(line for line in lines if line.startswith("Subtotal")))
    assert subtotal == D("334.00")
    discounts = [amount(line) for line in lines if line.strip().startswith("Discount (")]
    assert discounts == [D("-15.00"), D("-2.50")]
    taxes = [amount(line) for line in lines if re.match(r"^Tax [0-9.]+% on ", line)]
    assert len(taxes) == 2
    assert sum(taxes) == D("44.16")
    delivery = amount(next(line for line in lines if line.startswith("Delivery")))
    total_line = next(line for line in lines if line.startswith("TOTAL EGP"))
    assert amount(total_line) == subtotal + sum(taxes) + delivery == D("398.16")
    assert any(line.startswith("Card T-4411") and line.endswith("300.00") for line in lines)
    assert any(line.startswith("  Cash rounding") and line.endswith("-0.01") for line in lines)
    assert any(line.startswith("  Change") and line.endswith("1.85") for line in lines)
    assert lines[-2] == "Thank you"


async def test_a_pro_forma_is_clearly_not_an_invoice(client: httpx.AsyncClient, sale: dict[str, Any]) -> None:
    await login(client, "till")
    order_id = sale["unbilled"].id
    html = await client.get(f"/api/v1/orders/{order_id}/receipt")
    assert html.status_code == 200
    assert "PRO-FORMA — not an invoice" in html.text
    assert "data-number" not in html.text
    assert "data-total>21.00<" in html.text
    # An order stored before every order had a token: the start of its id, never taken for a token.
    ref = order_id.hex[:6].upper()
    assert f"data-order-ref>№ {ref}<" in html.text
    escpos = await client.get(f"/api/v1/orders/{order_id}/receipt", params={"format": "escpos"})
    _, lines = decode_escpos(escpos.content)
    assert f"Order No. {ref}" in lines
    assert lines[0] == "PRO-FORMA - not an invoice"
    assert "PRO-FORMA - not an invoice" in lines[-3:]
    assert not any(line.startswith("Invoice ") for line in lines)


async def test_receipts_are_for_staff_of_the_branch(client: httpx.AsyncClient, sale: dict[str, Any]) -> None:
    invoice_url = f"/api/v1/invoices/{sale['invoice_id']}/receipt"
    order_url = f"/api/v1/orders/{sale['unbilled'].id}/receipt"
    assert (await client.get(invoice_url)).status_code == 401
    await login(client, "cook")
    assert (await client.get(invoice_url)).status_code == 403
    await login(client, "elsewhere")
    assert (await client.get(invoice_url)).status_code == 404
    assert (await client.get(order_url)).status_code == 404
    await login(client, "till")
    assert (await client.get(f"/api/v1/orders/{uuid.uuid4()}/receipt")).status_code == 404
    assert (await client.get(invoice_url, params={"format": "pdf"})).status_code == 400


async def test_a_receipt_in_arabic_or_both_languages(client: httpx.AsyncClient, sale: dict[str, Any]) -> None:
    """`?lang=ar` reads right to left; `?lang=ar,en` says both; an unknown language is the branch's."""
    await login(client, "till")
    url = f"/api/v1/invoices/{sale['invoice_id']}/receipt"
    arabic = (await client.get(url, params={"lang": "ar"})).text
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "الإجمالي EGP" in arabic and "شكرًا لكم" in arabic and "2 قطعة Burger" in arabic
    assert "data-total>398.16<" in arabic
    both = (await client.get(url, params={"lang": "ar,en"})).text
    plain = both.replace("\u202a", "").replace("\u202b", "").replace("\u202c", "")
    assert "شكرًا لكم / Thank you" in plain and "المجموع الفرعي / Subtotal" in plain
    unknown = (await client.get(url, params={"lang": "xx"})).text
    assert '<html lang="en" dir="ltr">' in unknown and "Thank you" in unknown

    printed = await client.get(url, params={"format": "escpos", "lang": "ar"})
    assert printed.status_code == 200
    commands, lines = decode_escpos(printed.content)
    rows = [raster_image(arg) for name, arg in commands if name == b"\x1dv0"]
    # Every Arabic row is an image 576 dots wide; nothing printed as "?".
    assert len(rows) >= 10 and all(row.width == 576 for row in rows)
    assert not any("?" in line for line in lines)
    assert printed.content.endswith(b"\x1dV\x42\x03")

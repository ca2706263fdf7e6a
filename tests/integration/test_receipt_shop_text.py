"""The branch's own receipt header and footer (set in /admin/branches) print on every receipt: the HTML one
and the ESC/POS bytes, whose Arabic rows go as shaped raster images. The bytes are decoded here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.invoices import escpos
from app.invoices.services import issue_for_order
from app.lib import textimage
from tests.support.auth import login
from tests.support.escpos import decode_escpos, raster_image
from tests.support.factory import Factory
from tests.support.invoices import order_row, payment, priced

HEADER = "Open 9:00-23:00 every day\n\nمرحبا بكم"  # noqa: RUF001 — Arabic on purpose
FOOTER = "Returns within 7 days with this receipt\nشكرا لزيارتكم"  # noqa: RUF001 — Arabic on purpose


@pytest.fixture
async def invoice_id(factory: Factory, runtime: Any) -> Any:
    branch = await factory.branch(
        code="HDR", name="Header Grill", receipt_header=HEADER, receipt_footer=FOOTER
    )
    burger = await factory.product("Burger", price="100.00")
    await factory.user("till", roles=("cashier",), branches=(branch,))
    await factory.commit()
    order = await order_row(
        factory.session, branch=branch, token=7, commit=False, lines=[priced(burger, unit_price="100.00")]
    )
    await payment(factory.session, order, method="card", amount=str(order.total), reference="T-1")
    await factory.session.commit()
    async with runtime.sessionmaker() as session:
        result = await issue_for_order(session, runtime.redis, runtime.keys, runtime.bus, order_id=order.id)
    return result.invoice_id


async def test_the_html_receipt_prints_the_shop_header_and_footer(
    client: httpx.AsyncClient, invoice_id: Any
) -> None:
    await login(client, "till")
    for lang in ("en", "ar"):
        html = (await client.get(f"/api/v1/invoices/{invoice_id}/receipt", params={"lang": lang})).text
        header = html.split("data-receipt-header>", 1)[1].split("</div>", 1)[0]
        footer = html.split("data-receipt-footer>", 1)[1].split("</div>", 1)[0]
        # The manager's lines as typed, each its own row (the blank one dropped), each in its own direction.
        assert header == '<p dir="auto">Open 9:00-23:00 every day</p><p dir="auto">مرحبا بكم</p>'
        assert footer.count('<p dir="auto">') == 2 and "Returns within 7 days" in footer
        # Above the lines and below the totals.
        assert (
            html.index("data-receipt-header")
            < html.index('class="lines"')
            < html.index("data-receipt-footer")
        )
        assert html.index("data-total") < html.index("data-receipt-footer")
        # Print stays black on white: the paper tokens are inline (the page loads nothing).
        assert "--color-print-ink: #000000;" in html and "<link" not in html


async def test_the_escpos_receipt_prints_them_as_text_and_shaped_arabic_rows(
    client: httpx.AsyncClient, invoice_id: Any
) -> None:
    await login(client, "till")
    url = f"/api/v1/invoices/{invoice_id}/receipt"
    english = (await client.get(url, params={"format": "escpos", "lang": "en"})).content
    commands, lines = decode_escpos(english)
    assert "Open 9:00-23:00 every day" in lines
    assert "Returns within 7 days with this receipt" in lines
    # The header's text row comes before the first line of the sale, the footer's after the total.
    assert lines.index("Open 9:00-23:00 every day") < next(i for i, x in enumerate(lines) if "Burger" in x)
    total_at = next(i for i, x in enumerate(lines) if "TOTAL EGP" in x)
    assert lines.index("Returns within 7 days with this receipt") > total_at
    # The two Arabic rows of an English receipt are images: exactly the shaped, centred text.
    rows = [raster_image(arg) for name, arg in commands if name == b"\x1dv0"]
    assert [row.tobytes() for row in rows] == [
        textimage.draw_row(escpos.DOTS, center=text, rtl=False, size=escpos.FONT_PX).tobytes()
        for text in ("مرحبا بكم", "شكرا لزيارتكم")
    ]
    assert not any("?" in line for line in lines)

    arabic = (await client.get(url, params={"format": "escpos", "lang": "ar"})).content
    commands, lines = decode_escpos(arabic)
    rows = [raster_image(arg) for name, arg in commands if name == b"\x1dv0"]
    shaped = {row.tobytes() for row in rows}
    for text in ("مرحبا بكم", "شكرا لزيارتكم"):
        expected = textimage.draw_row(escpos.DOTS, center=text, rtl=True, size=escpos.FONT_PX)
        assert expected.tobytes() in shaped, text
    assert "Open 9:00-23:00 every day" in lines


def test_a_receipt_without_shop_text_has_no_empty_rows() -> None:
    from app.invoices._receipt import shop_lines

    assert shop_lines("") == () and shop_lines(" \n\n ") == ()
    assert shop_lines(" a \r\nb") == ("a", "b")
    doc_bytes = escpos.render(_doc(), ("en",))
    _, lines = decode_escpos(doc_bytes)
    assert lines.count("") <= 2


def _doc() -> Any:
    from app.invoices._receipt import ReceiptDoc

    return ReceiptDoc(
        proforma=False,
        title="Invoice",
        seller_name="Plain",
        seller_address="",
        seller_tax_number=None,
        number="X-1",
        amends=None,
        amendment_reason=None,
        date="2026-12-05 12:00",
        currency="EGP",
        prices_include_tax=False,
        buyer=[],
        lines=[],
        subtotal=str(Decimal("0.00")),
        discount=None,
        taxes=[],
        tax_total="0.00",
        delivery_charge=None,
        total="0.00",
    )

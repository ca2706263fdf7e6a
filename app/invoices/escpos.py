"""A receipt as ESC/POS bytes for an 80 mm thermal printer (48 columns of font A).

Commands used (Epson ESC/POS, understood by nearly every receipt printer): ESC @ (initialise), ESC t 19
(code page PC858: Western European with the euro sign), ESC a n (alignment), ESC E n (bold), GS ! n
(double height for the total), LF, and GS V 66 n (feed n lines, then a partial cut). Text is encoded in
PC858; a character it lacks (Arabic, CJK, emoji) prints as "?" — such shops need a printer with their own
code page, which is a setting for later.
"""

from __future__ import annotations

import textwrap

from app.invoices._receipt import ReceiptDoc

WIDTH = 48
CODE_PAGE = 19  # ESC t 19 = PC858
ENCODING = "cp858"

ESC = b"\x1b"
GS = b"\x1d"
INIT = ESC + b"@"
SELECT_CODE_PAGE = ESC + b"t" + bytes([CODE_PAGE])
LEFT, CENTER = ESC + b"a\x00", ESC + b"a\x01"
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"
DOUBLE_HEIGHT, NORMAL_SIZE = GS + b"!\x01", GS + b"!\x00"
LF = b"\n"
CUT = GS + b"V" + bytes([66, 3])

# Typographic characters with a plain equivalent, so a dash does not print as "?".
_PLAIN = str.maketrans(
    {
        "\u2014": "-",  # em dash
        "\u2013": "-",  # en dash
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00d7": "x",  # multiplication sign
        "\u2026": "...",
        "\u2116": "No.",  # numero sign: an old order's reference (app/orders/ref.py)
    }
)


def text(value: str) -> bytes:
    return value.translate(_PLAIN).encode(ENCODING, errors="replace")


def columns(left: str, right: str, width: int = WIDTH) -> list[str]:
    """`left` wrapped to leave room for `right`, which sits right-aligned on the last row."""
    room = max(8, width - len(right) - 1)
    rows = textwrap.wrap(left, room) or [""]
    last = rows[-1]
    rows[-1] = last + " " * (width - len(last) - len(right)) + right
    return rows


class _Writer:
    def __init__(self) -> None:
        self.out = bytearray(INIT + SELECT_CODE_PAGE)

    def raw(self, data: bytes) -> None:
        self.out += data

    def line(self, value: str = "") -> None:
        self.out += text(value) + LF

    def wrapped(self, value: str) -> None:
        for row in textwrap.wrap(value, WIDTH) or [""]:
            self.line(row)

    def pair(self, left: str, right: str) -> None:
        for row in columns(left, right):
            self.line(row)

    def rule(self) -> None:
        self.line("-" * WIDTH)


def render(doc: ReceiptDoc) -> bytes:
    w = _Writer()
    _header(w, doc)
    _lines(w, doc)
    _totals(w, doc)
    _payments(w, doc)
    w.raw(CENTER)
    w.line()
    if doc.proforma:
        w.raw(BOLD_ON)
        w.wrapped(doc.title)
        w.raw(BOLD_OFF)
    else:
        w.line("Thank you")
    w.raw(CUT)
    return bytes(w.out)


def _header(w: _Writer, doc: ReceiptDoc) -> None:
    w.raw(CENTER)
    if doc.proforma:
        w.raw(BOLD_ON)
        w.wrapped(doc.title)
        w.raw(BOLD_OFF)
    w.raw(BOLD_ON)
    w.wrapped(doc.seller_name)
    w.raw(BOLD_OFF)
    if doc.seller_address:
        w.wrapped(doc.seller_address)
    if doc.seller_tax_number:
        w.line(f"Tax no. {doc.seller_tax_number}")
    if not doc.proforma:
        w.raw(BOLD_ON)
        w.line(f"{doc.title} {doc.number}")
        w.raw(BOLD_OFF)
    if doc.amends:
        w.line(f"Amends {doc.amends}")
    if doc.order_ref:
        w.line(f"Order {doc.order_ref}")
    w.line(doc.date)
    if doc.token:
        w.raw(BOLD_ON)
        w.line(f"Token {doc.token}")
        w.raw(BOLD_OFF)
    w.raw(LEFT)
    if doc.amendment_reason:
        w.wrapped(f"Reason: {doc.amendment_reason}")
    if doc.buyer:
        w.rule()
        for row in doc.buyer:
            w.wrapped(row)


def _lines(w: _Writer, doc: ReceiptDoc) -> None:
    w.rule()
    for line in doc.lines:
        indent = "  " if line.component else ""
        amount = "" if line.component and not _nonzero(line.amount) else line.amount
        w.pair(f"{indent}{line.qty} {line.unit} {line.name}", amount)
        for modifier in line.modifiers:
            w.wrapped(f"{indent}  {modifier}")
        if line.allergens:
            w.wrapped(f"{indent}  Allergens: {', '.join(line.allergens)}")
        if line.discount:
            reason = f" ({line.discount_reason})" if line.discount_reason else ""
            w.pair(f"{indent}  Discount{reason}", f"-{line.discount}")
    w.rule()


def _totals(w: _Writer, doc: ReceiptDoc) -> None:
    if not doc.prices_include_tax:
        w.pair("Subtotal", doc.subtotal)
    if doc.discount:
        w.pair("Discounts included", f"-{doc.discount}")
    label = "incl. " if doc.prices_include_tax else ""
    for rate, taxable, tax in doc.taxes:
        w.pair(f"{label}Tax {rate}% on {taxable}", tax)
    if doc.delivery_charge:
        w.pair("Delivery", doc.delivery_charge)
    w.raw(BOLD_ON + DOUBLE_HEIGHT)
    w.pair(f"TOTAL {doc.currency}", doc.total)
    w.raw(NORMAL_SIZE + BOLD_OFF)


def _payments(w: _Writer, doc: ReceiptDoc) -> None:
    if not doc.payments:
        return
    w.rule()
    for p in doc.payments:
        ref = f" {p.reference}" if p.reference else ""
        w.pair(f"{p.method}{ref}", p.amount)
        for label, value in (
            ("  Tendered", p.tendered),
            ("  Cash rounding", p.rounding),
            ("  Change", p.change),
            ("  Refunded", f"-{p.refunded}" if p.refunded else None),
        ):
            if value:
                w.pair(label, value)
    if doc.balance:
        w.pair("Balance due", doc.balance)


def _nonzero(amount: str) -> bool:
    return any(ch not in "0.-" for ch in amount)

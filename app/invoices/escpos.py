"""A receipt as ESC/POS bytes for an 80 mm thermal printer (48 columns of font A, 576 dots a row).

Commands used (Epson ESC/POS, understood by nearly every receipt printer): ESC @ (initialise), ESC t 19
(code page PC858: Western European with the euro sign), ESC a n (alignment), ESC E n (bold), GS ! n
(double height for the total), LF, GS v 0 (a raster bit image) and GS V 66 n (feed n lines, then a
partial cut).

Text the code page can print goes as text. A row with Arabic (or anything else PC858 lacks) goes as a
raster image of that row, shaped and laid out right to left (app/lib/textimage.py), so an Arabic receipt
prints correctly on any printer that does raster images — which every current receipt printer does —
instead of the "?" a code page without Arabic gives.
"""

from __future__ import annotations

import textwrap

from PIL import Image

from app.invoices._receipt import UNIT_WORDS, ReceiptDoc
from app.invoices._words import Words
from app.lib import textimage
from app.lib.i18n import _

WIDTH = 48
DOTS = 576  # 72 mm printable at 203 dpi
CODE_PAGE = 19  # ESC t 19 = PC858
ENCODING = "cp858"
FONT_PX = 24  # about the height of font A, so image rows sit among text rows
BIG_PX = 34

ESC = b"\x1b"
GS = b"\x1d"
INIT = ESC + b"@"
SELECT_CODE_PAGE = ESC + b"t" + bytes([CODE_PAGE])
LEFT, CENTER, RIGHT = ESC + b"a\x00", ESC + b"a\x01", ESC + b"a\x02"
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"
DOUBLE_HEIGHT, NORMAL_SIZE = GS + b"!\x01", GS + b"!\x00"
LF = b"\n"
CUT = GS + b"V" + bytes([66, 3])
RASTER = GS + b"v0"

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


def raster(image: Image.Image) -> bytes:
    """GS v 0: a 1-bit image, its width in bytes and its height in dots, then its rows."""
    width_bytes = (image.width + 7) // 8
    header = RASTER + bytes(
        [0, width_bytes % 256, width_bytes // 256, image.height % 256, image.height // 256]
    )
    return header + b"".join(textimage.raster_rows(image))


class _Writer:
    def __init__(self, *, rtl: bool) -> None:
        self.out = bytearray(INIT + SELECT_CODE_PAGE)
        self.rtl = rtl
        self.centered = False
        self.bold = False
        self.big = False

    def raw(self, data: bytes) -> None:
        self.out += data

    def center(self, on: bool) -> None:
        self.centered = on
        self.out += CENTER if on else (RIGHT if self.rtl else LEFT)

    def emphasis(self, *, bold: bool, big: bool = False) -> None:
        self.bold, self.big = bold, big
        self.out += (BOLD_ON if bold else BOLD_OFF) + (DOUBLE_HEIGHT if big else NORMAL_SIZE)

    def _needs_image(self, *values: str) -> bool:
        return any(textimage.needs_image(v.translate(_PLAIN), ENCODING) for v in values if v)

    def _image(self, *, start: str = "", end: str = "", center: str = "") -> None:
        size = BIG_PX if self.big else FONT_PX
        image = textimage.draw_row(
            DOTS, start=start, end=end, center=center, rtl=self.rtl, size=size, bold=self.bold
        )
        self.out += raster(image)

    def line(self, value: str = "") -> None:
        if not self._needs_image(value):
            self.out += text(value) + LF
        elif self.centered:
            self._image(center=value)
        else:
            self._image(start=value)

    def wrapped(self, value: str) -> None:
        if not self._needs_image(value):
            for row in textwrap.wrap(value, WIDTH) or [""]:
                self.line(row)
            return
        face = textimage.font(BIG_PX if self.big else FONT_PX, bold=self.bold)
        for row in textimage.wrap(value, DOTS, face):
            self.line(row)

    def pair(self, left: str, right: str) -> None:
        if not self.rtl and not self._needs_image(left, right):
            for row in columns(left, right):
                self.line(row)
            return
        # Right to left (or a name the code page lacks): the label at the reading start, the amount at
        # the other edge, the label wrapped onto rows of its own when it is long.
        face = textimage.font(BIG_PX if self.big else FONT_PX, bold=self.bold)
        room = DOTS - face.getlength(right) - face.getlength("  ")
        rows = textimage.wrap(left, int(room), face)
        for row in rows[:-1]:
            self._image(start=row)
        self._image(start=rows[-1], end=right)

    def rule(self) -> None:
        self.out += text("-" * WIDTH) + LF


def render(doc: ReceiptDoc, languages: tuple[str, ...] | None = None) -> bytes:
    words = Words(languages or (doc.language,))
    w = _Writer(rtl=words.rtl)
    _header(w, doc, words)
    _lines(w, doc, words)
    _totals(w, doc, words)
    _payments(w, doc, words)
    w.center(True)
    w.line()
    # The shop's own footer (a return policy, a web address), each of its lines as typed.
    for row in doc.footer_lines:
        w.wrapped(row)
    if doc.proforma:
        w.emphasis(bold=True)
        w.wrapped(words(doc.title))
        w.emphasis(bold=False)
    else:
        w.line(words(_("Thank you")))
    w.raw(CUT)
    return bytes(w.out)


def _header(w: _Writer, doc: ReceiptDoc, words: Words) -> None:
    w.center(True)
    if doc.proforma:
        w.emphasis(bold=True)
        w.wrapped(words(doc.title))
        w.emphasis(bold=False)
    w.emphasis(bold=True)
    w.wrapped(doc.seller_name)
    w.emphasis(bold=False)
    if doc.seller_address:
        w.wrapped(doc.seller_address)
    if doc.seller_tax_number:
        w.line(words(_("Tax no. %(number)s", number=doc.seller_tax_number)))
    # The shop's own header (opening hours, a phone, a welcome): the manager's words, whatever language.
    for row in doc.header_lines:
        w.wrapped(row)
    if not doc.proforma:
        w.emphasis(bold=True)
        number = textimage.ltr(doc.number or "") if words.rtl else doc.number
        w.line(f"{words(doc.title)} {number}")
        w.emphasis(bold=False)
    if doc.amends:
        w.line(words(_("Amends %(number)s", number=doc.amends)))
    if doc.order_ref:
        # "#42" reads left to right inside Arabic too.
        ref = textimage.ltr(doc.order_ref) if words.rtl else doc.order_ref
        w.line(words(_("Order %(ref)s", ref=ref)))
    w.line(doc.date)
    if doc.token:
        w.emphasis(bold=True)
        w.line(words(_("Token %(token)s", token=doc.token)))
        w.emphasis(bold=False)
    w.center(False)
    if doc.amendment_reason:
        w.wrapped(words(_("Reason: %(reason)s", reason=doc.amendment_reason)))
    if doc.buyer:
        w.rule()
        for row in doc.buyer:
            w.wrapped(words(row))


def _lines(w: _Writer, doc: ReceiptDoc, words: Words) -> None:
    w.rule()
    for line in doc.lines:
        indent = "  " if line.component else ""
        amount = "" if line.component and not _nonzero(line.amount) else line.amount
        unit = words.first(UNIT_WORDS.get(line.unit, line.unit))
        w.pair(f"{indent}{line.qty} {unit} {line.name}", amount)
        for modifier in line.modifiers:
            w.wrapped(f"{indent}  {modifier}")
        if line.allergens:
            names = ", ".join(words.first(name) for name in line.allergens)
            w.wrapped(f"{indent}  {words.first(line.allergens_label, list=names)}")
        if line.discount:
            label = (
                words(_("Discount (%(reason)s)", reason=line.discount_reason))
                if line.discount_reason
                else words(_("Discount"))
            )
            w.pair(f"{indent}  {label}", f"-{line.discount}")
    w.rule()


def _totals(w: _Writer, doc: ReceiptDoc, words: Words) -> None:
    if not doc.prices_include_tax:
        w.pair(words(_("Subtotal")), doc.subtotal)
    if doc.discount:
        w.pair(words(_("Discounts included")), f"-{doc.discount}")
    for rate, taxable, tax in doc.taxes:
        label = (
            _("incl. Tax %(rate)s%% on %(taxable)s", rate=rate, taxable=taxable)
            if doc.prices_include_tax
            else _("Tax %(rate)s%% on %(taxable)s", rate=rate, taxable=taxable)
        )
        w.pair(words(label), tax)
    if doc.delivery_charge:
        w.pair(words(_("Delivery")), doc.delivery_charge)
    w.emphasis(bold=True, big=True)
    w.pair(words(_("TOTAL %(currency)s", currency=doc.currency)), doc.total)
    w.emphasis(bold=False)


def _payments(w: _Writer, doc: ReceiptDoc, words: Words) -> None:
    if not doc.payments:
        return
    w.rule()
    for p in doc.payments:
        ref = f" {p.reference}" if p.reference else ""
        w.pair(f"{words(p.method)}{ref}", p.amount)
        for label, value in (
            (_("Tendered"), p.tendered),
            (_("Cash rounding"), p.rounding),
            (_("Change"), p.change),
            (_("Refunded"), f"-{p.refunded}" if p.refunded else None),
        ):
            if value:
                w.pair(f"  {words(label)}", value)
    if doc.balance:
        w.pair(words(_("Balance due")), doc.balance)


def _nonzero(amount: str) -> bool:
    return any(ch not in "0.-" for ch in amount)

"""Arabic on a thermal printer: rows the code page cannot print go as raster images of the shaped,
right-to-left text; the bytes are decoded back into images here and checked (where the ink is, that
they are exactly the shaped text, that nothing prints as "?")."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from app.invoices import escpos
from app.invoices._receipt import ReceiptDoc, ReceiptLine, ReceiptPayment
from app.lib import textimage
from tests.support.escpos import decode_escpos, raster_image

SHOTS = Path(os.environ.get("PASSLINE_SHOTS", "/tmp/shots")) / "ui-core"


def receipt(**fields: object) -> ReceiptDoc:
    values: dict[str, object] = {
        "proforma": False,
        "title": "Invoice",
        "seller_name": "مطعم النيل",
        "seller_address": "١٢ شارع التحرير، الدقي",
        "seller_tax_number": "EG-777",
        "number": "DQ-2026-000042",
        "amends": None,
        "amendment_reason": None,
        "date": "2026-12-05 12:05",
        "currency": "EGP",
        "prices_include_tax": False,
        "buyer": [],
        "lines": [
            ReceiptLine("كشري كبير", "2", "piece", "90.00", False, None, None),
            ReceiptLine("Burger", "1", "piece", "57.00", False, "5.00", "loyalty"),
        ],
        "subtotal": "142.00",
        "discount": "5.00",
        "taxes": [("14", "142.00", "19.88")],
        "tax_total": "19.88",
        "delivery_charge": None,
        "total": "161.88",
        "payments": [ReceiptPayment("Cash", "161.88", None, "200.00", "38.12", None, None, "captured")],
        "order_ref": "#42",
        "token": 42,
        "language": "ar",
    }
    values.update(fields)
    return ReceiptDoc(**values)  # type: ignore[arg-type]


def images(data: bytes) -> list[Image.Image]:
    commands, _ = decode_escpos(data)
    return [raster_image(arg) for name, arg in commands if name == b"\x1dv0"]


def ink_columns(image: Image.Image) -> tuple[int, int]:
    """First and last column with any black dot."""
    box = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    assert box is not None, "an empty row"
    return box[0], box[2]


def save_strip(name: str, rows: list[Image.Image]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    strip = Image.new("1", (576, sum(r.height for r in rows)), 1)
    y = 0
    for row in rows:
        strip.paste(row, (0, y))
        y += row.height
    strip.save(SHOTS / f"{name}.png")


def test_an_arabic_receipt_prints_shaped_right_to_left_rows_and_no_question_marks() -> None:
    data = escpos.render(receipt(), ("ar",))
    commands, lines = decode_escpos(data)
    rows = images(data)
    save_strip("escpos-ar", rows)
    assert len(rows) >= 10
    assert all(r.width == 576 for r in rows)
    # Whatever went as text is plain (numbers, rules): not one "?" from a missing code page.
    assert not any("?" in line for line in lines)
    # Text rows of a right-to-left receipt are right aligned (ESC a 2).
    assert (b"\x1ba", b"\x02") in commands
    # The total row: the label at the right edge, the amount at the left.
    face = textimage.font(escpos.BIG_PX, bold=True)
    total = next(r for r in rows if r.height == face.getmetrics()[0] + face.getmetrics()[1] + 4)
    left, right = ink_columns(total)
    assert left < 10 and right > 560
    # The decoded bytes are exactly the shaped row: label (shaped, right) and amount (left).
    expected = textimage.draw_row(
        576, start="الإجمالي EGP", end="161.88", rtl=True, size=escpos.BIG_PX, bold=True
    )
    assert total.tobytes() == expected.tobytes()


def test_shaping_joins_letters_and_orders_them_for_display() -> None:
    shown = textimage.visual("الإجمالي")
    # Presentation forms (joined glyphs), first letter last: what a left-to-right printer must draw.
    assert all(0xFE70 <= ord(ch) <= 0xFEFF for ch in shown)
    assert shown == "\ufef2\ufedf\ufe8e\ufee4\ufe9f\ufef9\ufe8d"
    # A number inside Arabic keeps its own left-to-right order, brackets mirror, a reference stays whole.
    assert "161.88" in textimage.visual("الإجمالي 161.88")
    assert textimage.visual("خصم (loyalty)").startswith("(loyalty) ")
    assert textimage.visual("الطلب " + textimage.ltr("#42")).startswith("#42 ")
    unshaped = textimage.draw_row(576, start="الإجمالي", rtl=True)
    naive = Image.new("1", unshaped.size, 1)
    from PIL import ImageDraw

    ImageDraw.Draw(naive).text((0, 2), "الإجمالي", font=textimage.font(24), fill=0)
    assert unshaped.tobytes() != naive.tobytes()


def test_a_bilingual_receipt_says_both_and_an_english_one_keeps_text_rows() -> None:
    both = escpos.render(receipt(), ("ar", "en"))
    assert len(images(both)) >= 10
    english = escpos.render(receipt(seller_name="Nile Kitchen", seller_address="12 Tahrir St"), ("en",))
    _commands, lines = decode_escpos(english)
    rows = images(english)
    save_strip("escpos-en-arabic-dish", rows)
    # Only the row naming the Arabic dish is an image; the rest is text, left aligned as before.
    assert len(rows) == 1
    left, right = ink_columns(rows[0])
    assert left < 10 and right > 560  # name at the left, amount at the right
    assert "TOTAL EGP" in " ".join(lines) and "Thank you" in lines
    assert not any("?" in line for line in lines)


def test_unknown_receipt_languages_fall_back_to_the_branch() -> None:
    from app.invoices._words import Words, receipt_languages
    from app.lib.i18n import gettext

    assert receipt_languages("ar,en", "en") == ("ar", "en")
    assert receipt_languages("xx, EN-gb", "ar") == ("en",)
    assert receipt_languages("zz", "ar") == ("ar",)
    assert receipt_languages(None, "ar") == ("ar",)
    words = Words(("ar", "en"))
    # Each language in its own direction (RLE/LRE … PDF), so punctuation stays at its own end.
    thanks = gettext("ar", "Thank you")
    assert words("Thank you") == f"\u202b{thanks}\u202c / \u202aThank you\u202c"
    assert Words(("en",))("Thank you") == "Thank you"
    assert words.rtl

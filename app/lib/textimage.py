"""Text as a 1-bit image, for receipt printers that have no code page for it (Arabic).

Arabic letters change shape with their neighbours and run right to left, and a thermal printer's text
mode does neither. So a line is shaped (arabic-reshaper: the joined presentation forms), put in display
order (python-bidi: the Unicode bidirectional algorithm, so numbers and Latin words inside stay left to
right) and drawn with Pillow in a font that has the glyphs (DejaVu Sans, from npm in displays/, or the
system's). Pillow's own layout engine is kept to BASIC so the result does not depend on which shaping
libraries the machine happens to have.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

from arabic_reshaper import reshape

# The pure-Python implementation of the algorithm: it mirrors brackets ("(note)" stays "(note)" in
# Arabic) and honours LRE/PDF embeddings, which the compiled `bidi.get_display` of python-bidi 0.6 does not.
from bidi.algorithm import get_display
from PIL import Image, ImageDraw, ImageFont

_ROOT = Path(__file__).resolve().parents[2]
FONT_CANDIDATES = (
    _ROOT / "displays" / "node_modules" / "dejavu-fonts-ttf" / "ttf" / "DejaVuSans.ttf",
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
BOLD_CANDIDATES = (
    _ROOT / "displays" / "node_modules" / "dejavu-fonts-ttf" / "ttf" / "DejaVuSans-Bold.ttf",
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)


def needs_image(text: str, encoding: str) -> bool:
    """True when a printer's text mode cannot print `text`: a character outside its code page, or any
    right-to-left letter (which would print unshaped and backwards even where the code page has it)."""
    if any(_is_rtl(ch) for ch in text):
        return True
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return True
    return False


def _is_rtl(ch: str) -> bool:
    code = ord(ch)
    return 0x0590 <= code <= 0x08FF or 0xFB1D <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


def is_rtl_text(text: str) -> bool:
    """The first strong character decides, as `dir=auto` does in a browser."""
    for ch in text:
        if _is_rtl(ch):
            return True
        if ch.isalpha():
            return False
    return False


# Isolates (LRI/RLI/FSI … PDI, as the templates' |ltr and |bidi filters write) become the embeddings the
# algorithm knows (LRE/RLE … PDF): the same effect for a single line of text.
_ISOLATES = str.maketrans({"\u2066": "\u202a", "\u2067": "\u202b", "\u2068": "\u202a", "\u2069": "\u202c"})


def ltr(text: str) -> str:
    """Text that reads left to right inside right-to-left text (an order reference "#42", a code)."""
    return f"\u202a{text}\u202c"


def visual(text: str) -> str:
    """Shaped and in display order: what is drawn left to right."""
    return str(get_display(reshape(text.translate(_ISOLATES))))


@functools.cache
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    override = os.environ.get("PASSLINE_RECEIPT_FONT")
    candidates = ((Path(override),) if override else ()) + (BOLD_CANDIDATES if bold else ()) + FONT_CANDIDATES
    for path in candidates:
        if path.is_file():
            return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)
    raise RuntimeError(
        "no font with Arabic glyphs: run `make setup` (DejaVu from npm) or install fonts-dejavu-core"
    )


def wrap(text: str, width_px: int, face: ImageFont.FreeTypeFont) -> list[str]:
    """Words in logical order, greedily filled into lines no wider than `width_px` once shaped."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and face.getlength(visual(trial)) > width_px:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    return lines


def draw_row(
    width_px: int,
    *,
    start: str = "",
    end: str = "",
    center: str = "",
    rtl: bool = False,
    size: int = 24,
    bold: bool = False,
) -> Image.Image:
    """One printed row as a 1-bit image `width_px` wide: `start` at the reading start (the right edge in
    right-to-left), `end` at the other edge (an amount), or one `center` text."""
    face = font(size, bold=bold)
    ascent, descent = face.getmetrics()
    height = ascent + descent + 4
    image = Image.new("1", (width_px, height), 1)
    pen = ImageDraw.Draw(image)
    if center:
        shown = visual(center)
        pen.text(((width_px - face.getlength(shown)) / 2, 2), shown, font=face, fill=0)
        return image
    left, right = (end, start) if rtl else (start, end)
    if left:
        pen.text((0, 2), visual(left), font=face, fill=0)
    if right:
        shown = visual(right)
        pen.text((width_px - face.getlength(shown), 2), shown, font=face, fill=0)
    return image


def raster_rows(image: Image.Image) -> Iterator[bytes]:
    """The image's rows as ESC/POS raster bytes: 8 dots a byte, most significant first, 1 = black."""
    bw = image.convert("1")
    width, height = bw.size
    row_bytes = (width + 7) // 8
    pixels = bw.load()
    assert pixels is not None
    for y in range(height):
        row = bytearray(row_bytes)
        for x in range(width):
            if pixels[x, y] == 0:
                row[x // 8] |= 0x80 >> (x % 8)
        yield bytes(row)

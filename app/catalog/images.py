"""Product pictures: whatever a manager uploads is checked by Pillow and re-encoded before it is kept.

Re-encoding (rather than storing the upload) means what the tills load is always a small WebP that Pillow
itself wrote: a file that only claims to be an image, a polyglot, or a photo carrying its GPS position in
EXIF never reaches a browser.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, UnidentifiedImageError

from app.lib.errors import unprocessable
from app.lib.i18n import _

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Bigger than any tile or card shows; keeps each stored picture to tens of kilobytes.
MAX_SIDE = 800
# A 2 MB file can still claim a huge canvas (a decompression bomb); refuse before decoding it.
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
CONTENT_TYPE = "image/webp"


class StoredImage:
    __slots__ = ("data", "digest", "height", "width")

    def __init__(self, data: bytes, width: int, height: int) -> None:
        self.data = data
        self.width = width
        self.height = height
        self.digest = hashlib.sha256(data).hexdigest()[:16]


def prepare_image(raw: bytes) -> StoredImage:
    """The upload as the WebP that is stored, or a 422 saying why it is not a picture we take."""
    if not raw:
        raise unprocessable("image", _("the file is empty"))
    if len(raw) > MAX_UPLOAD_BYTES:
        raise unprocessable(
            "image", _("the file is %(size)s MB; a picture may be at most 2 MB", size=_mb(len(raw)))
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns (and our tests turn warnings into errors) on large canvases: checked below instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                kind = probe.format
                width, height = probe.size
                probe.verify()
            if kind not in ACCEPTED_FORMATS:
                raise unprocessable(
                    "image", _("%(kind)s files are not accepted; use JPEG, PNG or WebP", kind=kind or "?")
                )
            if width * height > MAX_PIXELS:
                raise unprocessable(
                    "image",
                    _(
                        "the picture is %(width)s x %(height)s pixels; that is too large",
                        width=width,
                        height=height,
                    ),
                )
            with Image.open(io.BytesIO(raw)) as picture:
                picture.load()
                converted = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise unprocessable(
            "image", _("the file is not a picture Passline can read (JPEG, PNG or WebP)")
        ) from None
    converted.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    converted.save(out, format="WEBP", quality=85, method=4)
    return StoredImage(out.getvalue(), converted.width, converted.height)


def _has_alpha(picture: Image.Image) -> bool:
    return picture.mode in {"RGBA", "LA", "PA"} or (picture.mode == "P" and "transparency" in picture.info)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def image_url(product_id: int, digest: str | None) -> str | None:
    return None if digest is None else f"/media/products/{product_id}/{digest}.webp"

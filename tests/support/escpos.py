"""Reading the ESC/POS bytes a receipt printer gets: its commands and its lines of text."""

from __future__ import annotations

from typing import Any

# Command -> number of argument bytes, for the commands a receipt may use.
COMMANDS = {b"\x1b@": 0, b"\x1bt": 1, b"\x1ba": 1, b"\x1bE": 1, b"\x1d!": 1, b"\x1dV": 2}


def decode_escpos(data: bytes) -> tuple[list[tuple[bytes, bytes]], list[str]]:
    """The commands in order (with their arguments) and the printed text lines (code page 858)."""
    commands: list[tuple[bytes, bytes]] = []
    text = bytearray()
    i = 0
    while i < len(data):
        # GS v 0 m xL xH yL yH, then xL+256*xH bytes for each of yL+256*yH rows: a raster image (a row of
        # Arabic, app/lib/textimage.py). Kept whole as the command's argument; raster_image() reads it.
        if data[i : i + 3] == b"\x1dv0":
            width_bytes, rows = data[i + 4] + 256 * data[i + 5], data[i + 6] + 256 * data[i + 7]
            end = i + 8 + width_bytes * rows
            commands.append((b"\x1dv0", data[i + 3 : end]))
            text.extend(b"\x00\n")  # a placeholder line where the image prints
            i = end
            continue
        two = data[i : i + 2]
        if two in COMMANDS:
            n = COMMANDS[two]
            commands.append((two, data[i + 2 : i + 2 + n]))
            i += 2 + n
            continue
        assert data[i] >= 0x20 or data[i] == 0x0A, f"unexpected control byte {data[i]:#x} at {i}"
        text.append(data[i])
        i += 1
    return commands, text.decode("cp858").split("\n")


def raster_image(argument: bytes) -> Any:
    """A GS v 0 command's argument (mode, size, rows) as a Pillow image: black where the printer burns."""
    from PIL import Image

    width_bytes, rows = argument[1] + 256 * argument[2], argument[3] + 256 * argument[4]
    image = Image.new("1", (width_bytes * 8, rows), 1)
    pixels = image.load()
    body = argument[5:]
    for y in range(rows):
        for x in range(width_bytes * 8):
            if body[y * width_bytes + x // 8] & (0x80 >> (x % 8)):
                pixels[x, y] = 0
    return image

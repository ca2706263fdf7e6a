"""Reading the ESC/POS bytes a receipt printer gets: its commands and its lines of text."""

from __future__ import annotations

# Command -> number of argument bytes, for the commands a receipt may use.
COMMANDS = {b"\x1b@": 0, b"\x1bt": 1, b"\x1ba": 1, b"\x1bE": 1, b"\x1d!": 1, b"\x1dV": 2}


def decode_escpos(data: bytes) -> tuple[list[tuple[bytes, bytes]], list[str]]:
    """The commands in order (with their arguments) and the printed text lines (code page 858)."""
    commands: list[tuple[bytes, bytes]] = []
    text = bytearray()
    i = 0
    while i < len(data):
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

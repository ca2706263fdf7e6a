"""Headless Debian Chromium (never a downloaded one), for the browser tests' session fixture."""

from __future__ import annotations

from pathlib import Path

# Debian's chromium-headless-shell first: the same Chromium (Blink, V8, network stack) built without the
# desktop browser around it, which is what Playwright itself runs for headless tests. On this 2-core box
# it cut the browser tests' time by half (a new page no longer starts the full browser's renderer and UI
# layers). The full browser still serves where only it is installed.
_CANDIDATES = (Path("/usr/bin/chromium-headless-shell"), Path("/usr/bin/chromium"))
CHROMIUM = next((path for path in _CANDIDATES if path.exists()), _CANDIDATES[-1])
HAVE_CHROMIUM = CHROMIUM.exists()
# Without the background-networking flags Chromium keeps dialling Google, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

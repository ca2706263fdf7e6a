"""A display's pairing page in a browser: waiting for its code, and leaving it cleanly."""

from __future__ import annotations

from typing import Any

PAIRING_WAIT_MS = 10_000


async def wait_for_code(page: Any) -> str:
    await page.wait_for_function(
        "() => /^[A-Z0-9]{6}$/.test(document.body.dataset.code || '')", timeout=PAIRING_WAIT_MS
    )
    return str(await page.inner_text("#pair-code"))


async def leave_pairing(page: Any) -> None:
    """Let an unpaired display's request for a new code finish, then stop its polling.

    Otherwise that request (it writes `devices`, whose foreign keys lock `branches` and `users`) can still
    be running when the next test empties every table, and the two deadlock.
    """
    await wait_for_code(page)
    await page.goto("about:blank")

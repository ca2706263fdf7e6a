"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps), the second factor that
admins log in with (DESIGN §8).

Small enough to own rather than depend on: a shared secret in base32 (what authenticator apps take), the
code for a time step, and a check that accepts the step before and after the current one so a phone clock
a little off still works. The caller stores the step it accepted and refuses it (and older ones) next time,
so a code read over a shoulder cannot be replayed within its window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# Steps either side of now that still count: 1 → a code is good for up to 90 seconds.
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, the size RFC 4226 recommends for HMAC-SHA1


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def code_at(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFF_FFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def matching_step(secret: str, code: str, *, now: float | None = None, after_step: int = -1) -> int | None:
    """The time step `code` belongs to, if it is within the drift window and newer than `after_step`."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    centre = current_step(now)
    for step in range(centre - DRIFT_STEPS, centre + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str = "Passline") -> str:
    """The otpauth:// link an authenticator app imports (as a QR code or a tap on the phone)."""
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"

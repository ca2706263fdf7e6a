"""Ceiling: bare Litestar answering 1 kB of JSON (DESIGN §10). Nothing else in the request path."""

from typing import Any

from litestar import Litestar, get

# Twenty order-line-shaped items: 1,0xx bytes once encoded.
PAYLOAD = {
    "items": [{"id": i, "name": f"Item number {i:03d}", "qty": "1.000", "ok": True} for i in range(20)]
}


@get("/json")
async def json_1k() -> dict[str, Any]:
    return PAYLOAD


app = Litestar([json_1k])

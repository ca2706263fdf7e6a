"""The demo shop: two branches, a 240-product catalog and a combo meal, a till per branch, customers, couriers and staff logins.

`passline run` seeds it on first start so a newcomer has something to click; `passline seed-demo` does it
on demand. All demo logins share `DEMO_PASSWORD`.
"""

from app.demo._shop import DEMO_PASSWORD, DEMO_USERS
from app.demo.seed import SeedReport, seed_demo

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "SeedReport", "seed_demo"]

"""A shop at rush hour, for locust: cashiers ring up sales, the kitchen moves them, managers watch the board.

    locust -f tests/load/locustfile.py --headless -u 50 -r 10 -t 30s --host http://127.0.0.1:8000

Point it at a running Passline with the demo shop (`make run`, or `passline seed-demo` then `passline
web`). Everything happens in the Downtown branch (DT), like a single busy shop:

- cashier (weight 5): a counter sale of three lines from three kitchen stations, a fresh client UUID each;
- kitchen (weight 3): takes the oldest received order, starts it (received -> preparing), then bumps it
  (preparing -> ready);
- manager (weight 1): reads the board snapshot, opens an order, and clears the pass by cancelling ready
  orders (there is no payment API yet to complete them), so the board stays the size of a real shop's.

Users of one role share one login, like the tablets of one shift; logins are rate limited per address.
"""

from __future__ import annotations

import collections
import random
import uuid
from typing import Any, ClassVar

from gevent.lock import Semaphore
from locust import HttpUser, between, task
from locust.exception import StopUser

try:
    from tests.load._catalog import OrderItem, sellable_items
except ImportError:  # run as `locust -f tests/load/locustfile.py`: locust puts this folder on the path
    from _catalog import OrderItem, sellable_items  # type: ignore[no-redef]

PASSWORD = "passline-demo"
BRANCH_CODE = "DT"
STATIONS = ("grill", "fryer", "drinks")

# Orders waiting for the next step; shared by every user of this locust process.
received: collections.deque[str] = collections.deque(maxlen=5000)
preparing: collections.deque[str] = collections.deque(maxlen=5000)
ready: collections.deque[str] = collections.deque(maxlen=5000)


class Shop:
    """What every user needs once: one session per role, the branch id and products to sell."""

    sessions: ClassVar[dict[str, tuple[dict[str, str], str, dict[str, Any]]]] = {}
    products: ClassVar[dict[str, list[OrderItem]]] = {}
    branch_id: ClassVar[int | None] = None
    lock = Semaphore()

    @classmethod
    def session(cls, user: HttpUser, username: str) -> None:
        with cls.lock:
            if username not in cls.sessions:
                response = user.client.post(
                    "/api/v1/auth/login", json={"username": username, "password": PASSWORD}, name="login"
                )
                if response.status_code != 200:
                    raise StopUser(
                        f"login as {username} failed: {response.status_code} {response.text[:200]}"
                    )
                body = response.json()
                cls.sessions[username] = (dict(response.cookies), body["csrf_token"], body["user"])
            cookies, csrf, me = cls.sessions[username]
            if cls.branch_id is None:
                cls.branch_id = next(b["id"] for b in me["branches"] if b["code"] == BRANCH_CODE)
        user.client.cookies.update(cookies)
        user.client.headers["X-CSRF-Token"] = csrf

    @classmethod
    def load_products(cls, user: HttpUser) -> None:
        with cls.lock:
            if cls.products:
                return
            # The till's own catalog: what is 86'd is left out, required modifiers are chosen; stock-tracked
            # products are left out too (a real shop's 240 cans would run out during the run).
            response = user.client.get(
                "/api/v1/pos/catalog", params={"branch_id": cls.branch_id}, name="/api/v1/pos/catalog"
            )
            response.raise_for_status()
            by_station: dict[str, list[OrderItem]] = {s: [] for s in STATIONS}
            for item in sellable_items(response.json(), untracked=True):
                if item.station_code in by_station:
                    by_station[item.station_code].append(item)
            missing = [s for s, ids in by_station.items() if not ids]
            if missing:
                raise StopUser(f"no sellable product for station(s) {missing}")
            cls.products.update(by_station)


class Cashier(HttpUser):
    weight = 5
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        Shop.session(self, "cashier")
        Shop.load_products(self)

    @task
    def ring_up(self) -> None:
        lines = [random.choice(Shop.products[station]).line(random.randint(1, 3)) for station in STATIONS]
        body = {"id": str(uuid.uuid4()), "branch_id": Shop.branch_id, "channel": "counter", "lines": lines}
        with self.client.post("/api/v1/orders", json=body, catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            received.append(response.json()["id"])


class Kitchen(HttpUser):
    weight = 3
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        Shop.session(self, "kitchen")

    def move(self, order_id: str, to: str) -> bool:
        with self.client.post(
            f"/api/v1/orders/{order_id}/transitions",
            json={"to": to},
            name=f"/api/v1/orders/[id]/transitions to {to}",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return False
        return True

    @task(2)
    def start_cooking(self) -> None:
        if received:
            order_id = received.popleft()
            if self.move(order_id, "preparing"):
                preparing.append(order_id)

    @task(2)
    def bump_to_pass(self) -> None:
        if preparing:
            order_id = preparing.popleft()
            if self.move(order_id, "ready"):
                ready.append(order_id)


class Manager(HttpUser):
    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        Shop.session(self, "manager")

    @task(5)
    def board(self) -> None:
        self.client.get(f"/api/v1/branches/{Shop.branch_id}/board", name="/api/v1/branches/[id]/board")

    @task(2)
    def open_order(self) -> None:
        if ready:
            self.client.get(f"/api/v1/orders/{ready[-1]}", name="/api/v1/orders/[id]")

    @task(3)
    def clear_pass(self) -> None:
        for _ in range(min(len(ready), 5)):
            order_id = ready.popleft()
            self.client.post(
                f"/api/v1/orders/{order_id}/transitions",
                json={"to": "cancelled", "reason": "handed over (load test; no payment API yet)"},
                name="/api/v1/orders/[id]/transitions to cancelled",
            )

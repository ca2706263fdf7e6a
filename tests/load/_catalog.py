"""What a load driver can sell right now, read from the till's catalog document (`GET /api/v1/pos/catalog`):
no database, no Passline imports, so locust's file can use it as well as the drivers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OrderItem:
    """A product the till can sell right now, with the modifier options a line of it must carry (the first
    options of each required group: a Beef Burger needs its doneness)."""

    product_id: int
    station_code: str
    name: str
    modifiers: tuple[int, ...] = ()

    def line(self, qty: int | str = 1, *, note: str | None = None) -> dict[str, Any]:
        line: dict[str, Any] = {"product_id": self.product_id, "qty": str(qty)}
        if self.modifiers:
            line["modifiers"] = list(self.modifiers)
        if note is not None:
            line["note"] = note
        return line


def sellable_items(document: dict[str, Any], *, untracked: bool = False) -> list[OrderItem]:
    """Every product of a till catalog document (`GET /api/v1/pos/catalog`) that a plain counter line can
    sell now: an item (not a bundle, whose components must be chosen), not 86'd here, priced for the counter
    in its base unit, with every required modifier group filled from options not 86'd; in catalog order.
    Stock is not looked at here (the drivers' `stock_up` gives what they sell enough of it); `untracked`
    leaves out stock-tracked products, for a shop whose stock cannot be topped up (locust's)."""
    items: list[OrderItem] = []
    for product in document["products"]:
        if product["kind"] != "item" or not product.get("available", True):
            continue
        if untracked and product.get("stock_tracked"):
            continue
        if not any(
            price["price_list"] == "counter" and price["unit"] == product["base_unit"]
            for price in product["prices"]
        ):
            continue
        chosen: list[int] = []
        for group in product.get("modifier_groups", []):
            options = [o["id"] for o in group["options"] if o["available"]]
            if len(options) < group["min_choices"]:
                break  # a required choice with nothing left to choose: not sellable now
            chosen += options[: group["min_choices"]]
        else:
            items.append(
                OrderItem(
                    product_id=int(product["id"]),
                    station_code=product["station_code"],
                    name=product["name"],
                    modifiers=tuple(chosen),
                )
            )
    return items

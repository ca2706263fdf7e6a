"""A small shop with menu depth (modifier groups, allergens, prep times), made through the menu API as a
manager would, for the menu-depth tests (integration and browser)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support.auth import login
from tests.support.factory import Factory


async def menu_shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="MD", name="Menu depth", prices_include_tax=True)
    other = await factory.branch(code="OB", name="Other branch")
    for code in ("grill", "fryer", "drinks"):
        await factory.station(branch, code)
    burger = await factory.product("Burger", price="50.00", tax_rate="14", station="grill")
    fries = await factory.product("Fries", price="20.00", tax_rate="14", station="fryer")
    cola = await factory.product("Cola", price="10.00", tax_rate="5", station="drinks")
    await factory.user("cashier", roles=("cashier",), branches=(branch,))
    await factory.user("boss", roles=("manager",), branches=(branch, other))
    await factory.user("cook", roles=("kitchen",), branches=(branch,))
    await factory.commit()
    return {"branch": branch, "other": other, "burger": burger, "fries": fries, "cola": cola}


async def put_groups(http: httpx.AsyncClient, shop: dict[str, Any]) -> dict[str, Any]:
    """As the manager: a required "Cook" group (1), "Toppings" (up to 3, first one free), "Remove" (up to
    2, free) and a "Side" option made at the fryer; attached to the burger with allergens and prep time."""
    await login(http, "boss")
    groups: dict[str, Any] = {}
    for body in (
        {
            "code": "cook",
            "name": "Cook",
            "min_choices": 1,
            "max_choices": 1,
            "options": [
                {"code": "medium", "name": "Medium"},
                {"code": "well", "name": "Well done"},
            ],
        },
        {
            "code": "toppings",
            "name": "Toppings",
            "max_choices": 3,
            "free_choices": 1,
            "options": [
                {"code": "cheese", "name": "Extra cheese", "price_delta": "7.50"},
                {"code": "bacon", "name": "Bacon", "price_delta": "12.00"},
                {"code": "egg", "name": "Egg", "price_delta": "5.00"},
                {
                    "code": "onion_rings",
                    "name": "Onion rings",
                    "price_delta": "6.00",
                    "station_code": "fryer",
                },
            ],
        },
        {
            "code": "remove",
            "name": "Remove",
            "max_choices": 2,
            "options": [
                {"code": "no_onion", "name": "no onion", "kind": "remove"},
                {"code": "no_pickles", "name": "no pickles", "kind": "remove"},
            ],
        },
    ):
        response = await http.put("/api/v1/menu/groups", json=body)
        assert response.status_code == 200, response.text
        groups[body["code"]] = response.json()
    response = await http.put(
        f"/api/v1/menu/products/{shop['burger'].id}",
        json={
            "group_ids": [groups["cook"]["id"], groups["toppings"]["id"], groups["remove"]["id"]],
            "allergens": ["gluten", "milk", "sesame"],
            "prep_seconds": {"grill": 420},
        },
    )
    assert response.status_code == 200, response.text
    options = {o["code"]: o["id"] for g in groups.values() for o in g["options"]}
    return {"groups": groups, "option": options}


def burger_order(shop: dict[str, Any], modifiers: list[int], **line: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "branch_id": shop["branch"].id,
        "channel": "counter",
        "lines": [
            {"product_id": shop["burger"].id, "qty": "2", "modifiers": modifiers, **line},
            {"product_id": shop["cola"].id, "qty": "1"},
        ],
    }

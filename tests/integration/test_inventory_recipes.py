"""Recipes: a sale of a menu item takes each ingredient exactly (yield included, sub-recipes flattened), a
cancel puts exactly that back, a short ingredient refuses the sale naming it, and a recipe that contains
itself is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support import inventory as inv
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def kitchen(factory: Factory) -> dict[str, Any]:
    main = await factory.branch(code="MAIN", name="Main")
    burger = await factory.product("Burger", price="57.00")
    bun = await factory.product("Bun", price="0", station="cold")
    patty = await factory.product("Patty", price="0", base_unit="kg")
    sauce = await factory.product("House sauce", price="0", base_unit="kg")
    mayo = await factory.product("Mayonnaise", price="0", base_unit="kg")
    garlic = await factory.product("Garlic", price="0", base_unit="kg")
    cola = await factory.product("Cola", price="15.00", station="drinks")
    await factory.user("boss", roles=("manager",), branches=(main,))
    await factory.commit()
    return locals()


def recipe(*lines: tuple[Any, str, str]) -> dict[str, Any]:
    return {"lines": [{"ingredient_id": p.id, "qty": q, "yield_pct": y} for p, q, y in lines]}


async def test_a_sale_takes_each_ingredient_exactly_and_a_cancel_puts_it_back(
    client: httpx.AsyncClient, kitchen: dict[str, Any], runtime: Any
) -> None:
    k = kitchen
    main = k["main"]
    await login(client, "boss")
    # The house sauce is made in the kitchen: 0.8 kg mayonnaise and 0.2 kg garlic (80 % usable) per kg.
    made = await client.put(
        f"/api/v1/inventory/recipes/{k['sauce'].id}",
        json=recipe((k["mayo"], "0.8", "100"), (k["garlic"], "0.2", "80")),
    )
    assert made.status_code == 200, made.text
    assert [line["gross_qty"] for line in made.json()["lines"]] == ["0.800", "0.250"]
    burger = await client.put(
        f"/api/v1/inventory/recipes/{k['burger'].id}",
        json=recipe((k["bun"], "1", "100"), (k["patty"], "0.150", "90"), (k["sauce"], "0.020", "100")),
    )
    assert burger.status_code == 200, burger.text
    for product, qty in (("bun", "10"), ("patty", "5"), ("mayo", "2"), ("garlic", "1"), ("cola", "5")):
        await inv.receive(client, main, k[product], qty, "1.00")

    sold = await inv.sell(client, main, [(k["burger"], "3"), (k["cola"], "2")])
    assert sold.status_code == 201, sold.text
    # 3 burgers: 3 buns, 3 x 0.167 kg patty (150 g at 90 % yield), 3 x 20 g sauce = 48 g mayo + 15 g garlic.
    taken = {
        "bun": Decimal(3),
        "patty": Decimal("0.501"),
        "mayo": Decimal("0.048"),
        "garlic": Decimal("0.015"),
        "cola": Decimal(2),
    }
    stocked = {"bun": 10, "patty": 5, "mayo": 2, "garlic": 1, "cola": 5}
    for name, qty in taken.items():
        rows = await inv.moves(runtime, main, k[name])
        assert [(r.kind, r.qty) for r in rows][-1] == ("sale", -qty), name
        assert await inv.on_hand(runtime, main, k[name]) == stocked[name] - qty, name
    assert await inv.on_hand(runtime, main, k["burger"]) == 0  # made to order: no stock of its own

    cancelled = await client.post(f"/api/v1/orders/{sold.json()['id']}/cancel", json={"reason": "walked out"})
    assert cancelled.status_code == 200, cancelled.text
    for name, qty in taken.items():
        rows = await inv.moves(runtime, main, k[name])
        assert [(r.kind, r.qty) for r in rows][-1] == ("cancel", qty), name
        assert await inv.on_hand(runtime, main, k[name]) == stocked[name], name
    await inv.assert_ledger_whole(runtime)

    # Short of buns: the sale is refused whole, naming the ingredient; nothing is taken.
    refused = await inv.sell(client, main, [(k["cola"], "1"), (k["burger"], "11")])
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "lines[1].qty"
    assert refused.json()["detail"].endswith("only 10 left of Bun")
    assert await inv.on_hand(runtime, main, k["cola"]) == 5


async def test_a_recipe_that_contains_itself_is_refused(
    client: httpx.AsyncClient, kitchen: dict[str, Any]
) -> None:
    k = kitchen
    await login(client, "boss")
    itself = await client.put(
        f"/api/v1/inventory/recipes/{k['burger'].id}", json=recipe((k["burger"], "1", "100"))
    )
    assert itself.status_code == 422
    assert itself.json()["field"] == "lines[0].ingredient_id"
    assert "contain itself" in itself.json()["detail"]
    ok = await client.put(
        f"/api/v1/inventory/recipes/{k['burger'].id}", json=recipe((k["sauce"], "0.02", "100"))
    )
    assert ok.status_code == 200
    # The sauce made with burger would make the burger contain itself, through the sauce.
    loop = await client.put(
        f"/api/v1/inventory/recipes/{k['sauce'].id}",
        json=recipe((k["mayo"], "1", "100"), (k["burger"], "1", "100")),
    )
    assert loop.status_code == 422
    assert loop.json()["field"] == "lines[1].ingredient_id"
    cases = [
        (recipe((k["bun"], "0", "100")), "lines[0].qty"),
        (recipe((k["bun"], "1", "0")), "lines[0].yield_pct"),
        (recipe((k["bun"], "1", "101")), "lines[0].yield_pct"),
        (recipe((k["bun"], "1", "100"), (k["bun"], "2", "100")), "lines[1].ingredient_id"),
        ({"lines": [{"ingredient_id": 999999, "qty": "1"}]}, "lines[0].ingredient_id"),
    ]
    for body, field in cases:
        response = await client.put(f"/api/v1/inventory/recipes/{k['cola'].id}", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field
    # Stock of a made-to-order product is refused: its ingredients hold the stock.
    moved = await client.post(
        "/api/v1/inventory/moves",
        json={
            "branch_id": k["main"].id,
            "product_id": k["burger"].id,
            "kind": "adjustment",
            "qty": "1",
            "reason": "x",
        },
    )
    assert moved.status_code == 422
    assert "recipe" in moved.json()["detail"]


async def test_the_pickers_find_ingredients_by_name_and_a_case_by_its_barcode(
    client: httpx.AsyncClient, kitchen: dict[str, Any]
) -> None:
    k = kitchen
    await login(client, "boss")
    await client.put(f"/api/v1/inventory/recipes/{k['burger'].id}", json=recipe((k["bun"], "1", "100")))
    found = (await client.get("/api/v1/inventory/products", params={"q": "bu"})).json()
    assert [(p["name"], p["made_to_order"]) for p in found] == [("Bun", False), ("Burger", True)]
    assert found[0]["units"] == [{"unit": "piece", "factor": "1.000", "barcode": None}]
    nothing = (await client.get("/api/v1/inventory/products", params={"barcode": "404"})).json()
    assert nothing == []

"""Menu depth over HTTP against real PostgreSQL and Redis: modifier groups priced by the server (free picks,
tax at the product's rate), carried to the kitchen ticket and the order's lines, refused with a 422 naming
the group or option; allergens and the allergy flag; 86'ing from a station, announced after commit."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import select

from app import events as ev
from app.db.models import AuditLog, MenuUnavailable
from app.events.stream import read_after
from app.invoices.services import issue_for_order
from app.lib.deps import provide_services
from app.menu.services import MenuService
from tests.support.auth import login
from tests.support.escpos import decode_escpos
from tests.support.factory import Factory
from tests.support.menu import burger_order, menu_shop, put_groups
from tests.support.payments import pay
from tests.support.till import with_stock
from workers.jobs.menu import bring_back_menu


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await menu_shop(factory)


@pytest.fixture
async def menu(client: httpx.AsyncClient, shop: dict[str, Any]) -> dict[str, Any]:
    return await put_groups(client, shop)


async def test_modifiers_are_priced_by_the_server_with_free_picks_and_the_products_tax(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any], runtime: Any
) -> None:
    o = menu["option"]
    await login(client, "cashier")
    body = burger_order(
        shop, [o["medium"], o["bacon"], o["cheese"], o["no_onion"]], allergy="  peanuts (severe) "
    )
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    order = response.json()
    burger = order["lines"][0]
    # One free topping: the cheaper (cheese 7.50) is free, bacon is charged: 50 + 12 = 62 a burger.
    assert burger["unit_price"] == "62.00"
    assert burger["line_total"] == "124.00"
    # Tax at the burger's 14 %, extracted (inclusive branch): 124 x 14 / 114.
    assert burger["line_tax"] == "15.23"
    assert order["totals"]["total"] == "134.00"
    assert [(m["name"], m["kind"], m["price"]) for m in burger["modifiers"]] == [
        ("Medium", "add", "0.00"),
        ("Bacon", "add", "12.00"),
        ("Extra cheese", "add", "0.00"),
        ("no onion", "remove", "0.00"),
    ]
    assert burger["allergy"] == "peanuts (severe)"
    assert burger["allergens"] == ["gluten", "milk", "sesame"]

    stream = await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0")
    tickets = [
        msgspec.json.decode(e.raw_data, type=ev.TicketCreated) for e in stream if e.type == "ticket.created"
    ]
    grill = next(t for t in tickets if t.station_code == "grill")
    item = grill.items[0]
    assert item.modifiers.split("\n") == ["+ Medium", "+ Bacon", "+ Extra cheese", "\u2013 no onion"]
    assert item.allergy == "peanuts (severe)"
    assert item.allergens == "gluten,milk,sesame"

    # The station screen's snapshot carries them as well.
    await login(client, "cook")
    snapshot = (await client.get(f"/api/v1/kds/{shop['branch'].id}/grill")).json()
    shown = snapshot["tickets"][0]["items"][0]
    assert shown["modifiers"] == item.modifiers and shown["allergy"] == "peanuts (severe)"


async def test_a_modifier_made_at_another_station_gets_its_own_ticket_there(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any], runtime: Any
) -> None:
    o = menu["option"]
    await login(client, "cashier")
    response = await client.post("/api/v1/orders", json=burger_order(shop, [o["well"], o["onion_rings"]]))
    assert response.status_code == 201, response.text
    assert {t["station_code"] for t in response.json()["tickets"]} == {"grill", "fryer", "drinks"}
    stream = await read_after(runtime.redis, runtime.keys, shop["branch"].id, "0-0")
    tickets = {
        t.station_code: t
        for t in (
            msgspec.json.decode(e.raw_data, type=ev.TicketCreated)
            for e in stream
            if e.type == "ticket.created"
        )
    }
    assert [(i.name, i.bundle, i.qty) for i in tickets["fryer"].items] == [("Onion rings", "Burger", "2")]
    assert tickets["grill"].items[0].modifiers == "+ Well done"


@pytest.mark.parametrize(
    ("picks", "field", "words"),
    [
        ([], "lines[0].modifiers", "Cook needs a choice for Burger"),
        (["medium", "well"], "lines[0].modifiers", "choose at most 1 from Cook (2 chosen)"),
        (
            ["medium", "cheese", "bacon", "egg", "onion_rings"],
            "lines[0].modifiers",
            "at most 3 from Toppings",
        ),
        (["medium", "medium"], "lines[0].modifiers", "Medium is chosen twice in Cook"),
        (["medium", 999_999], "lines[0].modifiers", "option 999999 is not a modifier of Burger"),
    ],
)
async def test_bad_modifier_picks_are_a_422_naming_the_group_or_option(
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    menu: dict[str, Any],
    picks: list[Any],
    field: str,
    words: str,
) -> None:
    ids = [menu["option"][p] if isinstance(p, str) else p for p in picks]
    await login(client, "cashier")
    response = await client.post("/api/v1/orders", json=burger_order(shop, ids))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert words in response.json()["detail"]


async def test_an_option_of_another_product_is_refused(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any]
) -> None:
    await login(client, "cashier")
    body = burger_order(shop, [menu["option"]["medium"]])
    body["lines"][1]["modifiers"] = [menu["option"]["cheese"]]
    response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "lines[1].modifiers"
    assert f"option {menu['option']['cheese']} is not a modifier of Cola" in response.json()["detail"]


async def test_group_edits_are_checked_and_currency_places_enforced(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any]
) -> None:
    await login(client, "boss")
    three = {
        "code": "sauce",
        "name": "Sauce",
        "options": [{"code": "bbq", "name": "BBQ", "price_delta": "1.005"}],
    }
    response = await client.put("/api/v1/menu/groups", json=three)
    assert response.status_code == 422
    assert response.json()["field"] == "options[0].price_delta"
    assert "at most 2 decimal places" in response.json()["detail"]
    upside_down = {"code": "sauce", "name": "Sauce", "min_choices": 3, "max_choices": 2}
    response = await client.put("/api/v1/menu/groups", json=upside_down)
    assert response.status_code == 422 and response.json()["field"] == "min_choices"
    unknown = await client.put(f"/api/v1/menu/products/{shop['burger'].id}", json={"allergens": ["unicorn"]})
    assert unknown.status_code == 422 and unknown.json()["field"] == "allergens[0]"
    await login(client, "cashier")
    forbidden = await client.put("/api/v1/menu/groups", json={"code": "x", "name": "X"})
    assert forbidden.status_code == 403
    allergens = (await client.get("/api/v1/menu/allergens")).json()
    assert len(allergens) == 14 and {"gluten", "peanuts", "lupin", "molluscs"} <= {
        a["code"] for a in allergens
    }


async def test_the_till_catalog_carries_modifiers_allergens_and_availability(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any]
) -> None:
    await login(client, "cashier")
    doc = (await client.get("/api/v1/pos/catalog", params={"branch_id": shop["branch"].id})).json()
    burger = next(p for p in doc["products"] if p["id"] == shop["burger"].id)
    assert [g["code"] for g in burger["modifier_groups"]] == ["cook", "toppings", "remove"]
    toppings = burger["modifier_groups"][1]
    assert (toppings["max_choices"], toppings["free_choices"]) == (3, 1)
    assert [(x["name"], x["price_delta"]) for x in toppings["options"]][:2] == [
        ("Extra cheese", "7.50"),
        ("Bacon", "12.00"),
    ]
    assert burger["allergens"] == ["gluten", "milk", "sesame"] and burger["available"] is True
    assert len(doc["allergen_names"]) == 14


async def test_86_from_the_station_is_announced_refused_and_back(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any], runtime: Any, db_session: Any
) -> None:
    branch = shop["branch"].id
    await login(client, "cook")
    before = await read_after(runtime.redis, runtime.keys, branch, "0-0")
    other_before = await read_after(runtime.redis, runtime.keys, shop["other"].id, "0-0")
    marked = await client.post(
        f"/api/v1/menu/branches/{branch}/unavailable",
        json={"product_id": shop["burger"].id, "reason": "no buns"},
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["source"] == "kds" and marked.json()["name"] == "Burger"
    last = before[-1].id if before else "0-0"
    news = await read_after(runtime.redis, runtime.keys, branch, last)
    assert [e.type for e in news] == ["catalog.changed"]
    changed = msgspec.json.decode(news[0].raw_data, type=ev.CatalogChanged)
    assert changed.kind == "availability" and changed.available is False
    assert changed.product_ids == [str(shop["burger"].id)]
    # Another branch hears nothing.
    assert await read_after(runtime.redis, runtime.keys, shop["other"].id, other_before[-1].id) == []

    await login(client, "cashier")
    refused = await client.post("/api/v1/orders", json=burger_order(shop, [menu["option"]["medium"]]))
    assert refused.status_code == 422
    assert refused.json()["field"] == "lines[0].product_id"
    assert "Burger is 86'd" in refused.json()["detail"]
    doc = (await client.get("/api/v1/pos/catalog", params={"branch_id": branch})).json()
    assert next(p for p in doc["products"] if p["id"] == shop["burger"].id)["available"] is False

    # A cashier may not bring it back; the cook can.
    assert (
        await client.delete(
            f"/api/v1/menu/branches/{branch}/unavailable", params={"product_id": shop["burger"].id}
        )
    ).status_code == 403
    await login(client, "cook")
    back = await client.delete(
        f"/api/v1/menu/branches/{branch}/unavailable", params={"product_id": shop["burger"].id}
    )
    assert back.status_code == 204
    await login(client, "cashier")
    sold = await client.post("/api/v1/orders", json=burger_order(shop, [menu["option"]["medium"]]))
    assert sold.status_code == 201, sold.text
    actions = list(await db_session.scalars(select(AuditLog.action).where(AuditLog.action.like("menu.%"))))
    assert actions.count("menu.86") == 1 and actions.count("menu.back") == 1


async def test_an_86d_option_is_refused_by_name_and_back_at_brings_it_back(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any], runtime: Any, db_session: Any
) -> None:
    branch = shop["branch"].id
    o = menu["option"]
    await login(client, "boss")
    past = await client.post(
        f"/api/v1/menu/branches/{branch}/unavailable",
        json={"option_id": o["bacon"], "back_at": "2020-01-01T10:00:00Z"},
    )
    assert past.status_code == 422 and past.json()["field"] == "back_at"
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    marked = await client.post(
        f"/api/v1/menu/branches/{branch}/unavailable",
        json={"option_id": o["bacon"], "back_at": soon.isoformat()},
    )
    assert marked.status_code == 200, marked.text
    await login(client, "cashier")
    refused = await client.post("/api/v1/orders", json=burger_order(shop, [o["medium"], o["bacon"]]))
    assert refused.status_code == 422 and refused.json()["field"] == "lines[0].modifiers"
    assert "Bacon is 86'd (sold out) until" in refused.json()["detail"]
    doc = (await client.get("/api/v1/pos/catalog", params={"branch_id": branch})).json()
    burger = next(p for p in doc["products"] if p["id"] == shop["burger"].id)
    bacon = next(x for g in burger["modifier_groups"] for x in g["options"] if x["id"] == o["bacon"])
    assert bacon["available"] is False

    # The cron's step, at the back-at time: the row goes, the tills hear it is back.
    async with provide_services(runtime) as scope:
        assert await scope.get(MenuService).bring_back_due(now=soon - dt.timedelta(minutes=1)) == 0
        assert await scope.get(MenuService).bring_back_due(now=soon + dt.timedelta(seconds=1)) == 1
    assert (await db_session.scalar(select(MenuUnavailable.id))) is None
    stream = await read_after(runtime.redis, runtime.keys, branch, "0-0")
    last = msgspec.json.decode(stream[-1].raw_data, type=ev.CatalogChanged)
    assert (last.kind, last.available, last.product_ids) == ("modifiers", True, [str(shop["burger"].id)])
    sold = await client.post("/api/v1/orders", json=burger_order(shop, [o["medium"], o["bacon"]]))
    assert sold.status_code == 201, sold.text


async def test_a_station_display_of_another_branch_cannot_86_here(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any]
) -> None:
    await login(client, "cook")
    response = await client.post(
        f"/api/v1/menu/branches/{shop['other'].id}/unavailable", json={"product_id": shop["burger"].id}
    )
    assert response.status_code == 404
    neither = await client.post(f"/api/v1/menu/branches/{shop['branch'].id}/unavailable", json={})
    assert neither.status_code == 422


async def test_replaying_an_offline_sale_with_modifiers_is_idempotent(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any]
) -> None:
    o = menu["option"]
    await login(client, "cashier")
    body = burger_order(shop, [o["medium"], o["egg"], o["bacon"]], allergy="nuts")
    sync = await client.post("/api/v1/orders/sync", json={"orders": [body, body]})
    assert sync.status_code == 200, sync.text
    results = sync.json()["results"]
    assert results[0]["result"] == "created"
    assert results[1]["result"] in {"duplicate", "existing", "created"} or results[1]["status"] == 200
    again = await client.post("/api/v1/orders", json=body)
    assert again.status_code == 200
    # Egg (5.00) is the free topping; bacon is charged.
    assert again.json()["lines"][0]["unit_price"] == "62.00"
    changed = {**body, "lines": [{**body["lines"][0], "modifiers": [o["medium"]]}, body["lines"][1]]}
    assert (await client.post("/api/v1/orders", json=changed)).status_code == 409
    assert uuid.UUID(again.json()["id"]) and Decimal(again.json()["totals"]["total"]) == Decimal("134.00")


async def test_receipts_print_modifiers_and_allergens_in_html_and_escpos(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any]
) -> None:
    o = menu["option"]
    await login(client, "cashier")
    order = await client.post(
        "/api/v1/orders", json=burger_order(shop, [o["medium"], o["cheese"], o["bacon"], o["no_onion"]])
    )
    assert order.status_code == 201, order.text
    html = await client.get(f"/api/v1/orders/{order.json()['id']}/receipt")
    assert html.status_code == 200
    for text in (
        "+ Bacon 12.00",
        "+ Extra cheese<",
        "\u2013 no onion",
        "Allergens: Cereals containing gluten, Milk, Sesame seeds",
    ):
        assert text in html.text, text
    raw = await client.get(f"/api/v1/orders/{order.json()['id']}/receipt", params={"format": "escpos"})
    _, printed = decode_escpos(raw.content)
    assert "  + Bacon 12.00" in printed and "  - no onion" in printed
    # Wrapped at the paper's 48 columns, indented under the line.
    at = printed.index("  Allergens: Cereals containing gluten, Milk,")
    assert printed[at + 1].strip() == "Sesame seeds"


async def test_selling_the_last_tracked_one_86s_it_and_restocking_brings_it_back(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory, runtime: Any
) -> None:
    branch = shop["branch"]
    await with_stock(factory, shop["fries"], branch, "1")
    await factory.commit()
    await login(client, "cashier")
    body = {
        "id": str(uuid.uuid4()),
        "branch_id": branch.id,
        "channel": "counter",
        "lines": [{"product_id": shop["fries"].id, "qty": "1"}],
    }
    assert (await client.post("/api/v1/orders", json=body)).status_code == 201
    stream = await read_after(runtime.redis, runtime.keys, branch.id, "0-0")
    changed = [
        msgspec.json.decode(e.raw_data, type=ev.CatalogChanged) for e in stream if e.type == "catalog.changed"
    ]
    assert [(c.kind, c.product_ids, c.available) for c in changed] == [
        ("availability", [str(shop["fries"].id)], False)
    ]
    doc = (await client.get("/api/v1/pos/catalog", params={"branch_id": branch.id})).json()
    assert next(p for p in doc["products"] if p["id"] == shop["fries"].id)["available"] is False

    await login(client, "boss")
    restock = await client.put(
        f"/api/v1/branches/{branch.id}/stock/{shop['fries'].id}", json={"qty": "5", "reason": "delivery"}
    )
    assert restock.status_code == 200, restock.text
    assert await bring_back_menu({"runtime": runtime}) == {"back": 1}
    doc = (await client.get("/api/v1/pos/catalog", params={"branch_id": branch.id})).json()
    assert next(p for p in doc["products"] if p["id"] == shop["fries"].id)["available"] is True


async def test_the_invoice_keeps_each_lines_modifiers_and_allergens(
    client: httpx.AsyncClient, shop: dict[str, Any], menu: dict[str, Any], runtime: Any
) -> None:
    o = menu["option"]
    await login(client, "cashier")
    order = (
        await client.post("/api/v1/orders", json=burger_order(shop, [o["well"], o["egg"], o["bacon"]]))
    ).json()
    paid = await pay(client, order["id"], method="cash", amount=order["totals"]["total"], tendered="200.00")
    assert paid.status_code in (200, 201), paid.text
    async with runtime.sessionmaker() as session:
        issued = await issue_for_order(
            session, runtime.redis, runtime.keys, runtime.bus, order_id=uuid.UUID(order["id"])
        )
    assert issued.outcome == "issued"
    invoice = (await client.get(f"/api/v1/invoices/{issued.invoice_id}")).json()
    burger = invoice["lines"][0]
    assert burger["modifiers"] == ["+ Well done", "+ Egg", "+ Bacon 12.00"]
    assert burger["allergens"] == ["gluten", "milk", "sesame"]
    assert "modifiers" not in invoice["lines"][1] or invoice["lines"][1]["modifiers"] == []
    receipt = await client.get(f"/api/v1/invoices/{issued.invoice_id}/receipt")
    assert (
        "+ Bacon 12.00" in receipt.text
        and "Allergens: Cereals containing gluten, Milk, Sesame seeds" in receipt.text
    )

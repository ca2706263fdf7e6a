"""A till's sales over HTTP: discounts (permission, reason, money in both tax modes), bundles (component
lines, tickets grouped under the bundle), stock (guarded, two tills racing for the last unit, back on
cancel), and the till and shift on the order."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from app import events as ev
from app.db.models import AuditLog, Order, ProductStock
from app.events.stream import read_after
from tests.support import sales as build
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    inclusive = await factory.branch(code="IN", name="Inclusive", prices_include_tax=True)
    exclusive = await factory.branch(code="EX", name="Exclusive", prices_include_tax=False)
    burger = await factory.product("Burger", price="57.00", tax_rate="14", station="grill")
    fries = await factory.product("Fries", price="20.00", tax_rate="14", station="fryer")
    cola = await factory.product("Cola 330 ml", price="15.00", tax_rate="14", station="drinks")
    juice = await factory.product("Juice", price="25.00", tax_rate="5", station="drinks")
    bread = await factory.product("Bread", price="2.35", tax_rate="5", station="cold")
    combo = await build.bundle(
        factory,
        "Meal Deal",
        price="125.00",
        groups=[
            ("main", "fixed", 1, [(burger, "0"), (fries, "0")]),
            ("drink", "choice", 1, [(cola, "0"), (juice, "5")]),
        ],
    )
    await build.stock(factory, inclusive, cola, "3")
    await factory.station(inclusive, "fryer")
    cashier = await factory.user("cashier", roles=("cashier",), branches=(inclusive, exclusive))
    await factory.user("boss", roles=("manager",), branches=(inclusive, exclusive))
    front = await build.till(factory, inclusive, "front")
    kiosk = await build.till(factory, inclusive, "kiosk", require_shift=False)
    other_till = await build.till(factory, exclusive, "front")
    front_shift = await build.shift(factory, front, cashier)
    closed_shift = await build.shift(factory, front, cashier, status="closed")
    other_shift = await build.shift(factory, other_till, cashier)
    await factory.commit()
    return locals()


def body(shop: dict[str, Any], lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "branch_id": shop["inclusive"].id,
        "channel": "counter",
        "lines": lines,
    } | extra


async def post(client: httpx.AsyncClient, payload: dict[str, Any]) -> httpx.Response:
    return await client.post("/api/v1/orders", json=payload)


async def on_hand(factory: Factory, branch: Any, product: Any) -> Decimal:
    return Decimal(
        await scalar(
            factory,
            select(ProductStock.qty).where(
                ProductStock.branch_id == branch.id, ProductStock.product_id == product.id
            ),
        )
    )


async def scalar(factory: Factory, stmt: Any) -> Any:
    """A read on its own connection, so the factory's objects stay as they are."""
    async with factory.runtime.sessionmaker() as session:
        return await session.scalar(stmt)


# ---------------------------------------------------------------- discounts


async def test_discounts_need_a_manager_and_a_reason(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    line = {"product_id": shop["burger"].id, "qty": "1"}
    await login(client, "cashier")
    refused = await post(client, body(shop, [line | {"discount": "5.00", "discount_reason": "regular"}]))
    assert refused.status_code == 403
    refused = await post(client, body(shop, [line], discount="5.00", discount_reason="regular"))
    assert refused.status_code == 403

    await login(client, "boss")
    cases = [
        (body(shop, [line | {"discount": "5.00"}]), "lines[0].discount_reason"),
        (body(shop, [line | {"discount": "5.00", "discount_reason": "  "}]), "lines[0].discount_reason"),
        (body(shop, [line], discount="5.00"), "discount_reason"),
        (body(shop, [line | {"discount": "57.01", "discount_reason": "r"}]), "lines[0].discount"),
        (body(shop, [line | {"discount": "-1", "discount_reason": "r"}]), "lines[0].discount"),
        (body(shop, [line], discount="60", discount_reason="r"), "discount"),
        (body(shop, [line], discount="1.005", discount_reason="r"), "discount"),
    ]
    for payload, field in cases:
        response = await post(client, payload)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
    # A zero discount is no discount: no role or reason needed.
    await login(client, "cashier")
    assert (await post(client, body(shop, [line | {"discount": "0"}]))).status_code == 201


@pytest.mark.parametrize("inclusive", [True, False])
async def test_discounts_are_stored_per_line_and_taxed_after(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory, inclusive: bool
) -> None:
    branch = shop["inclusive" if inclusive else "exclusive"]
    await login(client, "boss")
    payload = body(
        shop,
        [
            {"product_id": shop["burger"].id, "qty": "2", "discount": "14.00", "discount_reason": "staff"},
            {"product_id": shop["bread"].id, "qty": "3"},
        ],
        branch_id=branch.id,
        discount="10.00",
        discount_reason="loyal customer",
    )
    response = await post(client, payload)
    assert response.status_code == 201, response.text
    order = response.json()
    burger, bread = order["lines"]
    # Left after the line discount: 100.00 and 7.05; 10.00 is shared 9.34 / 0.66 (last line's remainder).
    assert (burger["discount"], burger["discount_reason"]) == ("23.34", "staff")
    assert (bread["discount"], bread["discount_reason"]) == ("0.66", "loyal customer")
    assert (order["discount"], order["discount_reason"]) == ("10.00", "loyal customer")
    if inclusive:
        assert (burger["line_total"], burger["line_tax"]) == ("90.66", "11.13")
        assert (bread["line_total"], bread["line_tax"]) == ("6.39", "0.30")
        assert order["totals"] == {
            "subtotal": "85.62",
            "tax": "11.43",
            "delivery_charge": "0.00",
            "total": "97.05",
        }
    else:
        assert (burger["line_subtotal"], burger["line_tax"]) == ("90.66", "12.69")
        assert (bread["line_subtotal"], bread["line_tax"]) == ("6.39", "0.32")
        assert order["totals"] == {
            "subtotal": "97.05",
            "tax": "13.01",
            "delivery_charge": "0.00",
            "total": "110.06",
        }

    stored = await client.get(f"/api/v1/orders/{order['id']}")
    money = ("discount", "discount_reason", "line_subtotal", "line_tax", "line_total")
    assert [[x[k] for k in money] for x in stored.json()["lines"]] == [
        [x[k] for k in money] for x in order["lines"]
    ]
    assert stored.json()["discount"] == "10.00"
    # Same id and body again: the same order, not a second one.
    again = await post(client, payload)
    assert again.status_code == 200 and again.json()["id"] == order["id"]


async def test_a_fully_discounted_order_is_paid_from_the_start_and_can_be_handed_over(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    """No tender can be taken on a zero total, and `completed` needs the order paid: it starts paid."""
    await login(client, "boss")
    payload = body(
        shop, [{"product_id": shop["burger"].id, "qty": "1"}], discount="57.00", discount_reason="staff meal"
    )
    response = await post(client, payload)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["totals"]["total"] == "0.00"
    assert order["payment_status"] == "paid"
    for state in ("ready", "completed"):
        moved = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": state})
        assert moved.status_code == 200, moved.text
    refused = await client.post(
        f"/api/v1/orders/{order['id']}/payments",
        json={"id": str(uuid.uuid4()), "method": "card", "amount": "1.00", "reference": "T1"},
    )
    assert refused.status_code in (409, 422), refused.text


# ---------------------------------------------------------------- bundles


async def test_bundle_components_go_to_their_stations_under_the_bundle_name(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "cashier")
    payload = body(
        shop,
        [
            {
                "product_id": shop["combo"].id,
                "qty": "2",
                "choices": [{"group": "drink", "product_id": shop["juice"].id}],
            },
            {"product_id": shop["fries"].id, "qty": "1"},
        ],
    )
    response = await post(client, payload)
    assert response.status_code == 201, response.text
    order = response.json()
    assert [
        (x["line_no"], x["name"], x["qty"], x["parent_line_no"], x["line_total"]) for x in order["lines"]
    ] == [
        (1, "Meal Deal", "2", None, "250.00"),
        (2, "Burger", "2", 1, "0.00"),
        (3, "Fries", "2", 1, "0.00"),
        (4, "Juice", "2", 1, "10.00"),
        (5, "Fries", "1", None, "20.00"),
    ]
    assert order["totals"]["total"] == "280.00"
    # The bundle's own line is made by nobody: three stations, no ticket for the bundle.
    assert sorted(t["station_code"] for t in order["tickets"]) == ["drinks", "fryer", "grill"]

    stream = await read_after(runtime.redis, runtime.keys, shop["inclusive"].id, "0-0")
    tickets = {
        t.station_code: t
        for t in (
            msgspec.json.decode(e.raw_data, type=ev.TicketCreated)
            for e in stream
            if e.type == "ticket.created"
        )
    }
    assert [(i.name, i.qty, i.bundle) for i in tickets["grill"].items] == [("Burger", "2", "Meal Deal")]
    assert [(i.name, i.bundle) for i in tickets["fryer"].items] == [("Fries", "Meal Deal"), ("Fries", None)]
    assert [(i.name, i.bundle) for i in tickets["drinks"].items] == [("Juice", "Meal Deal")]
    raw_fryer = next(e for e in stream if e.type == "ticket.created" and b'"fryer"' in e.raw_data)
    assert b'"bundle"' in raw_fryer.raw_data and raw_fryer.raw_data.count(b'"bundle"') == 1

    # The station screen's snapshot keeps the combo's name too, and the board's card lists the combo with
    # its parts under it.
    await login(client, "boss")
    branch = shop["inclusive"].id
    fryer = (await client.get(f"/api/v1/kds/{branch}/fryer")).json()
    assert [(i["name"], i.get("bundle")) for t in fryer["tickets"] for i in t["items"]] == [
        ("Fries", "Meal Deal"),
        ("Fries", None),
    ]
    board = (await client.get(f"/api/v1/branches/{branch}/board")).json()
    (card,) = [c["card"] for c in board["columns"]["received"] if c["order_id"] == order["id"]]
    assert [(i["name"], i["qty"], i.get("part", False)) for i in card["items"]] == [
        ("Meal Deal", "2", False),
        ("Burger", "2", True),
        ("Fries", "2", True),
        ("Juice", "2", True),
        ("Fries", "1", False),
    ]


async def test_wrong_bundle_choices_are_422(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    combo = {"product_id": shop["combo"].id, "qty": "1"}
    wrong = [
        [],
        [
            {"group": "drink", "product_id": shop["cola"].id},
            {"group": "drink", "product_id": shop["juice"].id},
        ],
        [{"group": "drink", "product_id": shop["burger"].id}],
        [{"group": "main", "product_id": shop["burger"].id}],
        [{"group": "nope", "product_id": shop["cola"].id}],
    ]
    for choices in wrong:
        response = await post(client, body(shop, [combo | {"choices": choices}]))
        assert response.status_code == 422, (choices, response.text)
        assert response.json()["field"] == "lines[0].choices"
    plain = await post(
        client, body(shop, [{"product_id": shop["fries"].id, "qty": "1", "choices": wrong[1]}])
    )
    assert plain.status_code == 422 and plain.json()["field"] == "lines[0].choices"


# ---------------------------------------------------------------- stock


async def test_stock_is_taken_down_and_a_sale_past_it_is_refused_whole(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory
) -> None:
    await login(client, "cashier")
    cola = {"product_id": shop["cola"].id, "qty": "1"}
    first = await post(client, body(shop, [cola]))
    assert first.status_code == 201, first.text
    assert await on_hand(factory, shop["inclusive"], shop["cola"]) == 2

    # A combo with a cola counts too; with the plain cola line that is 3 > 2 left.
    combo = {
        "product_id": shop["combo"].id,
        "qty": "1",
        "choices": [{"group": "drink", "product_id": shop["cola"].id}],
    }
    refused = await post(
        client, body(shop, [{"product_id": shop["burger"].id, "qty": "1"}, cola | {"qty": "2"}, combo])
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "lines[1].qty"
    assert refused.json()["detail"] == "lines[1].qty: only 2 left of Cola 330 ml"
    assert await on_hand(factory, shop["inclusive"], shop["cola"]) == 2
    assert await scalar(factory, select(func.count()).select_from(Order)) == 1

    ok = await post(client, body(shop, [cola, combo]))
    assert ok.status_code == 201, ok.text
    assert await on_hand(factory, shop["inclusive"], shop["cola"]) == 0
    # The other branch never counted its colas: a tracked product with no count has none to sell.
    elsewhere = await post(client, body(shop, [cola], branch_id=shop["exclusive"].id))
    assert elsewhere.status_code == 422
    assert elsewhere.json()["detail"] == "lines[0].qty: only 0 left of Cola 330 ml"


async def test_two_tills_selling_the_last_unit_at_once_one_wins(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory
) -> None:
    await login(client, "cashier")
    assert (await post(client, body(shop, [{"product_id": shop["cola"].id, "qty": "2"}]))).status_code == 201
    # Two requests in flight together, each on its own database connection.
    payloads = [body(shop, [{"product_id": shop["cola"].id, "qty": "1"}]) for _ in range(2)]
    answers = await asyncio.gather(post(client, payloads[0]), post(client, payloads[1]))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 422], [a.text for a in answers]
    assert "only 0 left of Cola 330 ml" in next(a for a in answers if a.status_code == 422).json()["detail"]
    assert await on_hand(factory, shop["inclusive"], shop["cola"]) == 0


async def test_cancel_puts_the_stock_back(
    client: httpx.AsyncClient, shop: dict[str, Any], factory: Factory
) -> None:
    await login(client, "boss")
    sold = await post(client, body(shop, [{"product_id": shop["cola"].id, "qty": "2"}]))
    assert await on_hand(factory, shop["inclusive"], shop["cola"]) == 1
    cancelled = await client.post(
        f"/api/v1/orders/{sold.json()['id']}/cancel", json={"reason": "changed mind"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert await on_hand(factory, shop["inclusive"], shop["cola"]) == 3
    entry = await scalar(factory, select(AuditLog.data).where(AuditLog.action == "order.cancel"))
    assert entry["stock_returned"] == {str(shop["cola"].id): "2"}
    again = await client.post(f"/api/v1/orders/{sold.json()['id']}/cancel", json={"reason": "changed mind"})
    assert again.status_code == 409
    assert await on_hand(factory, shop["inclusive"], shop["cola"]) == 3


# ---------------------------------------------------------------- till and shift


async def test_till_and_shift_rules(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cashier")
    fries = [{"product_id": shop["fries"].id, "qty": "1"}]
    cases = [
        (body(shop, fries, pos_profile_id=shop["front"].id), "shift_id"),
        (
            body(shop, fries, pos_profile_id=shop["front"].id, shift_id=str(shop["other_shift"].id)),
            "shift_id",
        ),
        (body(shop, fries, pos_profile_id=shop["front"].id, shift_id=str(uuid.uuid4())), "shift_id"),
        (body(shop, fries, shift_id=str(shop["front_shift"].id)), "pos_profile_id"),
        (
            body(shop, fries, pos_profile_id=shop["other_till"].id, shift_id=str(shop["other_shift"].id)),
            "pos_profile_id",
        ),
    ]
    for payload, field in cases:
        response = await post(client, payload)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field

    sale = await post(
        client, body(shop, fries, pos_profile_id=shop["front"].id, shift_id=str(shop["front_shift"].id))
    )
    assert sale.status_code == 201, sale.text
    assert (sale.json()["pos_profile_id"], sale.json()["shift_id"]) == (
        shop["front"].id,
        str(shop["front_shift"].id),
    )
    assert sale.json()["token"] == 1
    # Sold offline before the close, replayed after it: still that shift's sale.
    late = await post(
        client, body(shop, fries, pos_profile_id=shop["front"].id, shift_id=str(shop["closed_shift"].id))
    )
    assert late.status_code == 201, late.text
    kiosk = await post(client, body(shop, fries, pos_profile_id=shop["kiosk"].id))
    assert kiosk.status_code == 201 and kiosk.json()["shift_id"] is None
    # Refused sales used no token.
    assert kiosk.json()["token"] == 3

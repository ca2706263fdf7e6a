"""Transfers between branches (dispatched, in transit, received at the sender's cost), counts (blind or not,
variances posted on approval, negative counts refused), and low stock: one `alert.raised` per crossing of
the reorder point, whether a sale, waste or a transfer crossed it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.events.stream import read_after
from app.inventory import low_stock
from app.lib.deps import provide_services
from tests.support import inventory as inv
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def chain(factory: Factory) -> dict[str, Any]:
    main = await factory.branch(code="MAIN", name="Main")
    mall = await factory.branch(code="MALL", name="Mall")
    cola = await factory.product("Cola", price="15.00", station="drinks")
    rice = await factory.product("Rice", price="30.00", base_unit="kg")
    await factory.user("boss", roles=("manager",), branches=(main, mall))
    await factory.user("mallboss", roles=("manager",), branches=(mall,))
    await factory.commit()
    return locals()


async def test_a_transfer_is_in_transit_then_received_at_the_senders_cost(
    client: httpx.AsyncClient, chain: dict[str, Any], runtime: Any
) -> None:
    main, mall, cola, rice = chain["main"], chain["mall"], chain["cola"], chain["rice"]
    await login(client, "boss")
    await inv.receive(client, main, cola, "20", "2.00")
    await inv.receive(client, main, rice, "10", "8.00")
    await inv.receive(client, mall, cola, "10", "5.00")
    sent = await client.post(
        "/api/v1/inventory/transfers",
        json={
            "from_branch_id": main.id,
            "to_branch_id": mall.id,
            "lines": [{"product_id": cola.id, "qty": "10"}, {"product_id": rice.id, "qty": "2.5"}],
        },
    )
    assert sent.status_code == 201, sent.text
    transfer = sent.json()
    assert transfer["state"] == "in_transit"
    assert await inv.on_hand(runtime, main, cola) == 10
    assert await inv.on_hand(runtime, mall, cola) == 10  # not there yet
    again = await client.post(
        f"/api/v1/inventory/transfers/{transfer['id']}/receive",
        json={"lines": [{"product_id": cola.id, "qty": "11"}]},
    )
    assert again.status_code == 422
    assert again.json()["field"] == "lines[0].qty"
    # Half a kilo of rice was lost on the way.
    got = await client.post(
        f"/api/v1/inventory/transfers/{transfer['id']}/receive",
        json={"lines": [{"product_id": cola.id, "qty": "10"}, {"product_id": rice.id, "qty": "2"}]},
    )
    assert got.status_code == 200, got.text
    assert got.json()["state"] == "received"
    assert {x["name"]: x["qty_received"] for x in got.json()["lines"]} == {"Cola": "10.000", "Rice": "2.000"}
    assert await inv.on_hand(runtime, mall, cola) == 20
    assert await inv.on_hand(runtime, mall, rice) == 2
    rows = await inv.moves(runtime, mall, cola)
    assert [(r.kind, r.qty, r.unit_cost, r.ref) for r in rows][-1] == (
        "transfer_in",
        10,
        Decimal("2.0000"),
        f"transfer:{transfer['id']}",
    )
    stock = (await client.get("/api/v1/inventory/stock", params={"branch_id": mall.id, "q": "Cola"})).json()
    assert stock["items"][0]["avg_cost"] == "3.5000"  # 10 at 5 and 10 at 2
    twice = await client.post(f"/api/v1/inventory/transfers/{transfer['id']}/receive", json={})
    assert twice.status_code == 409
    await inv.assert_ledger_whole(runtime)


async def test_bad_transfers_are_refused(client: httpx.AsyncClient, chain: dict[str, Any]) -> None:
    main, mall, cola = chain["main"], chain["mall"], chain["cola"]
    await login(client, "boss")
    await inv.receive(client, main, cola, "5", "2.00")
    line = [{"product_id": cola.id, "qty": "1"}]
    cases = [
        (
            {"from_branch_id": main.id, "to_branch_id": main.id, "lines": line},
            "to_branch_id",
            "another branch",
        ),
        (
            {
                "from_branch_id": main.id,
                "to_branch_id": mall.id,
                "lines": [{"product_id": cola.id, "qty": "6"}],
            },
            "lines[0].qty",
            "only 5",
        ),
        (
            {
                "from_branch_id": main.id,
                "to_branch_id": mall.id,
                "lines": [{"product_id": cola.id, "qty": "-1"}],
            },
            "lines[0].qty",
            "above 0",
        ),
    ]
    for body, field, words in cases:
        response = await client.post("/api/v1/inventory/transfers", json=body)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
        assert words in response.json()["detail"]
    await login(client, "mallboss")
    foreign = await client.post(
        "/api/v1/inventory/transfers",
        json={"from_branch_id": main.id, "to_branch_id": mall.id, "lines": line},
    )
    assert foreign.status_code == 422
    assert foreign.json()["field"] == "from_branch_id"


async def test_a_blind_count_posts_its_variances_on_approval(
    client: httpx.AsyncClient, chain: dict[str, Any], runtime: Any
) -> None:
    main, cola, rice = chain["main"], chain["cola"], chain["rice"]
    await login(client, "boss")
    await inv.receive(client, main, cola, "20", "2.00")
    await inv.receive(client, main, rice, "10", "8.00")
    count = (await client.post("/api/v1/inventory/counts", json={"branch_id": main.id, "blind": True})).json()
    negative = await client.post(
        f"/api/v1/inventory/counts/{count['id']}/lines",
        json={"lines": [{"product_id": cola.id, "counted": "-1"}]},
    )
    assert negative.status_code == 422
    assert negative.json()["field"] == "lines[0].counted"
    unknown = await client.post(
        f"/api/v1/inventory/counts/{count['id']}/lines", json={"lines": [{"barcode": "000", "counted": "1"}]}
    )
    assert unknown.json()["field"] == "lines[0].barcode"
    counted = await client.post(
        f"/api/v1/inventory/counts/{count['id']}/lines",
        json={"lines": [{"product_id": cola.id, "counted": "17"}, {"product_id": rice.id, "counted": "10"}]},
    )
    assert counted.status_code == 200, counted.text
    assert [x["expected"] for x in counted.json()["lines"]] == [None, None]  # blind: nothing to lean on
    recount = await client.post(
        f"/api/v1/inventory/counts/{count['id']}/lines",
        json={"lines": [{"product_id": cola.id, "counted": "18"}]},
    )
    assert {x["name"]: x["counted"] for x in recount.json()["lines"]} == {"Cola": "18.000", "Rice": "10.000"}
    approved = await client.post(f"/api/v1/inventory/counts/{count['id']}/approve")
    assert approved.status_code == 200, approved.text
    report = {
        x["name"]: (x["expected"], x["variance"], x["variance_value"]) for x in approved.json()["lines"]
    }
    assert report == {"Cola": ("20.000", "-2.000", "-4.0000"), "Rice": ("10.000", "0.000", "0.0000")}
    assert approved.json()["variance_value"] == "-4.0000"
    assert await inv.on_hand(runtime, main, cola) == 18
    rows = await inv.moves(runtime, main, cola)
    assert [(r.kind, r.qty, r.ref) for r in rows][-1] == ("count", -2, f"count:{count['id']}")
    closed = await client.post(
        f"/api/v1/inventory/counts/{count['id']}/lines",
        json={"lines": [{"product_id": cola.id, "counted": "1"}]},
    )
    assert closed.status_code == 409
    await inv.assert_ledger_whole(runtime)


async def test_low_stock_raises_one_alert_per_crossing(
    client: httpx.AsyncClient, chain: dict[str, Any], runtime: Any
) -> None:
    main, mall, cola = chain["main"], chain["mall"], chain["cola"]
    await login(client, "boss")
    await inv.receive(client, main, cola, "12", "2.00")
    levels = await client.put(
        f"/api/v1/inventory/stock/{cola.id}/levels",
        json={"branch_id": main.id, "reorder_point": "10", "par_level": "30"},
    )
    assert levels.status_code == 200, levels.text
    bad = await client.put(
        f"/api/v1/inventory/stock/{cola.id}/levels",
        json={"branch_id": main.id, "reorder_point": "10", "par_level": "5"},
    )
    assert bad.json()["field"] == "par_level"

    async def raised() -> list[dict[str, Any]]:
        entries = await read_after(runtime.redis, runtime.keys, main.id, "0")
        return [e.data() for e in entries if e.type == "alert.raised"]

    assert (await inv.sell(client, main, [(cola, "2")])).status_code == 201  # 12 -> 10: not below
    assert (await inv.sell(client, main, [(cola, "1")])).status_code == 201  # 10 -> 9: crossed
    assert (await inv.sell(client, main, [(cola, "1")])).status_code == 201  # 9 -> 8: still below, no news
    async with provide_services(runtime) as scope:  # the sale's job (the worker's), run here
        assert await low_stock.raise_for_branch(scope, main.id) == 1
        assert await low_stock.raise_for_branch(scope, None) == 0  # the sweep finds nothing new
    alerts = await raised()
    assert len(alerts) == 1
    assert (alerts[0]["kind"], alerts[0]["product_id"], alerts[0]["order_id"]) == ("low_stock", cola.id, None)
    assert alerts[0]["message"] == "Cola is low: 9 left (reorder point 10)"
    listed = (await client.get("/api/v1/alerts", params={"branch_id": main.id, "open": "true"})).json()
    assert [(a["kind"], a["product_id"]) for a in listed["items"]] == [("low_stock", cola.id)]

    # Back above, then below again by waste: a second crossing, a second alert (raised at once).
    await inv.receive(client, main, cola, "10", "2.00")  # 18
    waste = await client.post(
        "/api/v1/inventory/moves",
        json={"branch_id": main.id, "product_id": cola.id, "kind": "waste", "qty": "9", "reason": "expired"},
    )
    assert waste.status_code == 201
    assert len(await raised()) == 2
    # And a transfer out crossing it once more after a top-up.
    await inv.receive(client, main, cola, "5", "2.00")  # 14
    sent = await client.post(
        "/api/v1/inventory/transfers",
        json={
            "from_branch_id": main.id,
            "to_branch_id": mall.id,
            "lines": [{"product_id": cola.id, "qty": "5"}],
        },
    )
    assert sent.status_code == 201
    assert len(await raised()) == 3
    stock = (await client.get("/api/v1/inventory/stock", params={"branch_id": main.id, "low": "true"})).json()
    assert [(x["name"], x["low"]) for x in stock["items"]] == [("Cola", True)]

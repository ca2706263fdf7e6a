"""The walk-in queue's services and counters set up from /admin/branches: listed (the built-in three until
a manager changes something), added, renamed, reordered, deactivated; each change audited and announced
(`queue.setup_changed`), and what the kiosk and the counters accept follows at once."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditLog
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    mine = await factory.branch(code="QMINE")
    theirs = await factory.branch(code="QTHEIRS")
    await factory.user("boss", roles=("manager",), branches=(mine,))
    await factory.user("clerk", roles=("cashier",), branches=(mine,))
    await factory.commit()
    return {"mine": mine.id, "theirs": theirs.id}


async def setup_events(runtime: Any, branch_id: int) -> list[Any]:
    entries = await runtime.redis.xrange(runtime.keys.events(branch_id))
    return [msgspec.json.decode(f[b"data"]) for _, f in entries if f[b"type"] == b"queue.setup_changed"]


async def test_services_are_added_renamed_reordered_and_deactivated_and_the_kiosk_follows(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any, db_session: AsyncSession
) -> None:
    await login(client, "boss")
    base = f"/api/v1/admin/branches/{shop['mine']}/queue"
    first = (await client.get(base)).json()
    assert first["customised"] is False
    assert [s["code"] for s in first["services"]] == ["general", "collection", "returns"]
    assert first["counters"] == []

    added = await client.post(
        f"{base}/services", json={"code": "parcels", "name": "Parcel pick-up", "average_seconds": 120}
    )
    assert added.status_code == 200, added.text
    body = added.json()
    # The built-in three were written down first, so the fourth joins them.
    assert body["customised"] is True
    assert [s["code"] for s in body["services"]] == ["general", "collection", "returns", "parcels"]
    assert await setup_events(runtime, shop["mine"]) == [{"kind": "services"}]

    renamed = await client.put(
        f"{base}/services/returns", json={"name": "Returns desk", "average_seconds": 300, "active": True}
    )
    assert renamed.status_code == 200, renamed.text
    order = await client.put(
        f"{base}/service-order", json={"codes": ["parcels", "returns", "general", "collection"]}
    )
    assert [s["code"] for s in order.json()["services"]] == ["parcels", "returns", "general", "collection"]
    off = await client.put(f"{base}/services/collection", json={"name": "Order collection", "active": False})
    assert off.status_code == 200, off.text

    # The kiosk (public) offers the branch's list in its order, without the one turned off.
    kiosk = (await client.get(f"/api/v1/queue/{shop['mine']}/services")).json()
    assert [(s["code"], s["title"]) for s in kiosk] == [
        ("parcels", "Parcel pick-up"),
        ("returns", "Returns desk"),
        ("general", "General enquiries"),
    ]
    refused = await client.post(f"/api/v1/queue/{shop['mine']}/tickets", json={"service": "collection"})
    assert refused.status_code == 422 and refused.json()["field"] == "service"
    # Before the branch has finished tickets, the estimate is the service's expected time per customer.
    await client.post(f"/api/v1/queue/{shop['mine']}/tickets", json={"service": "parcels"})
    second = await client.post(f"/api/v1/queue/{shop['mine']}/tickets", json={"service": "parcels"})
    assert second.json()["estimated_wait_seconds"] == 120

    rows = list(await db_session.scalars(select(AuditLog).where(AuditLog.action.like("queue.%"))))
    actions = sorted(r.action for r in rows)
    assert actions == ["queue.service_add", "queue.service_edit", "queue.service_edit", "queue.service_order"]
    edit = next(
        r for r in rows if r.action == "queue.service_edit" and r.data["after"]["name"] == "Returns desk"
    )
    assert (
        edit.data["before"]["name"] == "Returns and refunds" and edit.data["after"]["average_seconds"] == 300
    )
    assert len(await setup_events(runtime, shop["mine"])) == 4
    # Another branch's stream heard nothing.
    assert await setup_events(runtime, shop["theirs"]) == []


@pytest.mark.parametrize(
    ("path", "body", "status", "field", "names"),
    [
        ("services", {"code": "general", "name": "Again"}, 409, "code", "General enquiries"),
        ("services", {"code": "Bad Code", "name": "X"}, 400, "code", None),
        ("services", {"code": "vip", "name": ""}, 400, "name", None),
        ("services", {"code": "vip", "name": "VIP", "average_seconds": 5}, 400, "average_seconds", None),
        ("services/nothing", {"name": "X"}, 404, None, None),
        ("service-order", {"codes": ["general"]}, 422, "codes", None),
        ("counters", {"name": ""}, 400, "name", None),
        ("counters", {"name": "x" * 21}, 400, "name", None),
        ("counter-order", {"ids": [999]}, 422, "ids", None),
    ],
)
async def test_bad_input_names_the_field(
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    path: str,
    body: dict[str, Any],
    status: int,
    field: str | None,
    names: str | None,
) -> None:
    await login(client, "boss")
    url = f"/api/v1/admin/branches/{shop['mine']}/queue/{path}"
    response = await (
        client.put(url, json=body) if "/" in path or "order" in path else client.post(url, json=body)
    )
    assert response.status_code == status, response.text
    if field is not None:
        answer = response.json()
        # The body's shape is checked as it is read (400, the key named); the rules after it answer 4xx
        # with `field`.
        assert answer.get("field", answer.get("extra", [{}])[0].get("key")) == field
    if names is not None:
        assert names in response.json()["detail"]


async def test_the_last_service_cannot_be_turned_off(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "boss")
    base = f"/api/v1/admin/branches/{shop['mine']}/queue/services"
    for code in ("general", "collection"):
        assert (await client.put(f"{base}/{code}", json={"name": code, "active": False})).status_code == 200
    last = await client.put(f"{base}/returns", json={"name": "Returns", "active": False})
    assert last.status_code == 422 and last.json()["field"] == "active"


async def test_counters_are_the_ones_a_clerk_may_call_to(
    client: httpx.AsyncClient, shop: dict[str, Any], runtime: Any
) -> None:
    await login(client, "boss")
    base = f"/api/v1/admin/branches/{shop['mine']}/queue/counters"
    one = (await client.post(base, json={"name": "1"})).json()["counters"][0]
    two = (await client.post(base, json={"name": "2"})).json()["counters"][1]
    duplicate = await client.post(base, json={"name": "1"})
    assert (
        duplicate.status_code == 409
        and duplicate.json()["field"] == "name"
        and "1" in duplicate.json()["detail"]
    )
    renamed = await client.put(f"{base}/{two['id']}", json={"name": "Returns desk"})
    assert [c["name"] for c in renamed.json()["counters"]] == ["1", "Returns desk"]
    clash = await client.put(f"{base}/{two['id']}", json={"name": "1"})
    assert clash.status_code == 409
    order = await client.put(
        f"/api/v1/admin/branches/{shop['mine']}/queue/counter-order", json={"ids": [two["id"], one["id"]]}
    )
    assert [c["name"] for c in order.json()["counters"]] == ["Returns desk", "1"]
    assert [e["kind"] for e in await setup_events(runtime, shop["mine"])] == ["counters"] * 4

    await client.post(f"/api/v1/queue/{shop['mine']}/tickets", json={"service": "general"})
    await client.post(f"/api/v1/queue/{shop['mine']}/tickets", json={"service": "general"})
    await login(client, "clerk")
    snapshot = (await client.get(f"/api/v1/queue/{shop['mine']}/counter")).json()
    assert snapshot["counters"] == ["Returns desk", "1"]
    stranger = await client.post(f"/api/v1/queue/{shop['mine']}/call-next", json={"counter": "9"})
    assert stranger.status_code == 422 and stranger.json()["field"] == "counter"
    assert "Returns desk" in stranger.json()["detail"]
    called = await client.post(f"/api/v1/queue/{shop['mine']}/call-next", json={"counter": "1"})
    assert called.status_code == 200, called.text
    moved = await client.post(f"/api/v1/queue/tickets/{called.json()['id']}/transfer", json={"counter": "7"})
    assert moved.status_code == 422 and moved.json()["field"] == "counter"

    # A counter turned off is no longer one to call to.
    await login(client, "boss")
    assert (await client.put(f"{base}/{one['id']}", json={"name": "1", "active": False})).status_code == 200
    await login(client, "clerk")
    closed = await client.post(f"/api/v1/queue/{shop['mine']}/call-next", json={"counter": "1"})
    assert closed.status_code == 422 and closed.json()["field"] == "counter"


async def test_another_branch_is_a_404_and_a_cashier_a_403(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    theirs = f"/api/v1/admin/branches/{shop['theirs']}/queue"
    assert (await client.get(theirs)).status_code == 404
    assert (await client.post(f"{theirs}/counters", json={"name": "1"})).status_code == 404
    await login(client, "clerk")
    assert (await client.get(f"/api/v1/admin/branches/{shop['mine']}/queue")).status_code == 403


async def test_the_kiosk_page_shows_a_managers_name_as_typed(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "boss")
    base = f"/api/v1/admin/branches/{shop['mine']}/queue/services"
    added = await client.post(base, json={"code": "deals", "name": "50% off <today>"})
    assert added.status_code == 200, added.text
    page = await client.get(f"/queue/{shop['mine']}/kiosk")
    assert page.status_code == 200
    assert 'data-service="deals">50% off &lt;today&gt;</button>' in page.text
    assert 'data-service="general">General enquiries</button>' in page.text
    arabic = await client.get(f"/queue/{shop['mine']}/kiosk", params={"lang": "ar"})
    assert "50% off &lt;today&gt;" in arabic.text and "General enquiries" not in arabic.text

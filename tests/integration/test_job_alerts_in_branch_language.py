"""Alerts written by jobs (no request behind them) read in the branch's language: a forgotten clock-in,
stock below its reorder point, the nightly ledger proof. An English branch's stay as they always read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from app.db.models import Alert
from app.inventory import low_stock
from app.lib.deps import provide_services
from app.staff import clock
from tests.support import inventory as inv
from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shops(factory: Factory) -> dict[str, Any]:
    arabic = await factory.branch(code="ARB", name="Maadi", language="ar")
    english = await factory.branch(code="ENB", name="Zamalek")
    cola = await factory.product("Cola", price="15.00")
    rice = await factory.product("Rice", price="30.00", base_unit="kg")
    boss = await factory.user("boss", roles=("manager",), branches=(arabic, english))
    sara = await factory.user("sara", roles=("cashier",), branches=(arabic, english))
    await factory.commit()
    return locals()


async def _messages(runtime: Any, kind: str) -> dict[int, str]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(select(Alert.branch_id, Alert.message).where(Alert.kind == kind))
        return dict(rows.all())


async def test_a_forgotten_clock_in_alerts_in_the_branchs_language(
    shops: dict[str, Any], db_session: Any, runtime: Any
) -> None:
    now = dt.datetime.now(dt.UTC)
    for user, branch in ((shops["sara"], shops["arabic"]), (shops["boss"], shops["english"])):
        await db_session.execute(
            text("INSERT INTO time_entries (user_id, branch_id, clock_in_at) VALUES (:u, :b, :t)"),
            {"u": user.id, "b": branch.id, "t": now - dt.timedelta(hours=20)},
        )
    await db_session.commit()
    async with provide_services(runtime) as scope:
        assert await clock.raise_open_alerts(scope) == 2
    messages = await _messages(runtime, "clock_open")
    ar, en = messages[shops["arabic"].id], messages[shops["english"].id]
    assert ar.startswith("Sara مسجَّل الحضور منذ ") and ar.endswith("هل نسي تسجيل الانصراف؟")
    assert "clocked in" not in ar
    assert en.startswith("Boss has been clocked in since ") and en.endswith(": forgot to clock out?")


async def test_low_stock_and_the_ledger_proof_read_in_the_branchs_language(
    client: httpx.AsyncClient, shops: dict[str, Any], runtime: Any
) -> None:
    arabic, english, cola, rice = shops["arabic"], shops["english"], shops["cola"], shops["rice"]
    await login(client, "boss")
    for branch in (arabic, english):
        await inv.receive(client, branch, cola, "12", "2.00")
        await inv.receive(client, branch, rice, "2", "8.00")
        for product, point in ((cola, "10"), (rice, "1")):
            levels = await client.put(
                f"/api/v1/inventory/stock/{product.id}/levels",
                json={"branch_id": branch.id, "reorder_point": point, "par_level": "30"},
            )
            assert levels.status_code == 200, levels.text
        assert (await inv.sell(client, branch, [(cola, "3")])).status_code == 201  # 12 -> 9
    assert (await inv.sell(client, arabic, [(rice, "1.5")])).status_code == 201  # 2 -> 0.5 kg
    async with provide_services(runtime) as scope:
        assert await low_stock.raise_for_branch(scope, None) == 3
    async with runtime.sessionmaker() as session:
        low = set((await session.execute(select(Alert.branch_id, Alert.message))).all())
    assert low == {
        (arabic.id, "مخزون Cola منخفض: بقي 9 (حد إعادة الطلب 10)"),
        (arabic.id, "مخزون Rice منخفض: بقي 0.5 كغ (حد إعادة الطلب 1)"),
        (english.id, "Cola is low: 9 left (reorder point 10)"),
    }

    async with runtime.engine.begin() as conn:  # someone edits the stock behind the ledger's back
        await conn.execute(
            text("UPDATE product_stock SET qty = qty + 1 WHERE product_id = :p"), {"p": cola.id}
        )
    async with provide_services(runtime) as scope:
        assert await low_stock.alert_mismatches(scope) == 2
    proofs = await _messages(runtime, "ledger_mismatch")
    assert proofs[arabic.id] == "المخزون لا يطابق سجله: Cola (الموجود 10.000، السجل 9.000)"
    assert proofs[english.id] == "Stock does not match its ledger: Cola (on hand 10.000, ledger 9.000)"


async def test_the_built_in_queue_services_read_in_the_managers_language_and_stay_built_in(
    client: httpx.AsyncClient, shops: dict[str, Any]
) -> None:
    """/admin/branches shows an unchanged built-in service in the manager's language, as the kiosk does;
    saving it as shown keeps it the built-in one (English stays English), a manager's own name stays."""
    await login(client, "boss")
    base = f"/api/v1/admin/branches/{shops['arabic'].id}/queue"
    arabic = {"Accept-Language": "ar"}
    added = await client.post(f"{base}/services", json={"code": "parcels", "name": "طرود"}, headers=arabic)
    assert added.status_code == 200, added.text
    names = {s["code"]: s["name"] for s in added.json()["services"]}
    assert names == {
        "general": "استفسارات عامة",
        "collection": "استلام الطلبات",
        "returns": names["returns"],
        "parcels": "طرود",
    }
    assert names["returns"] != "Returns and refunds"
    saved = await client.put(
        f"{base}/services/general", json={"name": "استفسارات عامة", "average_seconds": 120}, headers=arabic
    )
    assert saved.status_code == 200, saved.text
    english = {s["code"]: s["name"] for s in (await client.get(base)).json()["services"]}
    assert english == {
        "general": "General enquiries",
        "collection": "Order collection",
        "returns": "Returns and refunds",
        "parcels": "طرود",
    }
    kiosk = (await client.get(f"/api/v1/queue/{shops['arabic'].id}/services", headers=arabic)).json()
    assert "استفسارات عامة" in str(kiosk) and "General enquiries" not in str(kiosk)
    await client.put(f"{base}/services/general", json={"name": "Help desk"})
    mine = {s["code"]: s["name"] for s in (await client.get(base, headers=arabic)).json()["services"]}
    assert mine["general"] == "Help desk"

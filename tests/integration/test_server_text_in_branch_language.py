"""Server-written text with no request behind it (the daily summary e-mail, the board's alerts: written by
jobs) is in the branch's language; an English branch's stays English."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import msgspec
import pytest
from sqlalchemy import select

from tests.support.auth import login
from tests.support.factory import Factory

MINUTE = 60


async def scan(runtime: Any, *, after: float) -> dict[str, int]:
    """One run of the alert scan as if `after` seconds had passed (on Redis's clock)."""
    from app.alerts.services import AlertService
    from app.lib.deps import provide_services

    seconds, micros = await runtime.redis.time()
    now_ms = int(seconds) * 1000 + int(micros) // 1000 + int(after * 1000)
    async with provide_services(runtime) as scope:
        report = await scope.get(AlertService).raise_due(now_ms=now_ms)
    return dict(msgspec.to_builtins(report))


async def _send(db_session: Any, caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    from app.reports.summary import LogTransport, send_daily_summaries

    morning = dt.datetime.combine(dt.datetime.now(ZoneInfo("Africa/Cairo")).date(), dt.time(8, 0))
    caplog.set_level(logging.INFO, logger="passline.mail")
    await send_daily_summaries(
        db_session, LogTransport(), smtp=False, now=morning.replace(tzinfo=ZoneInfo("Africa/Cairo"))
    )
    return {r.subject: r for r in caplog.records if r.name == "passline.mail"}


async def test_the_daily_summary_is_written_in_each_branchs_language(
    factory: Factory, db_session: Any, caplog: pytest.LogCaptureFixture
) -> None:
    arabic = await factory.branch(code="ARM", name="Maadi", language="ar")
    english = await factory.branch(code="ENM", name="Zamalek")
    await factory.user("amira", roles=("manager",), branches=(arabic,))
    await factory.user("ed", roles=("manager",), branches=(english,))
    await factory.commit()
    mails = await _send(db_session, caplog)
    to_arabic = next(m for m in mails.values() if m.to == ["amira"])
    to_english = next(m for m in mails.values() if m.to == ["ed"])
    assert to_arabic.subject == "Maadi أمس: 0.00 EGP من 0 طلب"
    assert "الأكثر مبيعًا:" in to_arabic.body and "المبالغ بعملة EGP؛ الأزمنة بالثواني." in to_arabic.body
    assert "المبيعات: 0.00" in to_arabic.body
    assert "Best sellers" not in to_arabic.body and "Sales" not in to_arabic.body
    assert to_english.subject == "Zamalek yesterday: 0.00 EGP from 0 orders"
    assert "Best sellers:" in to_english.body and "Sales: 0.00" in to_english.body


async def test_an_alert_raised_in_an_arabic_branch_reads_in_arabic(
    client: httpx.AsyncClient, factory: Factory, runtime: Any
) -> None:
    branch = await factory.branch(code="ARA", name="Nasr City", language="ar")
    burger = await factory.product("Burger", price="50.00")
    await factory.user("mona", roles=("manager",), branches=(branch,))
    await factory.commit()
    await login(client, "mona")
    created = await client.post(
        "/api/v1/orders",
        json={
            "id": str(uuid.uuid4()),
            "branch_id": branch.id,
            "channel": "counter",
            "lines": [{"product_id": burger.id, "qty": "1"}],
        },
    )
    assert created.status_code == 201, created.text
    order = created.json()
    assert (await scan(runtime, after=11 * MINUTE))["events"] == 1
    from app.db.models import Alert

    async with runtime.sessionmaker() as session:
        (row,) = (await session.scalars(select(Alert))).all()
    assert row.message == f"طلب الكاونتر #{order['token']} في حالة «مستلم» منذ 11 د (الحد 10 د)"

"""Insights (the forecast with its band, trending items), the hourly anomaly check that raises an alert on
the event bus, and the daily summary e-mail on the log transport."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from app.events.envelope import parse_entry
from tests.integration.reports.shop import Rows, make_shop
from tests.support.auth import login
from tests.support.factory import Factory


async def test_insights_forecast_tomorrow_with_a_band_and_list_trending_items(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await make_shop(factory, db_session, days=35, per_day=40)
    branch = shop.inclusive
    rows = await Rows().load(db_session)
    await login(client, "boss")
    response = await client.get("/api/v1/reports/insights", params={"branch_id": branch.id})
    assert response.status_code == 200, response.text
    body = response.json()
    tomorrow = dt.datetime.now(ZoneInfo(branch.timezone)).date() + dt.timedelta(days=1)
    assert body["date_from"] == tomorrow.isoformat()
    tables = {t["name"]: t for t in body["tables"]}
    hours = tables["forecast_hours"]["rows"]
    assert tables["forecast_hours"]["chart"]["band"] == ["low", "high"]
    assert {r["hour"] for r in hours} <= set(range(8, 24)) and len(hours) >= 12
    for row in hours:
        assert Decimal(row["low"]) <= Decimal(row["expected"]) <= Decimal(row["high"])
    # The expected day is in the range of the same weekday's last four weeks (history is seasonal, not wild).
    same_days = [tomorrow - dt.timedelta(days=7 * n) for n in range(1, 5)]
    totals = [sum(rows.by(branch.id, d, d, "business_date").values(), Decimal(0)) for d in same_days]
    expected = sum((Decimal(r["expected"]) for r in hours), Decimal(0))
    assert min(totals) * Decimal("0.6") <= expected <= max(totals) * Decimal("1.4"), (expected, totals)
    products = tables["forecast_products"]["rows"]
    assert len(products) == 5
    assert all(Decimal(p["low"]) <= Decimal(p["expected"]) <= Decimal(p["high"]) for p in products)
    trending = tables["trending"]["rows"]
    assert trending and all(Decimal(r["earlier"]) >= 20 for r in trending)


async def test_an_hour_far_outside_its_forecast_raises_an_alert_once(
    factory: Factory, db_session: Any, runtime: Any
) -> None:
    from app.reports.insights import check_anomalies

    shop = await make_shop(factory, db_session, days=30, per_day=40)
    branch = shop.inclusive
    zone = ZoneInfo(branch.timezone)
    today = dt.datetime.now(zone).date()
    # A catering order of 90,000 lands at 13:xx today; the check runs at 14:05.
    at = dt.datetime.combine(today, dt.time(13, 20), zone)
    await db_session.execute(
        text(
            """
            INSERT INTO orders (id, branch_id, channel, state, token, business_date, subtotal, tax_total, total,
                                request_hash, created_at)
            VALUES (:id, :b, 'counter', 'completed', 1, :d, 78947.37, 11052.63, 90000, 'test', :at)
            """
        ),
        {"id": uuid.uuid4(), "b": branch.id, "d": today, "at": at},
    )
    await db_session.commit()
    before = await runtime.redis.xrange(runtime.keys.events(branch.id))
    check_at = dt.datetime.combine(today, dt.time(14, 5), zone)
    counts = await check_anomalies(db_session, runtime.bus, now=check_at)
    assert counts["raised"] == 1
    again = await check_anomalies(db_session, runtime.bus, now=check_at)
    assert again["raised"] == 0
    anomaly = (await db_session.execute(text("SELECT * FROM report_anomalies"))).mappings().one()
    await db_session.rollback()
    assert (anomaly["branch_id"], anomaly["business_date"], anomaly["hour"]) == (branch.id, today, 13)
    assert anomaly["actual"] == Decimal(90000) and anomaly["high"] < anomaly["actual"]
    entries = await runtime.redis.xrange(runtime.keys.events(branch.id))
    new = [parse_entry(branch.id, i, f) for i, f in entries[len(before) :]]
    raised = [e for e in new if e.type == "sales.anomaly"]
    assert len(raised) == 1
    data = json.loads(raised[0].raw_data)
    assert data["direction"] == "high" and data["hour"] == 13 and data["actual"] == "90000.00"
    assert data["currency"] == "EGP" and "13:00" in data["message"]


async def test_each_branch_manager_gets_yesterdays_summary_once(
    factory: Factory, db_session: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from app.reports.summary import LogTransport, send_daily_summaries

    shop = await make_shop(factory, db_session, days=9, per_day=30)
    rows = await Rows().load(db_session)
    zone = ZoneInfo(shop.inclusive.timezone)
    morning = dt.datetime.combine(dt.datetime.now(zone).date(), dt.time(8, 0), zone)
    caplog.set_level(logging.INFO, logger="passline.mail")
    counts = await send_daily_summaries(db_session, LogTransport(), smtp=False, now=morning)
    mails = [r for r in caplog.records if r.name == "passline.mail"]
    assert counts["mails"] == len(mails) >= 1
    yesterday = morning.date() - dt.timedelta(days=1)
    mail = next(
        r for r in mails if "Branch" in r.subject and str(yesterday) in r.body and "INC" not in r.subject
    )
    assert "boss" in mail.to
    gross = sum(rows.by(shop.inclusive.id, yesterday, yesterday, "business_date").values(), Decimal(0))
    inc = next((r for r in mails if f"{gross}" in r.subject), None)
    assert inc is not None, [r.subject for r in mails]
    assert "incboss" in inc.to and "till" not in inc.to
    caplog.clear()
    again = await send_daily_summaries(db_session, LogTransport(), smtp=False, now=morning)
    assert again["mails"] == 0 and not [r for r in caplog.records if r.name == "passline.mail"]


async def test_the_smtp_transport_speaks_smtp_to_a_real_server() -> None:
    import asyncio
    import email
    import socket

    from aiosmtpd.controller import Controller

    from app.reports.summary import Mail, SmtpTransport
    from app.settings import MailSettings

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = MailSettings(
            smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, sender="shop@example.com"
        )
        await SmtpTransport(settings).send(
            Mail(to=["boss@example.com"], subject="Downtown yesterday", body="Sales: 1")
        )
        await asyncio.sleep(0)
    finally:
        controller.stop()
    assert len(received) == 1
    envelope = received[0]
    assert envelope.mail_from == "shop@example.com" and envelope.rcpt_tos == ["boss@example.com"]
    message = email.message_from_bytes(envelope.content)
    assert message["Subject"] == "Downtown yesterday" and "Sales: 1" in message.get_payload()


async def test_a_manager_chooses_where_the_summary_goes(
    client: httpx.AsyncClient, factory: Factory, db_session: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from app.reports.summary import LogTransport, send_daily_summaries

    shop = await make_shop(factory, db_session, days=3, per_day=5)
    await login(client, "incboss")
    assert (await client.get("/api/v1/reports/summary-mail")).json() == {"daily_summary": True, "email": None}
    bad = await client.put("/api/v1/reports/summary-mail", json={"daily_summary": True, "email": "not mail"})
    assert bad.status_code == 422 and "email" in bad.json()["detail"]
    saved = await client.put(
        "/api/v1/reports/summary-mail", json={"daily_summary": True, "email": "inc@example.com"}
    )
    assert saved.status_code == 200 and saved.json()["email"] == "inc@example.com"
    await login(client, "boss")
    await client.put("/api/v1/reports/summary-mail", json={"daily_summary": False})
    audited = await db_session.scalar(
        text("SELECT count(*) FROM audit_log WHERE action = 'reports.summary_mail'")
    )
    await db_session.rollback()
    assert audited == 2
    zone = ZoneInfo(shop.inclusive.timezone)
    morning = dt.datetime.combine(dt.datetime.now(zone).date(), dt.time(8, 0), zone)
    caplog.set_level(logging.INFO, logger="passline.mail")
    await send_daily_summaries(db_session, LogTransport(), smtp=True, now=morning)
    sent = [r for r in caplog.records if r.name == "passline.mail" and r.message.startswith("e-mail")]
    # Over SMTP: the manager with an address gets it, the one who opted out does not, nobody without one.
    assert [r.to for r in sent] == [["inc@example.com"]]

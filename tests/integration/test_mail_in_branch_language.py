"""Server-written text with no request behind it (the daily summary e-mail, sent by a job) is written in
the branch's language; an English branch's stays English."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.factory import Factory


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

"""The daily summary: each branch's yesterday in a few figures, e-mailed to its managers in the morning.

Sent once per branch and day (a `report_mail_log` row is taken before sending, so a doubled or retried job
mails once). The transport is SMTP when `PASSLINE_SMTP_HOST` is set (stdlib smtplib in a worker thread),
otherwise the log: the message is written to the `passline.mail` logger, so a shop without a mail server
still sees what would have gone out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.db.models import Branch, ReportMailLog, ReportRecipient
from app.lib import audit
from app.lib.errors import unprocessable
from app.lib.i18n import use_language
from app.reports import operations, sales
from app.reports._text import _
from app.reports.schemas import BranchRef, SummaryMailIn, SummaryMailOut
from app.reports.scope import Dates, Scope

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.settings import MailSettings

log = logging.getLogger("passline.mail")

# Local time after which yesterday's summary goes out.
SEND_HOUR = 7
KIND = "daily_summary"


@dataclass(frozen=True, slots=True)
class Mail:
    to: list[str]
    subject: str
    body: str


class Transport(Protocol):
    async def send(self, mail: Mail) -> None: ...


class LogTransport:
    async def send(self, mail: Mail) -> None:
        log.info("e-mail (log transport)", extra={"to": mail.to, "subject": mail.subject, "body": mail.body})


class SmtpTransport:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def _send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = ", ".join(mail.to)
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        assert self.settings.smtp_host is not None
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=30) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls()
            if self.settings.smtp_user:
                smtp.login(self.settings.smtp_user, self.settings.smtp_password or "")
            smtp.send_message(message)

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(self._send, mail)


def transport_for(settings: MailSettings) -> Transport:
    return SmtpTransport(settings) if settings.smtp_host else LogTransport()


_MANAGERS = text(
    """
    SELECT u.id, u.username, u.full_name, r.email, coalesce(r.daily_summary, true) AS wanted
    FROM users AS u
    JOIN branch_memberships AS m ON m.user_id = u.id AND m.branch_id = :b
    JOIN user_roles AS ur ON ur.user_id = u.id AND ur.role = 'manager'
    LEFT JOIN report_recipients AS r ON r.user_id = u.id
    WHERE u.is_active
    ORDER BY u.id
    """
)


async def recipients(session: AsyncSession, branch_id: int, *, smtp: bool) -> list[str]:
    out = []
    for row in await session.execute(_MANAGERS, {"b": branch_id}):
        if not row.wanted:
            continue
        address = row.email or (row.username if "@" in row.username else None)
        if address is None and smtp:
            log.warning("manager has no e-mail address; summary not sent", extra={"user_id": row.id})
            continue
        out.append(address or row.username)
    return out


def _line(label: str, value: Any, previous: Any = None, change: Any = None) -> str:
    text_ = f"{label}: {value}"
    if previous is not None:
        text_ += f"  ({_('same day last week')}: {previous}"
        text_ += f", {change:+} %)" if change is not None else ")"
    return text_


@dataclass(frozen=True, slots=True)
class BranchFacts:
    """What a summary needs of a branch, read once (ORM rows expire at each of the job's commits)."""

    id: int
    code: str
    name: str
    currency: str
    currency_exponent: int
    timezone: str
    language: str = "en"  # the branch's default language: what its summary is written in


async def compose(session: AsyncSession, branch: BranchFacts, day: dt.date) -> tuple[str, str]:
    """Subject and body of a branch's summary for `day`, in the branch's language (a job has no request)."""
    with use_language(branch.language):
        return await _compose(session, branch, day)


async def _compose(session: AsyncSession, branch: BranchFacts, day: dt.date) -> tuple[str, str]:
    scope = Scope(
        branches=[BranchRef(id=branch.id, code=branch.code, name=branch.name)],
        currency=branch.currency,
        exponent=branch.currency_exponent,
        timezone=branch.timezone,
        other_currencies=[],
    )
    dates = Dates(day, day)
    week_ago = Dates(day - dt.timedelta(days=7), day - dt.timedelta(days=7))
    now = await sales.sales_totals(session, scope, dates)
    before = await sales.sales_totals(session, scope, week_ago)
    figures = sales.sales_figures(now, before)
    products = await sales.by_dimension(session, scope, dates, "product", limit=5)
    kitchen, _tables = await operations.kitchen_report(session, scope, dates, compare=False)
    delivery, _tables = await operations.delivery_report(session, scope, dates, compare=False)
    lines = [
        _("%(branch)s, %(day)s", branch=branch.name, day=day.isoformat()),
        "",
        *(_line(f.label, f.value, f.previous, f.change) for f in figures if f.key in _HEADLINE),
        "",
        _("Best sellers:"),
        *(f"  {p['label']}: {p['qty']} ({p['gross']} {branch.currency})" for p in products),
        "",
        *(_line(f.label, f.value) for f in kitchen if f.key in ("avg_total", "late_pct")),
        *(_line(f.label, f.value) for f in delivery if f.key in ("deliveries", "late_pct", "open_balance")),
        "",
        _("Money in %(currency)s; times in seconds.", currency=branch.currency),
    ]
    gross = next(f.value for f in figures if f.key == "gross")
    subject = _(
        "%(branch)s yesterday: %(gross)s %(currency)s from %(orders)s orders",
        branch=branch.name,
        gross=gross,
        currency=branch.currency,
        orders=now["orders"],
    )
    return subject, "\n".join(lines)


_HEADLINE = ("gross", "orders", "avg_ticket", "items", "discount", "refunded_amount", "cancelled")


async def send_daily_summaries(
    session: AsyncSession, transport: Transport, *, smtp: bool, now: dt.datetime | None = None
) -> dict[str, int]:
    """Each active branch whose local time is past SEND_HOUR gets yesterday's summary, once."""
    counts = {"branches": 0, "mails": 0}
    branches = [
        BranchFacts(b.id, b.code, b.name, b.currency, b.currency_exponent, b.timezone, b.language)
        for b in (await session.scalars(select(Branch).where(Branch.active).order_by(Branch.id))).all()
    ]
    await session.rollback()
    for branch in branches:
        local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(branch.timezone))
        if local.hour < SEND_HOUR:
            continue
        day = local.date() - dt.timedelta(days=1)
        to = await recipients(session, branch.id, smtp=smtp)
        taken = await session.scalar(
            pg_insert(ReportMailLog)
            .values(branch_id=branch.id, business_date=day, kind=KIND, recipients=len(to))
            .on_conflict_do_nothing()
            .returning(ReportMailLog.branch_id)
        )
        await session.commit()
        if taken is None:
            continue
        counts["branches"] += 1
        if not to:
            continue
        subject, body = await compose(session, branch, day)
        await session.rollback()
        await transport.send(Mail(to=to, subject=subject, body=body))
        counts["mails"] += 1
    return counts


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def my_summary_mail(session: AsyncSession, *, user_id: int) -> SummaryMailOut:
    row = await session.get(ReportRecipient, user_id)
    return SummaryMailOut(daily_summary=row.daily_summary if row else True, email=row.email if row else None)


async def set_summary_mail(session: AsyncSession, *, user_id: int, request: SummaryMailIn) -> SummaryMailOut:
    email = (request.email or "").strip() or None
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        raise unprocessable("email", _("must be an e-mail address such as boss@example.com"))
    await session.execute(
        pg_insert(ReportRecipient)
        .values(user_id=user_id, email=email, daily_summary=request.daily_summary)
        .on_conflict_do_update(
            index_elements=[ReportRecipient.user_id],
            set_={"email": email, "daily_summary": request.daily_summary},
        )
    )
    audit.record(
        session,
        action="reports.summary_mail",
        entity_type="user",
        entity_id=user_id,
        actor_user_id=user_id,
        data={"daily_summary": request.daily_summary, "email": email},
    )
    await session.commit()
    return SummaryMailOut(daily_summary=request.daily_summary, email=email)

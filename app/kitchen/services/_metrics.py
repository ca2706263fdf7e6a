"""Kitchen metrics for the reports screen: prep times per station and per product, tickets per hour.

Prep time is `bumped_at - created_at` of a ticket (a recalled ticket counts to its last bump). The period
selects tickets by creation time, `[since, until)`; times without a zone are the branch's local time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import text

from app.auth.guards import ensure_branch_visible
from app.db.models import Branch
from app.kitchen.schemas import HourBucket, KitchenMetrics, ProductMetrics, StationMetrics
from app.kitchen.services._base import KitchenServiceBase
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.orders.hot import qty_text

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

DEFAULT_PERIOD = dt.timedelta(days=1)
# Past a quarter the per-hour list gets long and the query scans a lot; reports of a year aggregate days.
MAX_PERIOD = dt.timedelta(days=93)
# What the `stations` table defaults to, for tickets of a station code no longer (or never) configured.
DEFAULT_LATE_AFTER_SECONDS = 600

_TICKETS = """
    WITH t AS (
        SELECT kt.id, kt.order_id, kt.station_code, kt.created_at, kt.bumped_at,
               CAST(EXTRACT(EPOCH FROM (kt.bumped_at - kt.created_at)) AS double precision) AS prep
        FROM kitchen_tickets AS kt
        WHERE kt.branch_id = :branch_id AND kt.created_at >= :since AND kt.created_at < :until
    )
"""

_BY_STATION = text(
    _TICKETS  # noqa: S608 - constant SQL text joined at import; every value is a bound parameter
    + """
    SELECT t.station_code, s.name, COALESCE(s.late_after_seconds, :default_late) AS late_after,
           count(*) AS tickets, count(t.prep) AS bumped, avg(t.prep) AS avg_prep,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY t.prep) AS p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY t.prep) AS p90,
           count(*) FILTER (WHERE t.prep > COALESCE(s.late_after_seconds, :default_late)) AS late
    FROM t LEFT JOIN stations AS s ON s.branch_id = :branch_id AND s.code = t.station_code
    GROUP BY t.station_code, s.name, s.late_after_seconds
    ORDER BY t.station_code
    """
)

# A product counts once per ticket it is on (two lines of it on one ticket are one ticket, their sum qty).
_BY_PRODUCT = text(
    _TICKETS  # noqa: S608 - constant SQL text joined at import; every value is a bound parameter
    + """
    , per_ticket AS (
        SELECT t.id, ol.product_id, sum(ol.qty) AS qty, max(t.prep) AS prep
        FROM t JOIN order_lines AS ol ON ol.order_id = t.order_id AND ol.station_code = t.station_code
        GROUP BY t.id, ol.product_id
    )
    SELECT pt.product_id, p.name, count(*) AS tickets, sum(pt.qty) AS qty, avg(pt.prep) AS avg_prep
    FROM per_ticket AS pt JOIN products AS p ON p.id = pt.product_id
    GROUP BY pt.product_id, p.name
    ORDER BY count(*) DESC, p.name, pt.product_id
    """
)

_BY_HOUR = text(
    _TICKETS  # noqa: S608 - constant SQL text joined at import; every value is a bound parameter
    + """
    SELECT date_trunc('hour', t.created_at, :timezone) AS hour, count(*) AS tickets,
           count(t.bumped_at) AS bumped
    FROM t
    GROUP BY 1
    ORDER BY 1
    """
)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


class MetricsMixin(KitchenServiceBase):
    async def metrics(
        self,
        *,
        branch_id: int,
        since: dt.datetime | None,
        until: dt.datetime | None,
        actor: SessionUser,
    ) -> KitchenMetrics:
        ensure_branch_visible(actor, branch_id, what="Branch")
        branch = await self.session.get(Branch, branch_id)
        if branch is None:
            raise NotFoundException(detail=_("Branch not found"))
        zone = ZoneInfo(branch.timezone)
        until = _aware(until, zone) if until is not None else dt.datetime.now(dt.UTC)
        since = _aware(since, zone) if since is not None else until - DEFAULT_PERIOD
        if since >= until:
            raise unprocessable("since", _("must be before until"))
        if until - since > MAX_PERIOD:
            raise unprocessable("since", _("the period may span at most %(days)s days", days=MAX_PERIOD.days))
        params = {
            "branch_id": branch_id,
            "since": since,
            "until": until,
            "default_late": DEFAULT_LATE_AFTER_SECONDS,
            "timezone": branch.timezone,
        }
        stations = [
            StationMetrics(
                station_code=row["station_code"],
                name=row["name"],
                tickets=row["tickets"],
                bumped=row["bumped"],
                avg_prep_seconds=_seconds(row["avg_prep"]),
                p50_prep_seconds=_seconds(row["p50"]),
                p90_prep_seconds=_seconds(row["p90"]),
                late_after_seconds=row["late_after"],
                late=row["late"],
            )
            for row in (await self.session.execute(_BY_STATION, params)).mappings()
        ]
        products = [
            ProductMetrics(
                product_id=row["product_id"],
                name=row["name"],
                tickets=row["tickets"],
                qty=qty_text(row["qty"]),
                avg_prep_seconds=_seconds(row["avg_prep"]),
            )
            for row in (await self.session.execute(_BY_PRODUCT, params)).mappings()
        ]
        hours = [
            HourBucket(hour=row["hour"].astimezone(zone), tickets=row["tickets"], bumped=row["bumped"])
            for row in (await self.session.execute(_BY_HOUR, params)).mappings()
        ]
        return KitchenMetrics(
            branch_id=branch_id,
            since=since,
            until=until,
            stations=stations,
            products=products,
            hours=hours,
        )


def _aware(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A time without a zone is the branch's local time (a manager picks "from 08:00" on their shop's clock)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)

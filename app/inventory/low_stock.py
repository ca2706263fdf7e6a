"""Low-stock alerts: one `alert.raised` per crossing of a reorder point.

A movement that takes a product's on-hand from at or above its branch's reorder point to below it marks its
ledger row (`low_crossing`, computed under the stock row's lock, so two sales cannot both cross). Raising
turns each marked row without an alert into one `alerts` row, unique per ledger row: a second run (the
sale's job, the cron sweep and a receipt's own call at once) inserts nothing and announces nothing. Stock
that comes back above the point and falls again is a new crossing, with a new alert.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from app.db.models import Alert, Branch, Product
from app.events import floor as ev
from app.inventory.ledger import Mismatch, mismatches
from app.lib.i18n import _, use_language

if TYPE_CHECKING:
    from app.lib.deps import Scope

log = logging.getLogger(__name__)

# A list in a sentence: Arabic separates with its own comma.
_LIST_SEP: dict[str, str] = {"ar": "، "}

# Crossings older than two days without an alert are history, not news. The sentence is written afterwards
# in Python, in the branch's language (a job has no request), in the same transaction.
_RAISE = text(
    """
WITH due AS (
    SELECT m.id, m.branch_id, m.product_id
    FROM stock_moves AS m
    WHERE m.low_crossing AND m.created_at > now() - interval '2 days'
      AND (CAST(:branch_id AS bigint) IS NULL OR m.branch_id = :branch_id)
      AND NOT EXISTS (SELECT 1 FROM alerts AS a WHERE a.stock_move_id = m.id)
    ORDER BY m.id
    LIMIT 500
)
INSERT INTO alerts (branch_id, order_id, product_id, stock_move_id, kind, order_state, order_version, message)
SELECT branch_id, NULL, product_id, id, 'low_stock', 'low_stock', 0, ''
FROM due
ON CONFLICT (stock_move_id) DO NOTHING
RETURNING id, branch_id, product_id, stock_move_id, raised_at
"""
)

_FACTS = text(
    """
SELECT m.id, p.name, trim_scale(m.on_hand_after)::text, p.base_unit,
       trim_scale(coalesce(s.reorder_point, 0))::text, b.language
FROM stock_moves AS m
JOIN products AS p ON p.id = m.product_id
JOIN branches AS b ON b.id = m.branch_id
LEFT JOIN product_stock AS s ON s.branch_id = m.branch_id AND s.product_id = m.product_id
WHERE m.id = ANY(:ids)
"""
)


def low_message(name: str, left: str, unit: str, point: str, language: str) -> str:
    with use_language(language):
        if unit == "kg":
            return str(
                _(
                    "%(name)s is low: %(left)s kg left (reorder point %(point)s)",
                    name=name,
                    left=left,
                    point=point,
                )
            )
        return str(
            _("%(name)s is low: %(left)s left (reorder point %(point)s)", name=name, left=left, point=point)
        )


async def raise_for_branch(scope: Scope, branch_id: int | None) -> int:
    """Raise the alerts of every crossing not alerted yet (one branch, or all); returns how many. Announced
    after the commit, only by the run whose insert made the row."""
    session = scope.session
    rows = (await session.execute(_RAISE, {"branch_id": branch_id})).all()
    texts: dict[int, str] = {}
    if rows:
        found = await session.execute(_FACTS, {"ids": [r.stock_move_id for r in rows]})
        texts = {move_id: low_message(*rest) for move_id, *rest in found.all()}
        await session.execute(
            text("UPDATE alerts SET message = :message WHERE id = :id"),
            [{"id": r.id, "message": texts[r.stock_move_id]} for r in rows],
        )
    for alert_id, branch, product_id, move_id, raised_at in rows:
        scope.bus.on_commit(
            session,
            branch,
            ev.ALERT_RAISED,
            ev.AlertRaised.about_branch(
                alert_id=alert_id,
                kind="low_stock",
                message=texts[move_id],
                raised_at=raised_at.isoformat(),
                product_id=product_id,
            ),
        )
    await session.commit()
    if rows:
        log.info("low-stock alerts raised", extra={"branch_id": branch_id, "count": len(rows)})
    return len(rows)


async def alert_mismatches(scope: Scope) -> int:
    """The nightly proof: every branch whose on-hand is not its ledger's sum gets one `ledger_mismatch`
    alert naming the products (announced after commit). Returns the number of mismatching rows."""
    session = scope.session
    found = await mismatches(session)
    by_branch: dict[int, list[Mismatch]] = {}
    for m in found:
        by_branch.setdefault(m.branch_id, []).append(m)
    for branch_id, rows in by_branch.items():
        names = dict(
            (
                await session.execute(
                    select(Product.id, Product.name).where(Product.id.in_([r.product_id for r in rows]))
                )
            ).all()
        )
        language = await session.scalar(select(Branch.language).where(Branch.id == branch_id)) or "en"
        with use_language(language):
            parts = [
                str(
                    _(
                        "%(product)s (on hand %(on_hand)s, ledger %(ledger)s)",
                        product=names.get(r.product_id, r.product_id),
                        on_hand=r.on_hand,
                        ledger=r.ledger,
                    )
                )
                for r in rows[:5]
            ]
            if len(rows) > 5:
                parts.append(str(_("%(count)s more", count=len(rows) - 5)))
            message = str(
                _(
                    "Stock does not match its ledger: %(parts)s",
                    parts=_LIST_SEP.get(language, ", ").join(parts),
                )
            )
        alert = Alert(
            branch_id=branch_id,
            order_id=None,
            product_id=rows[0].product_id,
            kind="ledger_mismatch",
            order_state="ledger_mismatch",
            order_version=0,
            message=message,
        )
        session.add(alert)
        await session.flush()
        await session.refresh(alert)
        scope.bus.on_commit(
            session,
            branch_id,
            ev.ALERT_RAISED,
            ev.AlertRaised.about_branch(
                alert_id=alert.id,
                kind=alert.kind,
                message=alert.message,
                raised_at=alert.raised_at.isoformat(),
                product_id=alert.product_id,
            ),
        )
        log.error("stock ledger mismatch", extra={"branch_id": branch_id, "rows": len(rows)})
    await session.commit()
    return len(found)

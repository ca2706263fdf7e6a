"""`audit.change()`: the one way a back-office edit is audited with what it was and what it became."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.db.models import AuditLog
from app.lib import audit

APP = Path(__file__).resolve().parents[2] / "app"


async def test_a_change_stores_both_sides_as_the_viewer_reads_them(db_session: Any) -> None:
    audit.change(
        db_session,
        action="thing.update",
        entity_type="thing",
        entity_id=7,
        actor_user_id=None,
        branch_id=None,
        before={"price": Decimal("1.50"), "from": dt.date(2026, 1, 2), "tags": ("a",)},
        after={"price": Decimal("2.00"), "from": None, "tags": ["a", "b"]},
        reason="price rise",
    )
    audit.change(db_session, action="thing.create", entity_type="thing", entity_id=8, before=None, after=1)
    await db_session.commit()
    rows = {r.entity_id: r for r in await db_session.scalars(select(AuditLog).order_by(AuditLog.id))}
    assert rows["7"].data == {
        "before": {"price": "1.50", "from": "2026-01-02", "tags": ["a"]},
        "after": {"price": "2.00", "from": None, "tags": ["a", "b"]},
        "reason": "price rise",
    }
    assert rows["7"].action == "thing.update" and rows["7"].entity_type == "thing"
    assert rows["8"].data == {"before": None, "after": 1}


def test_no_service_writes_before_and_after_by_hand() -> None:
    """Every audit row with a before/after goes through audit.change, so the viewer reads one shape."""
    by_hand = []
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "audit.record"):
                continue
            for keyword in node.keywords:
                if keyword.arg == "data" and isinstance(keyword.value, ast.Dict):
                    keys = {k.value for k in keyword.value.keys if isinstance(k, ast.Constant)}
                    if "before" in keys:
                        by_hand.append(f"{path.relative_to(APP)}:{node.lineno}")
    assert not by_hand, f"use audit.change(before=…, after=…): {by_hand}"

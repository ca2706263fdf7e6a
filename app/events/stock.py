"""Events of the stockroom and the petty cash box: an expense recorded, approved or rejected."""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType


class ExpenseChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`expense.changed`: a till paid (or asked to pay) petty cash out of its drawer, or a manager decided
    on one. The board shows what waits for a manager; the till sees its own expense approved."""

    expense_id: str
    shift_id: str
    category: str
    amount: str
    state: str  # pending | approved | rejected
    actor: int | None = None


# Money is staff business: managers' boards and the tills, never the kitchen, the TV or a courier.
EXPENSE_CHANGED = EventType(
    "expense.changed", ExpenseChanged, views={Audience.BOARD: FULL, Audience.TILL: FULL}
)

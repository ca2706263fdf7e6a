"""The composition root: binds the ports lower domains declare to the higher domains that implement them.

Called once at start-up by every process that builds services (the web app, the worker, the CLI, the
tests). Kept in one place so that what depends on what, against the layering, is visible at a glance.
"""

from __future__ import annotations

from app.dispatch.flows import DispatchFlows
from app.kitchen.flows import KitchenFlows
from app.lib.deps import bind
from app.orders import KITCHEN_MOVES, MONEY_BACK, ROAD_MOVES
from app.payments.flows import MoneyBackFlow


def wire() -> None:
    bind(ROAD_MOVES, DispatchFlows.from_scope)
    bind(KITCHEN_MOVES, KitchenFlows.from_scope)
    bind(MONEY_BACK, MoneyBackFlow.from_scope)

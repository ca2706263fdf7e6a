"""Orders: create, read, and the one door for state moves (DESIGN §4, §11). Imports no other domain.

Public names for the domains above: the door and its moves, and the small reads every flow makes.
"""

from app.orders.actions.schemas import CancelRefund
from app.orders.actions.service import MONEY_BACK, MoneyBack
from app.orders.door import Door, Effects, FollowUp, Move, Moved, MoveRefusedError
from app.orders.lookups import (
    branch_of,
    check_courier,
    check_own_delivery,
    customer_of,
    exponent_of,
    live_state_missing,
    refusal,
    reply_refusal,
    tickets_of,
)
from app.orders.service import KITCHEN_MOVES, ROAD_MOVES, KitchenMoves, OrderService, RoadMoves

__all__ = [
    "KITCHEN_MOVES",
    "MONEY_BACK",
    "ROAD_MOVES",
    "CancelRefund",
    "Door",
    "Effects",
    "FollowUp",
    "KitchenMoves",
    "MoneyBack",
    "Move",
    "MoveRefusedError",
    "Moved",
    "OrderService",
    "RoadMoves",
    "branch_of",
    "check_courier",
    "check_own_delivery",
    "customer_of",
    "exponent_of",
    "live_state_missing",
    "refusal",
    "reply_refusal",
    "tickets_of",
]

"""The order state machine as data: states, channels, and the one transition table (DESIGN §4).

The Lua script enforces this table; `machine.py` renders it into the script when it loads, so changing a
rule here changes what Redis accepts, and nothing else needs to know.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class State(StrEnum):
    SCHEDULED = "scheduled"
    RECEIVED = "received"
    PREPARING = "preparing"
    READY = "ready"
    COMPLETED = "completed"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    COUNTER = "counter"
    PICKUP = "pickup"
    DINE_IN = "dine_in"
    DELIVERY = "delivery"
    PARTNER = "partner"


class PaymentStatus(StrEnum):
    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    REFUNDED = "refunded"


TERMINAL = frozenset({State.COMPLETED, State.DELIVERED, State.CANCELLED})
OPEN_STATES = tuple(s for s in State if s not in TERMINAL)
# Every order has a token (its reference, app/orders/ref.py); these are the channels whose customers wait
# in the shop, so the queue TV shows and calls their tokens.
TOKEN_CHANNELS = frozenset({Channel.COUNTER, Channel.PICKUP, Channel.DINE_IN})
DISPATCH_CHANNELS = frozenset({Channel.DELIVERY, Channel.PARTNER})
HANDOVER_CHANNELS = frozenset({Channel.COUNTER, Channel.PICKUP, Channel.DINE_IN, Channel.PARTNER})

# Who may ask for a move. `system` is the server itself: the worker releasing scheduled orders, the kitchen
# service moving an order when its tickets start or are all bumped. Admins pass every rule.
SYSTEM = "system"


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    roles: frozenset[str]
    # None: any channel.
    channels: frozenset[Channel] | None = None
    # Guard data the request must carry (422 naming the first one missing).
    requires: tuple[str, ...] = ()
    requires_paid: bool = False
    # Manager corrections (a step back) are allowed but stand out in the audit log.
    correction: bool = False


_KITCHEN = frozenset({"kitchen", "manager", SYSTEM})
_FRONT = frozenset({"cashier", "manager", "kitchen"})
_MANAGER = frozenset({"manager"})
_ROAD = frozenset({"courier", "manager"})
_CANCEL = Rule(roles=_MANAGER, requires=("reason",))

TRANSITIONS: dict[tuple[State, State], Rule] = {
    (State.SCHEDULED, State.RECEIVED): Rule(roles=frozenset({"manager", SYSTEM})),
    (State.RECEIVED, State.PREPARING): Rule(roles=_KITCHEN),
    (State.RECEIVED, State.READY): Rule(roles=_KITCHEN),
    (State.PREPARING, State.READY): Rule(roles=_KITCHEN),
    (State.READY, State.COMPLETED): Rule(roles=_FRONT, channels=HANDOVER_CHANNELS, requires_paid=True),
    **{
        (origin, State.OUT_FOR_DELIVERY): Rule(
            roles=_MANAGER, channels=DISPATCH_CHANNELS, requires=("courier_id", "settle_mode")
        )
        for origin in (State.RECEIVED, State.PREPARING, State.READY)
    },
    (State.OUT_FOR_DELIVERY, State.DELIVERED): Rule(roles=_ROAD),
    (State.OUT_FOR_DELIVERY, State.RETURNED): Rule(roles=_ROAD, requires=("reason",)),
    (State.RETURNED, State.READY): Rule(roles=_MANAGER),
    (State.PREPARING, State.RECEIVED): Rule(roles=_MANAGER, correction=True),
    (State.READY, State.RECEIVED): Rule(roles=_MANAGER, correction=True),
    # A recall at the pass after `ready` reopens the order (issue: kitchen displays).
    (State.READY, State.PREPARING): Rule(roles=frozenset({"manager", SYSTEM}), correction=True),
    # Cancel from any open state but `out_for_delivery`: the food and maybe the cash are with a courier, so
    # the order must come back (`returned`) before it can be given up (issue 6, card actions).
    **{(origin, State.CANCELLED): _CANCEL for origin in OPEN_STATES if origin != State.OUT_FOR_DELIVERY},
}

SETTLE_MODES = ("now", "later")
GUARD_FIELDS = ("courier_id", "settle_mode", "reason")


def rule_for(origin: State, target: State) -> Rule | None:
    return TRANSITIONS.get((origin, target))

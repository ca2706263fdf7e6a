"""The kitchen service: ticket moves, the kitchen screens' snapshots, and kitchen metrics.

The rules live here; order moves the tickets cause are made by the order service (the only emitter of
order events), which this service is given.
"""

from app.kitchen.services._base import KitchenActor, KitchenServiceBase
from app.kitchen.services._metrics import MetricsMixin
from app.kitchen.services._tickets import TicketMixin


class KitchenService(TicketMixin, MetricsMixin, KitchenServiceBase):
    pass


__all__ = ["KitchenActor", "KitchenService"]

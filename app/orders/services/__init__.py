"""The order service (DESIGN §3, §4): the one place that changes orders and emits their events.

Only this service writes orders, and it announces a change in Redis only after PostgreSQL has committed
it, so a persisted event never points at a missing order. It is one class assembled from its parts.
"""

from app.orders.services._actions import ActionsMixin
from app.orders.services._base import OrderServiceBase, request_hash, ticket_id_for
from app.orders.services._create import CreateMixin
from app.orders.services._kitchen import KitchenMixin
from app.orders.services._reads import ReadMixin
from app.orders.services._release import ReleaseMixin
from app.orders.services._road_repair import RoadRepairMixin
from app.orders.services._transitions import TransitionMixin


# ActionsMixin comes first: it wraps `transition` so a cancel answers for money taken on the order.
# RoadRepairMixin brings the road moves (out_for_delivery, delivered, returned: _dispatch.py, _deliveries.py
# over _road.py) and their repair; it extends TransitionMixin, whose `transition` it routes.
class OrderService(
    ActionsMixin,
    CreateMixin,
    RoadRepairMixin,
    TransitionMixin,
    ReadMixin,
    ReleaseMixin,
    KitchenMixin,
    OrderServiceBase,
):
    pass


__all__ = ["OrderService", "request_hash", "ticket_id_for"]

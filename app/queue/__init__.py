"""The shop's queue: the token TV's board (orders' tokens, preparing and ready) and the walk-in service
queue (kiosk numbers called to counters), both live on the `/queue` namespace."""

from app.queue.controllers import QueueController, ServiceTicketController
from app.queue.services import QueueService

__all__ = ["QueueController", "QueueService", "ServiceTicketController"]

"""Board alerts: late orders and missed delivery slots (arq cron), acknowledged by managers; per-branch
state time limits."""

from app.alerts.controllers import AlertController, StateLimitController
from app.alerts.services import AlertService

__all__ = ["AlertController", "AlertService", "StateLimitController"]

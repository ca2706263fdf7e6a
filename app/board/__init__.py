"""The managers' live board (/kanban) as one read: a small package above the domains it draws from (orders,
dispatch, couriers, alerts, menu busy mode, the reports' anomalies)."""

from app.board.controllers import BoardSnapshotController
from app.board.services import BoardService

__all__ = ["BoardService", "BoardSnapshotController"]

from __future__ import annotations

from app.lib.deps import DbSession
from app.shifts.services import ShiftService


def provide_shift_service(db_session: DbSession) -> ShiftService:
    return ShiftService(session=db_session)
